-- The due run plans event rules from the issues reported or answered lately, not the whole
-- history: these keep that lookup a range over an index however many years are stored.
CREATE INDEX issues_reported ON issues (created_at);
CREATE INDEX issues_replied ON issues (replied_at)
