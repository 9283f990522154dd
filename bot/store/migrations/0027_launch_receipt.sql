-- R12: the business unit files its new product's information with the centre, and the
-- centre confirms it received it. What the centre filed itself was received as it was filed.
ALTER TABLE launches ADD COLUMN received_by INTEGER REFERENCES staff (id);
ALTER TABLE launches ADD COLUMN received_at TEXT
