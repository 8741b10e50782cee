-- Finding a household by where it is and how to reach it: its residential
-- group, its address and the digits of its phone, folded as names are
-- ("to dan pho so 1 | so 2, ngo 10 | 0912345678"), filled by the app.
ALTER TABLE households ADD COLUMN find_text TEXT NOT NULL DEFAULT '';
CREATE INDEX households_find_trgm ON households USING gin (find_text gin_trgm_ops);
-- A parcel is looked up by its number ("thửa 141", "141/20").
CREATE INDEX households_parcel ON households (parcel_no, map_sheet);
