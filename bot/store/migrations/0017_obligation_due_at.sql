-- A deadline counted in hours (R10: a complaint acknowledged within 24 hours) is due at a
-- moment, not at the end of a day: the overdue notice goes when that moment has passed.
ALTER TABLE obligations ADD COLUMN due_at TEXT;
