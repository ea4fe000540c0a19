-- Admin accounts, API and session tokens, the audit log, device
-- revocation, policy bundles applied through the API, and the indexes of
-- the activity filters. Times are Unix microseconds in UTC.
CREATE TABLE accounts (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'analyst')),
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

-- kind 'api' is a named token created by an admin; kind 'session' is
-- issued by POST /api/v1/login for account_id.
CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('api', 'session')),
    name         TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('admin', 'analyst')),
    token_sha256 BLOB NOT NULL UNIQUE,
    account_id   TEXT REFERENCES accounts(id) ON DELETE CASCADE,
    created_by   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    expires_at   INTEGER,
    revoked_at   INTEGER
);

CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    time       INTEGER NOT NULL,
    actor      TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    action     TEXT NOT NULL,
    target     TEXT NOT NULL,
    details    TEXT NOT NULL
);

CREATE INDEX audit_by_time ON audit_log (time DESC, seq DESC);

ALTER TABLE devices ADD COLUMN revoked_at INTEGER;

CREATE TABLE policy_bundles (
    revision   INTEGER PRIMARY KEY REFERENCES policy_revisions(revision),
    source     TEXT NOT NULL,
    applied_by TEXT NOT NULL,
    applied_at INTEGER NOT NULL
);

CREATE INDEX activities_by_user ON activities (user, time DESC, seq DESC);
CREATE INDEX activities_by_device ON activities (device_id, time DESC, seq DESC);
CREATE INDEX activities_by_app ON activities (app_id, time DESC, seq DESC);
CREATE INDEX activities_by_activity ON activities (activity, time DESC, seq DESC);
CREATE INDEX activities_by_decision ON activities (decision, time DESC, seq DESC);
