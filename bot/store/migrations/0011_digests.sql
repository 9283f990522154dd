-- Each manager's daily digest, sent once a day (late, and marked so, after downtime).
CREATE TABLE digests_sent (
    staff_id   INTEGER NOT NULL REFERENCES staff (id),
    day        TEXT NOT NULL,
    sent_at    TEXT NOT NULL,
    outcome    TEXT NOT NULL,            -- sent, late, empty (nothing to say: skipped)
    PRIMARY KEY (staff_id, day)
);
