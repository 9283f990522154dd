-- The month's visits, of one unit or of the whole group (summaries, workbooks): a range
-- over when they happened.
CREATE INDEX visits_unit_visited ON visits (unit_id, visited_at);
CREATE INDEX visits_visited ON visits (visited_at);
