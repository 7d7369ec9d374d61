-- Calendar feeds (issue 12): an iCalendar feed of an area's deadlines, and one per person of the
-- deadlines of every area they hold a role in, each at a secret URL. Only the SHA-256 of the
-- secret is kept (looked up by it); rotating a feed revokes its row and adds a new one.
CREATE TABLE calendar_feeds (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind         TEXT NOT NULL CONSTRAINT calendar_feeds_kind_known CHECK (kind IN ('area', 'person')),
    area_id      BIGINT REFERENCES areas (id) ON DELETE CASCADE,
    user_id      BIGINT REFERENCES users (id) ON DELETE CASCADE,
    secret_hash  BYTEA NOT NULL CONSTRAINT calendar_feeds_hash_length CHECK (length(secret_hash) = 32),
    created_at   TIMESTAMPTZ NOT NULL,
    created_by   BIGINT NOT NULL REFERENCES users (id),
    revoked_at   TIMESTAMPTZ,
    revoked_by   BIGINT REFERENCES users (id),
    CONSTRAINT calendar_feeds_owner CHECK (
        (kind = 'area' AND area_id IS NOT NULL AND user_id IS NULL)
        OR (kind = 'person' AND user_id IS NOT NULL AND area_id IS NULL))
);
CREATE UNIQUE INDEX calendar_feeds_secret ON calendar_feeds (secret_hash);
-- At most one current feed per area and per person.
CREATE UNIQUE INDEX calendar_feeds_current_area ON calendar_feeds (area_id)
    WHERE kind = 'area' AND revoked_at IS NULL;
CREATE UNIQUE INDEX calendar_feeds_current_person ON calendar_feeds (user_id)
    WHERE kind = 'person' AND revoked_at IS NULL;
