-- When kabot first heard from a person. Telegram lets a bot message only people who have
-- written to it, so everyone not seen yet is someone reminders cannot reach.
ALTER TABLE staff ADD COLUMN first_seen_at TEXT;
