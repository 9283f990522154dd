-- A reopened issue says who reopened it, when and why (the reply did not settle it): the
-- card shows it and the centre's group gets a new post.
ALTER TABLE issues ADD COLUMN reopened_by INTEGER REFERENCES staff (id);
ALTER TABLE issues ADD COLUMN reopened_at TEXT;
ALTER TABLE issues ADD COLUMN reopen_reason TEXT;
