-- R15: a result entered again while undecided keeps when it was first entered (created_at)
-- and says when it was last corrected (updated_at); the audit log keeps every version.
ALTER TABLE ka_results ADD COLUMN updated_at TEXT
