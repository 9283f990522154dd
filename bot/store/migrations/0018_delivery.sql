-- The way in and the way out (bot/delivery): every update is stored before Telegram is told it
-- arrived, and everything kabot sends is a row written in the same transaction as the change
-- that causes it. A crash loses neither an answer nor a notice.

-- Updates as Telegram sent them, keyed by update_id. 'new' until the transaction that handles
-- one commits it as 'done' (or, when its handler failed, 'failed' with the error's name).
CREATE TABLE inbox (
    update_id    INTEGER PRIMARY KEY,
    payload      TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'done', 'failed')),
    received_at  TEXT NOT NULL,
    handled_at   TEXT,
    error        TEXT
);
CREATE INDEX inbox_new ON inbox (update_id) WHERE status = 'new';

-- What handled_updates remembered is remembered here now.
INSERT INTO inbox (update_id, payload, status, received_at, handled_at)
    SELECT update_id, '{}', 'done', at, at FROM handled_updates;
DROP TABLE handled_updates;

-- One row per Bot API request kabot means to make: a message, a photo, an album, a document,
-- an edit of a card, the answer to a button press. Delivered in id order per chat.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL,
    method      TEXT NOT NULL,
    params      TEXT NOT NULL,            -- JSON: the request's parameters
    upload      BLOB,                     -- a file made by kabot (chart, workbook)
    upload_name TEXT,
    target      INTEGER,                  -- edits: the message, or -id of an outbox row
    priority    INTEGER NOT NULL DEFAULT 1,   -- 0: someone waits for it, 1: a notice
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'sending', 'sent', 'waiting', 'failed', 'skipped')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    message_id  INTEGER,                  -- what Telegram gave the message
    error       TEXT,                     -- the last failure, as Telegram put it
    created_at  TEXT NOT NULL,
    sent_at     TEXT
);
CREATE INDEX outbox_open ON outbox (chat_id, id) WHERE status IN ('pending', 'sending', 'waiting');
CREATE INDEX outbox_undelivered ON outbox (status, chat_id) WHERE status IN ('waiting', 'failed');
CREATE INDEX outbox_pending ON outbox (priority, id) WHERE status = 'pending';
CREATE INDEX outbox_sending ON outbox (id) WHERE status = 'sending';
