-- R18 (seed 001 五(四)4): after a complaint is resolved, the reporter asks the customer whether
-- they are satisfied and records the answer on a 5-point scale, once per complaint.
CREATE TABLE satisfactions (
    issue_id INTEGER PRIMARY KEY REFERENCES issues (id),
    score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    recorded_by INTEGER NOT NULL REFERENCES staff (id),
    recorded_at TEXT NOT NULL
)
;
-- An office upgrading is not asked about every complaint it ever resolved: R18 starts with
-- the complaints answered after the newest reply already stored (none on a new install).
INSERT INTO bot_facts (key, value)
SELECT 'rules.R18.after', MAX(replied_at) FROM issues WHERE replied_at IS NOT NULL
HAVING COUNT(*) > 0
