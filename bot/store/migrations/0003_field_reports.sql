-- What field staff report (SPEC §2): visit reports, issue reports, promotions with their
-- progress and close-out reports, and monthly data submissions; plus the drafts of reports
-- being written, so nothing typed is lost when the bot restarts.
--
-- Every report keeps everything the person answered as JSON in `answers` (what its card
-- shows) and copies the facts the rules and digests count on into typed columns.

CREATE TABLE drafts (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: old buttons stay old
    staff_id            INTEGER NOT NULL UNIQUE REFERENCES staff (id),
    form                TEXT NOT NULL,
    step                TEXT NOT NULL,          -- a field's key, or 'summary'
    seq                 INTEGER NOT NULL DEFAULT 0,  -- bumped at every question asked
    answers             TEXT NOT NULL DEFAULT '{}',
    back_to_summary     INTEGER NOT NULL DEFAULT 0,  -- answering a field picked there
    report_id           INTEGER,                -- set when correcting a saved report
    prompt_message_id   INTEGER,
    media_group         TEXT,                   -- the album whose photos are arriving
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);

CREATE TABLE visits (
    id            INTEGER PRIMARY KEY,
    staff_id      INTEGER NOT NULL REFERENCES staff (id),
    unit_id       INTEGER NOT NULL REFERENCES business_units (id),
    customer_id   INTEGER NOT NULL REFERENCES customers (id),
    visited_at    TEXT NOT NULL,
    visit_kind    TEXT NOT NULL CHECK (visit_kind IN ('routine', 'special', 'anomaly')),
    status        TEXT NOT NULL DEFAULT 'submitted',
    answers       TEXT NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE INDEX visits_staff ON visits (staff_id, visited_at);
CREATE INDEX visits_customer ON visits (customer_id, visited_at);

CREATE TABLE issues (
    id            INTEGER PRIMARY KEY,
    staff_id      INTEGER NOT NULL REFERENCES staff (id),
    unit_id       INTEGER NOT NULL REFERENCES business_units (id),
    customer_id   INTEGER NOT NULL REFERENCES customers (id),
    category      TEXT NOT NULL,
    severity      TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'open',
    answers       TEXT NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE INDEX issues_unit ON issues (unit_id, status);

CREATE TABLE promotions (
    id            INTEGER PRIMARY KEY,
    staff_id      INTEGER NOT NULL REFERENCES staff (id),
    unit_id       INTEGER NOT NULL REFERENCES business_units (id),
    title         TEXT NOT NULL,
    first_day     TEXT NOT NULL,
    last_day      TEXT NOT NULL,
    budget_fen    INTEGER NOT NULL,
    status        TEXT NOT NULL DEFAULT 'submitted',
    answers       TEXT NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE INDEX promotions_unit ON promotions (unit_id, status);

CREATE TABLE promotion_customers (
    promotion_id  INTEGER NOT NULL REFERENCES promotions (id) ON DELETE CASCADE,
    customer_id   INTEGER NOT NULL REFERENCES customers (id),
    PRIMARY KEY (promotion_id, customer_id)
);

CREATE INDEX promotion_customers_customer ON promotion_customers (customer_id);

-- Progress updates during a promotion and its close-out report (活动总结).
CREATE TABLE promotion_reports (
    id             INTEGER PRIMARY KEY,
    staff_id       INTEGER NOT NULL REFERENCES staff (id),
    unit_id        INTEGER NOT NULL REFERENCES business_units (id),
    promotion_id   INTEGER NOT NULL REFERENCES promotions (id),
    stage          TEXT NOT NULL CHECK (stage IN ('update', 'closeout')),
    spend_fen      INTEGER,
    status         TEXT NOT NULL DEFAULT 'submitted',
    answers        TEXT NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);

CREATE INDEX promotion_reports_promotion ON promotion_reports (promotion_id, created_at);

-- A business unit's KA data for one month (YYYY-MM).
CREATE TABLE data_submissions (
    id               INTEGER PRIMARY KEY,
    staff_id         INTEGER NOT NULL REFERENCES staff (id),
    unit_id          INTEGER NOT NULL REFERENCES business_units (id),
    month            TEXT NOT NULL,
    store_sales_fen  INTEGER,
    status           TEXT NOT NULL DEFAULT 'submitted',
    answers          TEXT NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);

CREATE INDEX data_submissions_unit ON data_submissions (unit_id, month);

-- Earlier versions of a report its author corrected (the card says "edited").
CREATE TABLE report_versions (
    kind          TEXT NOT NULL,
    report_id     INTEGER NOT NULL,
    version       INTEGER NOT NULL,
    answers       TEXT NOT NULL,
    replaced_at   TEXT NOT NULL,
    replaced_by   INTEGER NOT NULL REFERENCES staff (id),
    PRIMARY KEY (kind, report_id, version)
);

-- Where a report's card was posted (group chats), so it can be updated in place.
CREATE TABLE report_posts (
    kind          TEXT NOT NULL,
    report_id     INTEGER NOT NULL,
    chat_id       INTEGER NOT NULL,
    message_id    INTEGER NOT NULL,
    PRIMARY KEY (kind, report_id, chat_id, message_id)
);
