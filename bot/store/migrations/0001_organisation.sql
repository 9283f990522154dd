-- The organisation: business units (and the KA centre), staff, customers, invites,
-- the audit log every state change writes to, and the updates already handled.
-- Times are ISO-8601 strings with offset, in kabot's time zone.

CREATE TABLE business_units (
    id                     INTEGER PRIMARY KEY,
    code                   TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name                   TEXT NOT NULL UNIQUE,
    is_centre              INTEGER NOT NULL DEFAULT 0 CHECK (is_centre IN (0, 1)),
    group_chat_id          INTEGER UNIQUE,
    responsible_staff_id   INTEGER REFERENCES staff (id) DEFERRABLE INITIALLY DEFERRED,
    active                 INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL
);

-- At most one KA centre.
CREATE UNIQUE INDEX one_centre ON business_units (is_centre) WHERE is_centre = 1;

CREATE TABLE staff (
    id            INTEGER PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('field', 'manager', 'director', 'admin')),
    unit_id       INTEGER REFERENCES business_units (id),
    telegram_id   INTEGER UNIQUE,
    username      TEXT UNIQUE COLLATE NOCASE,
    language      TEXT NOT NULL DEFAULT 'zh' CHECK (language IN ('zh', 'en')),
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE TABLE customers (
    id              INTEGER PRIMARY KEY,
    code            TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL
                    CHECK (kind IN ('ka_retailer', 'key_distributor', 'special_channel')),
    type            TEXT CHECK (type IN ('industry_leader', 'scale', 'strategic_partner')),
    grade           TEXT NOT NULL CHECK (grade IN ('A', 'B', 'C', 'D')),
    visit_class     TEXT NOT NULL CHECK (visit_class IN ('monthly', 'bimonthly', 'quarterly')),
    region          TEXT NOT NULL DEFAULT '',
    route           TEXT NOT NULL DEFAULT '',
    unit_id         INTEGER NOT NULL REFERENCES business_units (id),
    last_visit_on   TEXT,
    active          INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

CREATE INDEX customers_unit ON customers (unit_id);

CREATE TABLE customer_staff (
    customer_id   INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    staff_id      INTEGER NOT NULL REFERENCES staff (id),
    PRIMARY KEY (customer_id, staff_id)
);

CREATE INDEX customer_staff_staff ON customer_staff (staff_id);

CREATE TABLE invites (
    code          TEXT PRIMARY KEY,
    role          TEXT NOT NULL CHECK (role IN ('field', 'manager', 'director', 'admin')),
    unit_id       INTEGER REFERENCES business_units (id),
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    used_at       TEXT,
    used_by       INTEGER REFERENCES staff (id)
);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    before      TEXT,
    after       TEXT
);

CREATE INDEX audit_entity ON audit_log (entity, entity_id);

-- Telegram re-delivers the last fetched batch after a crash; remember what was handled.
CREATE TABLE handled_updates (
    update_id   INTEGER PRIMARY KEY,
    at          TEXT NOT NULL
);

-- Search queries behind paginated result buttons (callback data holds only the id).
CREATE TABLE customer_searches (
    id          INTEGER PRIMARY KEY,
    staff_id    INTEGER NOT NULL REFERENCES staff (id),
    query       TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

-- Small facts kabot learns about itself (its Telegram username, for invite links).
CREATE TABLE bot_facts (
    key     TEXT PRIMARY KEY,
    value   TEXT NOT NULL
);
