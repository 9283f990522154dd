-- The rules read a unit's issues of a few weeks (R4: those due a reply on one day), never
-- its whole history: a range over when they were reported.
CREATE INDEX issues_unit_reported ON issues (unit_id, created_at);
