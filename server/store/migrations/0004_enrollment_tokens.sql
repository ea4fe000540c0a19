-- Enrollment tokens created by admins, credential rotation and the token
-- each device enrolled with. Times are Unix microseconds in UTC.
CREATE TABLE enrollment_tokens (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    token_sha256 BLOB NOT NULL UNIQUE,
    managed      INTEGER NOT NULL,
    -- fixed_user is the user of every device enrolled with the token, or
    -- '' to take the user from the enrollment request.
    fixed_user   TEXT NOT NULL,
    max_uses     INTEGER NOT NULL CHECK (max_uses > 0),
    uses         INTEGER NOT NULL DEFAULT 0 CHECK (uses <= max_uses),
    created_by   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    expires_at   INTEGER,
    revoked_at   INTEGER
);

-- enrollment_token_id is NULL for devices enrolled with the server's own
-- token (PARAPET_ENROLL_TOKEN).
ALTER TABLE devices ADD COLUMN enrollment_token_id TEXT REFERENCES enrollment_tokens(id);

-- pending_credential_sha256 is the hash of a rotated credential that the
-- agent has not used yet; until it does, the old credential stays valid.
ALTER TABLE devices ADD COLUMN pending_credential_sha256 BLOB;

CREATE INDEX devices_by_host_id ON devices (host_id) WHERE host_id != '';
