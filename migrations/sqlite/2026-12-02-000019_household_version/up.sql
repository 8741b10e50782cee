-- Raised by every edit of a household's own fields (not by visits, which
-- move only its stage), so that an edit made from an older reading is
-- refused rather than silently overwriting someone else's.
ALTER TABLE households ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
