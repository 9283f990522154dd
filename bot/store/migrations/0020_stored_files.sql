-- Every photo and document a person sends, kept by kabot itself: a Telegram file id dies with
-- the bot's token, and a database backup would hold none of the evidence. Downloaded into a
-- content-addressed folder (files/ab/abcdef…, the sha256 of the content) when it arrives.
CREATE TABLE stored_files (
    unique_id    TEXT PRIMARY KEY,          -- Telegram's file_unique_id: the same file, once
    file_id      TEXT NOT NULL,
    name         TEXT,
    mime_type    TEXT,
    size         INTEGER,
    sha256       TEXT,                      -- set once stored
    status       TEXT NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'stored', 'too_large', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    error        TEXT,
    received_at  TEXT NOT NULL,
    stored_at    TEXT
);
CREATE INDEX stored_files_pending ON stored_files (received_at) WHERE status = 'pending';
