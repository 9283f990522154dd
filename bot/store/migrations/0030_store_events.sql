-- R14 (seed 000 5.7.4): in-store events and advertising (road shows, ad positions, carts,
-- checkout displays) need a feasibility plan filed with the marketing centre two months
-- before the event, which the KA centre approves.
CREATE TABLE store_events (
    id            INTEGER PRIMARY KEY,
    unit_id       INTEGER NOT NULL REFERENCES business_units (id),
    customer_id   INTEGER NOT NULL REFERENCES customers (id),
    kind          TEXT NOT NULL
                  CHECK (kind IN ('road_show', 'ad_position', 'cart', 'checkout_display')),
    title         TEXT NOT NULL,
    event_on      TEXT NOT NULL,
    recorded_by   INTEGER NOT NULL REFERENCES staff (id),
    created_at    TEXT NOT NULL,
    feasibility   TEXT,
    budget_fen    INTEGER,
    plan_on       TEXT,
    plan_by       INTEGER REFERENCES staff (id),
    approved_by   INTEGER REFERENCES staff (id),
    approved_at   TEXT
);
CREATE INDEX store_events_unit ON store_events (unit_id, event_on)
