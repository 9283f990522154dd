-- "Remind me in an hour / tomorrow": a reminder asked for again at a later moment.
CREATE TABLE snoozes (
    id              INTEGER PRIMARY KEY,
    obligation_id   INTEGER NOT NULL REFERENCES obligations (id),
    staff_id        INTEGER NOT NULL REFERENCES staff (id),
    until           TEXT NOT NULL,
    done            INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1)),
    created_at      TEXT NOT NULL
);

CREATE INDEX snoozes_due ON snoozes (done, until);
