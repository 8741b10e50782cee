-- Finding a household by where it is: its residential group and its
-- address, folded as names are ("to dan pho so 1 | so 2, ngo 10"); and by
-- its phone, as digits ("0912345678"), kept apart so that only readers who
-- see phones in full search them. Both filled by the app.
ALTER TABLE households ADD COLUMN find_text TEXT NOT NULL DEFAULT '';
ALTER TABLE households ADD COLUMN phone_digits TEXT NOT NULL DEFAULT '';
CREATE INDEX households_phone ON households (phone_digits);
-- The rows still to fill: empty once filled, so the check at every start
-- reads nothing rather than every household.
CREATE INDEX households_unfilled ON households (id) WHERE find_text = '';
CREATE INDEX households_find_trgm ON households USING gin (find_text gin_trgm_ops);
-- A parcel is looked up by its number ("thửa 141", "141/20").
CREATE INDEX households_parcel ON households (parcel_no, map_sheet);
-- Relocation (di dời, tái định cư) goes through the legal land-recovery
-- steps, as site clearance does; the other seeded categories have their own.
UPDATE task_categories SET is_site_clearance = TRUE WHERE code = 'relocation';
