-- R16 (seed 001 五(二)2): the quarterly business meeting with each KA customer, and its
-- minutes: last quarter's cooperation, the market, the problems, next quarter's plan.
CREATE TABLE customer_meetings (
    id            INTEGER PRIMARY KEY,
    customer_id   INTEGER NOT NULL REFERENCES customers (id),
    unit_id       INTEGER NOT NULL REFERENCES business_units (id),
    staff_id      INTEGER NOT NULL REFERENCES staff (id),
    held_on       TEXT NOT NULL,
    last_quarter  TEXT NOT NULL,
    market        TEXT NOT NULL,
    problems      TEXT NOT NULL,
    next_quarter  TEXT NOT NULL,
    photos        TEXT,
    created_at    TEXT NOT NULL
);
CREATE INDEX customer_meetings_held ON customer_meetings (customer_id, held_on)
