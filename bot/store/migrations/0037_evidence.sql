-- The evidence pack of a fine (issue 18): who each reminder or notice was meant for, the
-- stand-in it went to instead, the chat and the outbox row that carried it (whether it was
-- delivered, and why not), and the files a fined person attaches to an appeal.
ALTER TABLE notices_sent ADD COLUMN receiver_id INTEGER REFERENCES staff (id);
ALTER TABLE notices_sent ADD COLUMN stand_in_for INTEGER REFERENCES staff (id);
ALTER TABLE notices_sent ADD COLUMN chat_id INTEGER;
ALTER TABLE notices_sent ADD COLUMN outbox_id INTEGER;

CREATE TABLE ledger_evidence (
    id              INTEGER PRIMARY KEY,
    entry_id        INTEGER NOT NULL REFERENCES penalty_ledger (id),
    kind            TEXT NOT NULL CHECK (kind IN ('photo', 'document')),
    file_id         TEXT NOT NULL,
    file_unique_id  TEXT NOT NULL,
    file_name       TEXT,
    caption         TEXT,
    added_by        INTEGER NOT NULL REFERENCES staff (id),
    created_at      TEXT NOT NULL
);

CREATE INDEX ledger_evidence_entry ON ledger_evidence (entry_id, id);
