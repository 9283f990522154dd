-- Promotions after their two approvals (seed 000 5.5.1.2, 5.5.1.3): the KA centre's KA manager
-- negotiates the terms with the customer (the agreement: conditions, the customer's
-- contribution); the marketing director approves the execution, or sends it back to be
-- negotiated again; the 活动确认书 signed with the customer (its photo, the day, who signed)
-- lets the promotion run. One row a promotion, from its agreement on.
CREATE TABLE promotion_chain (
    promotion_id    INTEGER PRIMARY KEY REFERENCES promotions (id),
    stage           TEXT NOT NULL
                    CHECK (stage IN ('agreed', 'returned', 'execution_approved', 'confirmed')),
    conditions      TEXT,
    contribution    TEXT,
    agreed_by       INTEGER REFERENCES staff (id),
    agreed_at       TEXT,
    execution_by    INTEGER REFERENCES staff (id),
    execution_at    TEXT,
    return_reason   TEXT,
    signed_on       TEXT,
    signed_by       TEXT,
    photos          TEXT,
    confirmed_by    INTEGER REFERENCES staff (id),
    confirmed_at    TEXT
);

-- Promotions approved (or closed) before kabot recorded these steps ran as approved: they go
-- on running, their confirmation taken as given.
INSERT INTO promotion_chain (promotion_id, stage)
SELECT id, 'confirmed' FROM promotions WHERE status IN ('approved', 'closed')
