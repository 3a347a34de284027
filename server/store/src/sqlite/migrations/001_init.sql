-- The store is append-only: every table refuses UPDATE and DELETE (see the triggers at the end).
-- Current state (heads, labels, review states) is the latest row by event sequence.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- The audit log: one row per event. The header is in clear for indexing; the record is sealed.
CREATE TABLE audit_log (
    seq         INTEGER PRIMARY KEY,
    event_id    TEXT NOT NULL UNIQUE,
    event_type  TEXT NOT NULL,
    prompt_id   TEXT,
    recorded_at TEXT NOT NULL,
    session_id  TEXT NOT NULL,
    key_id      TEXT NOT NULL,
    nonce       BLOB NOT NULL,
    payload     BLOB NOT NULL,
    prev_hash   BLOB NOT NULL,
    hash        BLOB NOT NULL
) STRICT;
CREATE INDEX audit_log_prompt ON audit_log (prompt_id, seq);
CREATE INDEX audit_log_time ON audit_log (recorded_at);

CREATE TABLE audit_checkpoints (
    seq       INTEGER PRIMARY KEY,
    head_hash BLOB NOT NULL,
    signed_at TEXT NOT NULL,
    key_id    TEXT NOT NULL,
    signature BLOB NOT NULL
) STRICT;

CREATE TABLE audit_keys (
    key_id     TEXT PRIMARY KEY,
    public_key BLOB NOT NULL,
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE versions (
    id         TEXT PRIMARY KEY,
    prompt_id  TEXT NOT NULL,
    parent_id  TEXT,
    content    TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    author     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    origin     TEXT NOT NULL,
    strategy   TEXT,
    score      REAL,
    message    TEXT,
    -- 1 for the main line (the head is its latest), 0 for candidates beside it.
    main_line  INTEGER NOT NULL,
    event_seq  INTEGER NOT NULL REFERENCES audit_log (seq)
) STRICT;
CREATE INDEX versions_prompt ON versions (prompt_id, main_line, event_seq);

CREATE TABLE review_moves (
    version_id TEXT NOT NULL REFERENCES versions (id),
    state      TEXT NOT NULL,
    event_seq  INTEGER NOT NULL REFERENCES audit_log (seq),
    PRIMARY KEY (version_id, event_seq)
) STRICT;

CREATE TABLE label_moves (
    prompt_id  TEXT NOT NULL,
    label      TEXT NOT NULL,
    version_id TEXT NOT NULL REFERENCES versions (id),
    event_seq  INTEGER NOT NULL REFERENCES audit_log (seq),
    PRIMARY KEY (prompt_id, label, event_seq)
) STRICT;

CREATE TABLE feedback (
    event_seq  INTEGER PRIMARY KEY REFERENCES audit_log (seq),
    prompt_id  TEXT NOT NULL,
    version_id TEXT NOT NULL REFERENCES versions (id),
    user       TEXT NOT NULL,
    score      INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5)
) STRICT;
CREATE INDEX feedback_prompt ON feedback (prompt_id, event_seq);

CREATE TABLE evaluations (
    event_seq  INTEGER PRIMARY KEY REFERENCES audit_log (seq),
    prompt_id  TEXT NOT NULL,
    version_id TEXT NOT NULL REFERENCES versions (id),
    score      REAL NOT NULL,
    evaluator  TEXT NOT NULL
) STRICT;
CREATE INDEX evaluations_prompt ON evaluations (prompt_id, event_seq);

CREATE TABLE favorite_moves (
    version_id TEXT NOT NULL REFERENCES versions (id),
    user       TEXT NOT NULL,
    favorite   INTEGER NOT NULL,
    event_seq  INTEGER NOT NULL REFERENCES audit_log (seq),
    PRIMARY KEY (version_id, user, event_seq)
) STRICT;

CREATE TABLE alerts (
    id           TEXT PRIMARY KEY,
    prompt_id    TEXT NOT NULL,
    series       TEXT NOT NULL,
    direction    TEXT NOT NULL,
    baseline     REAL NOT NULL,
    recent       REAL NOT NULL,
    observations INTEGER NOT NULL,
    raised_at    TEXT NOT NULL,
    -- The observation that fired it: the monitor restarts after it, and one shift raises one alert.
    through_seq  INTEGER NOT NULL,
    event_seq    INTEGER NOT NULL REFERENCES audit_log (seq),
    UNIQUE (prompt_id, series, through_seq)
) STRICT;

CREATE TRIGGER meta_no_update BEFORE UPDATE ON meta BEGIN SELECT RAISE(ABORT, 'meta is append-only'); END;
CREATE TRIGGER meta_no_delete BEFORE DELETE ON meta BEGIN SELECT RAISE(ABORT, 'meta is append-only'); END;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
CREATE TRIGGER audit_keys_no_update BEFORE UPDATE ON audit_keys BEGIN SELECT RAISE(ABORT, 'audit keys are append-only'); END;
CREATE TRIGGER audit_keys_no_delete BEFORE DELETE ON audit_keys BEGIN SELECT RAISE(ABORT, 'audit keys are append-only'); END;
CREATE TRIGGER versions_no_update BEFORE UPDATE ON versions BEGIN SELECT RAISE(ABORT, 'versions are immutable'); END;
CREATE TRIGGER versions_no_delete BEFORE DELETE ON versions BEGIN SELECT RAISE(ABORT, 'versions are immutable'); END;
CREATE TRIGGER review_moves_no_update BEFORE UPDATE ON review_moves BEGIN SELECT RAISE(ABORT, 'review moves are append-only'); END;
CREATE TRIGGER review_moves_no_delete BEFORE DELETE ON review_moves BEGIN SELECT RAISE(ABORT, 'review moves are append-only'); END;
CREATE TRIGGER label_moves_no_update BEFORE UPDATE ON label_moves BEGIN SELECT RAISE(ABORT, 'label moves are append-only'); END;
CREATE TRIGGER label_moves_no_delete BEFORE DELETE ON label_moves BEGIN SELECT RAISE(ABORT, 'label moves are append-only'); END;
CREATE TRIGGER feedback_no_update BEFORE UPDATE ON feedback BEGIN SELECT RAISE(ABORT, 'feedback is append-only'); END;
CREATE TRIGGER feedback_no_delete BEFORE DELETE ON feedback BEGIN SELECT RAISE(ABORT, 'feedback is append-only'); END;
CREATE TRIGGER evaluations_no_update BEFORE UPDATE ON evaluations BEGIN SELECT RAISE(ABORT, 'evaluations are append-only'); END;
CREATE TRIGGER evaluations_no_delete BEFORE DELETE ON evaluations BEGIN SELECT RAISE(ABORT, 'evaluations are append-only'); END;
CREATE TRIGGER favorite_moves_no_update BEFORE UPDATE ON favorite_moves BEGIN SELECT RAISE(ABORT, 'favorites are append-only'); END;
CREATE TRIGGER favorite_moves_no_delete BEFORE DELETE ON favorite_moves BEGIN SELECT RAISE(ABORT, 'favorites are append-only'); END;
CREATE TRIGGER alerts_no_update BEFORE UPDATE ON alerts BEGIN SELECT RAISE(ABORT, 'alerts are append-only'); END;
CREATE TRIGGER alerts_no_delete BEFORE DELETE ON alerts BEGIN SELECT RAISE(ABORT, 'alerts are append-only'); END;
