-- R3: the director judges whether the national report is up to standard (by the 15th,
-- 不得顺延); one that is not goes back to the centre with the reason, and the centre files
-- it again. A returned report no longer counts as filed.
ALTER TABLE national_reports ADD COLUMN returned_by INTEGER REFERENCES staff (id);
ALTER TABLE national_reports ADD COLUMN returned_at TEXT;
ALTER TABLE national_reports ADD COLUMN return_reason TEXT
