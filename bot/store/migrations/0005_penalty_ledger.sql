-- The penalty ledger (SPEC §3): fines and positive incentives, one row each, written once.
-- Recorded by hand by the KA centre now (e.g. R2's "an issue existed and was not reported");
-- the rules engine writes its rows here too. Amounts in fen.

CREATE TABLE penalty_ledger (
    id             INTEGER PRIMARY KEY,
    staff_id       INTEGER NOT NULL REFERENCES staff (id),
    unit_id        INTEGER REFERENCES business_units (id),
    kind           TEXT NOT NULL CHECK (kind IN ('penalty', 'incentive')),
    rule           TEXT,                 -- R1 … R12, or NULL when recorded by hand
    period         TEXT NOT NULL,        -- YYYY-MM the breach or the merit belongs to
    amount_fen     INTEGER NOT NULL CHECK (amount_fen > 0),
    reason         TEXT NOT NULL,
    source         TEXT NOT NULL,        -- what it comes from: a report, a rule run, a person
    status         TEXT NOT NULL DEFAULT 'posted'
                   CHECK (status IN ('posted', 'appealed', 'waived', 'upheld')),
    recorded_by    INTEGER REFERENCES staff (id),
    created_at     TEXT NOT NULL,
    appeal         TEXT,                 -- the fined person's reason
    decided_by     INTEGER REFERENCES staff (id),
    decided_at     TEXT,
    decision_note  TEXT,                 -- the waiver's or the appeal decision's reason
    UNIQUE (kind, staff_id, rule, period, source)
);

CREATE INDEX penalty_ledger_period ON penalty_ledger (period, unit_id);

-- Where each ledger notice was posted, so it changes in place when waived or appealed.
CREATE TABLE ledger_posts (
    entry_id     INTEGER NOT NULL REFERENCES penalty_ledger (id),
    chat_id      INTEGER NOT NULL,
    message_id   INTEGER NOT NULL,
    PRIMARY KEY (entry_id, chat_id, message_id)
);
