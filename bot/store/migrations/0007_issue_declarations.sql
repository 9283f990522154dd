-- R2: a business unit that had no execution issue in a month says so ("none"), which meets
-- the month's issue report as filing an issue does.
CREATE TABLE issue_declarations (
    unit_id      INTEGER NOT NULL REFERENCES business_units (id),
    month        TEXT NOT NULL,
    staff_id     INTEGER NOT NULL REFERENCES staff (id),
    created_at   TEXT NOT NULL,
    PRIMARY KEY (unit_id, month)
);
