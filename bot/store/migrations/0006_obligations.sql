-- Obligations the rules engine follows (one per rule, subject and period) and every notice it
-- sent about them, so that running the same moment twice, or after a restart, sends nothing
-- twice.

CREATE TABLE obligations (
    id           INTEGER PRIMARY KEY,
    rule         TEXT NOT NULL,           -- R1 …
    subject      TEXT NOT NULL,           -- what it is about: "unit:3"
    period       TEXT NOT NULL,           -- what it is for: "2026-11"
    due_on       TEXT NOT NULL,           -- the deadline's date
    unit_id      INTEGER REFERENCES business_units (id),
    met_at       TEXT,                    -- when it was met (NULL: not yet)
    created_at   TEXT NOT NULL,
    UNIQUE (rule, subject, period)
);

CREATE INDEX obligations_open ON obligations (met_at, due_on);

CREATE TABLE notices_sent (
    obligation_id  INTEGER NOT NULL REFERENCES obligations (id),
    kind           TEXT NOT NULL,         -- remind:3, remind:1, remind:0, overdue
    sent_at        TEXT NOT NULL,
    outcome        TEXT NOT NULL,         -- sent, late, skipped (a later notice replaced it)
    PRIMARY KEY (obligation_id, kind)
);
