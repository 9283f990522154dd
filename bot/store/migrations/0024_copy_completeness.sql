-- R7 has two breaches: a copy collected late (收集不及时) and one collected incomplete
-- (收集不全面). Whether the copy was complete is recorded with it: NULL before this
-- version (taken as complete), 1 complete, 0 incomplete.
ALTER TABLE local_contracts ADD COLUMN copy_complete INTEGER CHECK (copy_complete IN (0, 1))
