-- Search (issue 14, "Fast on deadline day"): the words of each text PostgreSQL's full-text search
-- matches, stored beside the text instead of derived from it on every search. The search read
-- `to_tsvector('english', body)` for every text of the area twice (to match and to rank), which
-- the expression indexes could not spare it: 14 ms of a search at national scale. A generated
-- column is recomputed by the same statement that saves the text, so it is never out of date.
ALTER TABLE plan_sections
    ADD COLUMN search_words tsvector GENERATED ALWAYS AS (to_tsvector('english', body)) STORED;
ALTER TABLE contributions
    ADD COLUMN search_words tsvector GENERATED ALWAYS AS (to_tsvector('english', body)) STORED;
ALTER TABLE comments
    ADD COLUMN search_words tsvector GENERATED ALWAYS AS (to_tsvector('english', body)) STORED;

DROP INDEX plan_sections_search_idx;
DROP INDEX contributions_search_idx;
DROP INDEX comments_search_idx;
CREATE INDEX plan_sections_search_idx ON plan_sections USING gin (search_words);
CREATE INDEX contributions_search_idx ON contributions USING gin (search_words);
CREATE INDEX comments_search_idx ON comments USING gin (search_words);
