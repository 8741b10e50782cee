-- Finding a person by name or username, whatever accents are typed: both
-- folded as names are ("nguyen van an an.nv"), filled by the app. The
-- people pickers of the forms search it, a page of matches at a time.
ALTER TABLE users ADD COLUMN find_name TEXT NOT NULL DEFAULT '';
-- The rows still to fill: empty once filled, so the check at every start
-- reads nothing rather than every account.
CREATE INDEX users_unfilled ON users (id) WHERE find_name = '';
