-- A person's leave, with the stand-in who receives their reminders meanwhile.
CREATE TABLE leaves (
    id            INTEGER PRIMARY KEY,
    staff_id      INTEGER NOT NULL REFERENCES staff (id),
    first_day     TEXT NOT NULL,
    last_day      TEXT NOT NULL,
    stand_in_id   INTEGER NOT NULL REFERENCES staff (id),
    created_at    TEXT NOT NULL
);

CREATE INDEX leaves_staff ON leaves (staff_id, first_day);
