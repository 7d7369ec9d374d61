-- A comment can quote the passage of the section it is about (issue 13, item 6), shown above it.
ALTER TABLE comments
    ADD COLUMN quote TEXT CONSTRAINT comments_quote_length CHECK (length(quote) <= 2000);
