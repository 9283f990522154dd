-- R13 (seed 000 5.7.1): every store of a KA customer with a framework agreement carries at
-- least its business unit's A-class store assortment standard (A类店铺铺货标准). An
-- inspection (巡查) records the SKUs missing from one store, each proposing a fine of 50 to
-- 100 CNY (per SKU, per store) that the KA centre confirms, or not for force majeure.
CREATE TABLE stores (
    id            INTEGER PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name          TEXT NOT NULL,
    customer_id   INTEGER NOT NULL REFERENCES customers (id),
    region        TEXT NOT NULL DEFAULT '',
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX stores_customer ON stores (customer_id);

-- The A-class standard: the SKUs a unit requires on the shelf, key ones fined higher.
CREATE TABLE assortment_skus (
    id            INTEGER PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name          TEXT NOT NULL,
    unit_id       INTEGER NOT NULL REFERENCES business_units (id),
    key_item      INTEGER NOT NULL DEFAULT 0 CHECK (key_item IN (0, 1)),
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX assortment_skus_unit ON assortment_skus (unit_id, active);

CREATE TABLE store_inspections (
    id              INTEGER PRIMARY KEY,
    store_id        INTEGER NOT NULL REFERENCES stores (id),
    unit_id         INTEGER NOT NULL REFERENCES business_units (id),
    inspected_on    TEXT NOT NULL,
    recorded_by     INTEGER NOT NULL REFERENCES staff (id),
    responsible_id  INTEGER REFERENCES staff (id),
    photos          TEXT,
    note            TEXT,
    status          TEXT NOT NULL
                    CHECK (status IN ('clear', 'proposed', 'confirmed', 'force_majeure')),
    decided_by      INTEGER REFERENCES staff (id),
    decided_at      TEXT,
    decision_note   TEXT,
    card_chat_id    INTEGER,
    card_message_id INTEGER,
    created_at      TEXT NOT NULL
);
CREATE INDEX store_inspections_store ON store_inspections (store_id, inspected_on);
CREATE INDEX store_inspections_status ON store_inspections (status, created_at);

-- What one inspection found missing, with the amount each proposes (kept as proposed: a
-- later change to the rules file does not change an inspection already on the centre's desk).
CREATE TABLE inspection_findings (
    inspection_id   INTEGER NOT NULL REFERENCES store_inspections (id),
    sku_id          INTEGER NOT NULL REFERENCES assortment_skus (id),
    amount_fen      INTEGER NOT NULL CHECK (amount_fen > 0),
    PRIMARY KEY (inspection_id, sku_id)
)
