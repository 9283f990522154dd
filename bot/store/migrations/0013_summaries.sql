-- Monthly summaries sent (SPEC §4): one per group and month, whatever restarts or re-runs.
CREATE TABLE summaries_sent (
    unit_id    INTEGER NOT NULL REFERENCES business_units (id),
    month      TEXT NOT NULL,           -- the month summed up: "2026-11"
    sent_at    TEXT NOT NULL,
    outcome    TEXT NOT NULL,           -- sent, late, unreachable (no group)
    PRIMARY KEY (unit_id, month)
);
