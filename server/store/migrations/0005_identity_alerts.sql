-- People who sign in to protected apps, their sessions and second
-- factors (server/identity), anomaly alerts and admin blocks of users.
-- Times are Unix microseconds in UTC.
CREATE TABLE identity_users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    -- groups_json is a JSON array of group names.
    groups_json   TEXT NOT NULL,
    guest         INTEGER NOT NULL,
    oidc_issuer   TEXT NOT NULL,
    oidc_subject  TEXT NOT NULL,
    disabled      INTEGER NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE UNIQUE INDEX identity_users_by_subject ON identity_users (oidc_issuer, oidc_subject)
    WHERE oidc_subject != '';

-- Only the SHA-256 of a session token is stored.
CREATE TABLE identity_sessions (
    id               TEXT PRIMARY KEY,
    token_sha256     BLOB NOT NULL UNIQUE,
    user_id          TEXT NOT NULL REFERENCES identity_users(id) ON DELETE CASCADE,
    device_id        TEXT NOT NULL,
    app_id           TEXT NOT NULL,
    first_ip         TEXT NOT NULL,
    current_ip       TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    authenticated_at INTEGER NOT NULL,
    ip_changed       INTEGER NOT NULL
);

CREATE UNIQUE INDEX identity_sessions_by_scope ON identity_sessions (user_id, device_id, app_id);
CREATE INDEX identity_sessions_by_expiry ON identity_sessions (expires_at);

-- secret is the base32 TOTP secret in plain text.
CREATE TABLE identity_totp (
    user_id    TEXT PRIMARY KEY REFERENCES identity_users(id) ON DELETE CASCADE,
    secret     TEXT NOT NULL,
    confirmed  INTEGER NOT NULL,
    last_step  INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);

-- credential_json is the go-webauthn Credential as JSON.
CREATE TABLE identity_webauthn (
    credential_id   BLOB PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES identity_users(id) ON DELETE CASCADE,
    credential_json TEXT NOT NULL
);

CREATE INDEX identity_webauthn_by_user ON identity_webauthn (user_id);

-- One row per anomaly finding. evidence_json is a JSON array of activity
-- ids, oldest first.
CREATE TABLE alerts (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE,
    detector        TEXT NOT NULL,
    user            TEXT NOT NULL,
    device_id       TEXT NOT NULL,
    action          TEXT NOT NULL,
    severity        TEXT NOT NULL,
    reason          TEXT NOT NULL,
    evidence_json   TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('open', 'acknowledged', 'resolved')),
    created_at      INTEGER NOT NULL,
    window_start    INTEGER NOT NULL,
    window_end      INTEGER NOT NULL,
    blocked_until   INTEGER,
    acknowledged_at INTEGER,
    acknowledged_by TEXT NOT NULL DEFAULT '',
    resolved_at     INTEGER,
    resolved_by     TEXT NOT NULL DEFAULT ''
);

CREATE INDEX alerts_by_time ON alerts (created_at DESC, seq DESC);

-- Blocks that admins set on users through the API. user is the email the
-- activity log records. until is NULL for a block without an end.
CREATE TABLE user_blocks (
    user       TEXT PRIMARY KEY,
    reason     TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    until      INTEGER
);
