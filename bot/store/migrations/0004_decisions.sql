-- Decisions taken with inline buttons (SPEC §2, §4): a visit report's review, the two steps of
-- a promotion plan's approval, a new KA customer's admission. One row per step; a step is
-- decided once (the UPDATE … WHERE status = 'pending' that wins is the decision).

-- Which directors decide which steps: the KA centre's director (中心主任) or the marketing
-- director (营销总监). NULL for everyone who is not a director.
ALTER TABLE staff ADD COLUMN director_of TEXT CHECK (director_of IN ('centre', 'marketing'));

UPDATE staff SET director_of = 'centre' WHERE role = 'director';

CREATE TABLE decisions (
    id               INTEGER PRIMARY KEY,
    subject_kind     TEXT NOT NULL,        -- visit, promotion, admission
    subject_id       INTEGER NOT NULL,
    subject_version  INTEGER NOT NULL,     -- the version of the report being decided on
    step             TEXT NOT NULL,        -- review, centre, marketing
    approver         TEXT NOT NULL CHECK (approver IN ('centre', 'marketing')),
    status           TEXT NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'approved', 'returned', 'withdrawn')),
    decided_by       INTEGER REFERENCES staff (id),
    decided_at       TEXT,
    comment          TEXT,                 -- JSON: what the decider wrote
    created_at       TEXT NOT NULL,
    reminded_at      TEXT
);

CREATE UNIQUE INDEX decisions_one_pending
    ON decisions (subject_kind, subject_id, step) WHERE status = 'pending';
CREATE INDEX decisions_waiting ON decisions (status, approver, created_at);

-- Every copy of a decision card, so all of them change when one is pressed.
CREATE TABLE decision_cards (
    decision_id   INTEGER NOT NULL REFERENCES decisions (id),
    chat_id       INTEGER NOT NULL,
    message_id    INTEGER NOT NULL,
    PRIMARY KEY (decision_id, chat_id, message_id)
);

-- The KA centre's written reply to an issue (书面回复), and who acknowledged it.
ALTER TABLE issues ADD COLUMN acknowledged_by INTEGER REFERENCES staff (id);
ALTER TABLE issues ADD COLUMN acknowledged_at TEXT;
ALTER TABLE issues ADD COLUMN reply TEXT;
ALTER TABLE issues ADD COLUMN replied_by INTEGER REFERENCES staff (id);
ALTER TABLE issues ADD COLUMN replied_at TEXT;

-- New KA customers proposed by a KA manager, decided by the two directors.
CREATE TABLE admissions (
    id            INTEGER PRIMARY KEY,
    staff_id      INTEGER NOT NULL REFERENCES staff (id),
    unit_id       INTEGER NOT NULL REFERENCES business_units (id),
    name          TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'submitted',
    customer_id   INTEGER REFERENCES customers (id),
    answers       TEXT NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
