-- R14: the KA centre may send a feasibility plan back with the reason; the plan is then due
-- again (its obligation reopens) and the reason is kept for the unit.
ALTER TABLE store_events ADD COLUMN returned_by INTEGER REFERENCES staff (id);
ALTER TABLE store_events ADD COLUMN returned_at TEXT;
ALTER TABLE store_events ADD COLUMN return_reason TEXT
