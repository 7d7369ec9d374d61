-- The audit chain becomes keyed: each row's hash is an HMAC under a key held outside the database.
-- Rows written before this are marked as plain SHA-256 (chain 1) and are accepted by
-- `audit verify` only at the start of the log; every new row says chain 2 explicitly.
ALTER TABLE audit_log
    ADD COLUMN chain SMALLINT NOT NULL DEFAULT 1 CONSTRAINT audit_log_chain CHECK (chain IN (1, 2));
ALTER TABLE audit_log ALTER COLUMN chain DROP DEFAULT;
