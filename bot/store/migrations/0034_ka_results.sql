-- R15 (seed 000 5.7.6): each business unit's annual KA result. The centre enters the year's
-- sales, last year's and the budget; the amounts proposed for the unit's KA first
-- responsible person wait for the director, who confirms them into the ledger or dismisses
-- them. One row a unit and year.
CREATE TABLE ka_results (
    id               INTEGER PRIMARY KEY,
    unit_id          INTEGER NOT NULL REFERENCES business_units (id),
    year             INTEGER NOT NULL,
    last_year_fen    INTEGER NOT NULL CHECK (last_year_fen >= 0),
    sales_fen        INTEGER NOT NULL CHECK (sales_fen >= 0),
    budget_fen       INTEGER NOT NULL CHECK (budget_fen >= 0),
    penalty_fen      INTEGER NOT NULL DEFAULT 0,
    incentive_fen    INTEGER NOT NULL DEFAULT 0,
    status           TEXT NOT NULL CHECK (status IN ('proposed', 'confirmed', 'dismissed')),
    recorded_by      INTEGER NOT NULL REFERENCES staff (id),
    created_at       TEXT NOT NULL,
    decided_by       INTEGER REFERENCES staff (id),
    decided_at       TEXT,
    card_chat_id     INTEGER,
    card_message_id  INTEGER,
    UNIQUE (unit_id, year)
)
