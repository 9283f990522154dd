-- An obligation of one person (R8: each KA manager's monthly visit quota).
ALTER TABLE obligations ADD COLUMN staff_id INTEGER REFERENCES staff (id);
