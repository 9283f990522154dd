-- A roster row imported by @username only is an invitation, not an identity: anyone can take a
-- free username. The first account that writes under it asks; the information officer
-- confirms (the account is bound to the row) or rejects it, with one tap.
CREATE TABLE username_claims (
    id           INTEGER PRIMARY KEY,
    staff_id     INTEGER NOT NULL REFERENCES staff (id),
    telegram_id  INTEGER NOT NULL,
    username     TEXT NOT NULL,
    name         TEXT NOT NULL,              -- the Telegram name the account shows
    status       TEXT NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'confirmed', 'rejected')),
    created_at   TEXT NOT NULL,
    decided_by   INTEGER REFERENCES staff (id),
    decided_at   TEXT,
    UNIQUE (staff_id, telegram_id)
);

-- A personal invitation: redeeming it binds that very roster row to the account that opens it.
ALTER TABLE invites ADD COLUMN staff_id INTEGER REFERENCES staff (id);
