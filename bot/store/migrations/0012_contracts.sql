-- The facts R5–R7 and R12 run on (SPEC §3): national contracts (联采合同), their distribution
-- to the business units, each unit's local contracts (地采合同) with their signing and copy
-- dates, and new product launches with the day their information reached the centre.

CREATE TABLE contracts (
    id              INTEGER PRIMARY KEY,
    customer_id     INTEGER NOT NULL REFERENCES customers (id),
    title           TEXT NOT NULL,
    completed_on    TEXT NOT NULL,        -- 合同手续办理完毕: R5's seven days start here
    distributed_on  TEXT,                 -- 下发 to the units: R6's two months start here
    recorded_by     INTEGER NOT NULL REFERENCES staff (id),
    created_at      TEXT NOT NULL
);

CREATE TABLE local_contracts (
    id           INTEGER PRIMARY KEY,
    contract_id  INTEGER NOT NULL REFERENCES contracts (id),
    unit_id      INTEGER NOT NULL REFERENCES business_units (id),
    title        TEXT NOT NULL,           -- which local contract: a region, a store group
    signed_on    TEXT,                    -- R7's month starts here
    copy_on      TEXT,                    -- the copy was collected
    recorded_by  INTEGER NOT NULL REFERENCES staff (id),
    created_at   TEXT NOT NULL,
    UNIQUE (contract_id, unit_id, title)
);

CREATE INDEX local_contracts_unit ON local_contracts (unit_id, signed_on);

CREATE TABLE launches (
    id           INTEGER PRIMARY KEY,
    unit_id      INTEGER NOT NULL REFERENCES business_units (id),
    product      TEXT NOT NULL,
    launch_on    TEXT NOT NULL,           -- R12: information due 45 days before
    filed_on     TEXT,                    -- the information reached the centre
    recorded_by  INTEGER NOT NULL REFERENCES staff (id),
    created_at   TEXT NOT NULL
);

CREATE INDEX penalty_ledger_source ON penalty_ledger (kind, source);
