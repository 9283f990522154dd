-- Visit plans (拜访计划): the customers a person means to visit in a month, proposed by kabot
-- from their customers due a visit (and the R8 quota), adjusted and confirmed by the person.

CREATE TABLE visit_plans (
    staff_id     INTEGER NOT NULL REFERENCES staff (id),
    month        TEXT NOT NULL,
    customer_id  INTEGER NOT NULL REFERENCES customers (id),
    added_at     TEXT NOT NULL,
    PRIMARY KEY (staff_id, month, customer_id)
);

CREATE TABLE visit_plan_status (
    staff_id      INTEGER NOT NULL REFERENCES staff (id),
    month         TEXT NOT NULL,
    proposed_at   TEXT NOT NULL,
    confirmed_at  TEXT,
    PRIMARY KEY (staff_id, month)
);
