-- R14: each feasibility plan filed for an event is a new revision; the centre's card carries
-- the revision it shows, so a card of a plan sent back never approves (or returns) the plan
-- filed after it.
ALTER TABLE store_events ADD COLUMN plan_rev INTEGER NOT NULL DEFAULT 0;
UPDATE store_events SET plan_rev = 1 WHERE plan_on IS NOT NULL OR return_reason IS NOT NULL
