-- Half-yearly customer grading (SPEC §4): kabot's proposal from the centre's sheet, line by
-- line, and whether the centre confirmed it. Grades change only on confirmation.

CREATE TABLE grading_proposals (
    id            INTEGER PRIMARY KEY,
    period        TEXT NOT NULL,            -- "2026-H2"
    created_by    INTEGER NOT NULL REFERENCES staff (id),
    created_at    TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'proposed'
                  CHECK (status IN ('proposed', 'confirmed', 'dropped')),
    decided_by    INTEGER REFERENCES staff (id),
    decided_at    TEXT
);

CREATE TABLE grading_lines (
    proposal_id   INTEGER NOT NULL REFERENCES grading_proposals (id),
    customer_id   INTEGER NOT NULL REFERENCES customers (id),
    old_grade     TEXT NOT NULL,
    new_grade     TEXT NOT NULL,
    score         INTEGER NOT NULL,
    sales_fen     INTEGER NOT NULL,
    profit_fen    INTEGER NOT NULL,
    visits        INTEGER NOT NULL,
    churn         INTEGER NOT NULL CHECK (churn IN (0, 1)),
    PRIMARY KEY (proposal_id, customer_id)
);

-- The half-yearly call for the sheet, posted once per half-year.
CREATE TABLE grading_calls (
    period    TEXT PRIMARY KEY,
    sent_at   TEXT NOT NULL
);
