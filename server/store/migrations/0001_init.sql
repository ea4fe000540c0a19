-- Times are Unix microseconds in UTC.
CREATE TABLE devices (
    id                TEXT PRIMARY KEY,
    user              TEXT NOT NULL,
    hostname          TEXT NOT NULL,
    host_id           TEXT NOT NULL,
    managed           INTEGER NOT NULL,
    credential_sha256 BLOB NOT NULL,
    enrolled_at       INTEGER NOT NULL,
    last_seen_at      INTEGER,
    last_ip           TEXT,
    last_posture      TEXT
);

CREATE TABLE activities (
    seq         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    time        INTEGER NOT NULL,
    user        TEXT NOT NULL,
    device_id   TEXT NOT NULL REFERENCES devices(id),
    app_id      TEXT NOT NULL,
    app_host    TEXT NOT NULL,
    activity    TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    file_size   INTEGER,
    file_mime   TEXT NOT NULL,
    page_url    TEXT NOT NULL,
    target_url  TEXT NOT NULL,
    source_ip   TEXT NOT NULL,
    decision    TEXT NOT NULL,
    policy_ids  TEXT NOT NULL,
    reason      TEXT NOT NULL,
    decided_by  TEXT NOT NULL CHECK (decided_by IN ('server', 'agent')),
    request_id  TEXT NOT NULL
);

CREATE INDEX activities_by_time ON activities (time DESC, seq DESC);

-- An agent may send the same activity.report again after a lost ack.
CREATE UNIQUE INDEX activities_agent_request ON activities (device_id, request_id)
    WHERE decided_by = 'agent';

CREATE TABLE policy_revisions (
    revision  INTEGER PRIMARY KEY AUTOINCREMENT,
    digest    TEXT NOT NULL,
    loaded_at INTEGER NOT NULL
);
