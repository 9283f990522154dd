-- R1: a unit's KA data counts once the unit's first responsible person confirms it (what
-- they file themselves is confirmed as they file it). What was filed before this version
-- counts as it did: confirmed when it was filed.
ALTER TABLE data_submissions ADD COLUMN confirmed_by INTEGER REFERENCES staff (id);
ALTER TABLE data_submissions ADD COLUMN confirmed_at TEXT;
UPDATE data_submissions SET confirmed_by = staff_id, confirmed_at = created_at, status = 'confirmed'
