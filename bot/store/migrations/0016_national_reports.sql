-- R3: the KA centre's national KA monthly report (全国KA月报), due on the 14th, and the
-- director's sign-off (审定) due on the 15th.
CREATE TABLE national_reports (
    id           INTEGER PRIMARY KEY,
    month        TEXT NOT NULL,             -- the month reported on
    summary      TEXT NOT NULL,
    file         TEXT,                      -- JSON of the attached spreadsheet, if any
    filed_by     INTEGER NOT NULL REFERENCES staff (id),
    filed_at     TEXT NOT NULL,
    signed_by    INTEGER REFERENCES staff (id),
    signed_at    TEXT
);

CREATE INDEX national_reports_month ON national_reports (month);
