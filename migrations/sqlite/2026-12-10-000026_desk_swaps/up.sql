-- A swap is agreed between two officials: the one on the shift asks a named
-- colleague (swap_with), who accepts or declines; swap_requested_by and
-- swap_reason say who asked and why while the request is open.
-- (No REFERENCES here: SQLite cannot drop a column a foreign key uses.)
ALTER TABLE desk_shifts ADD COLUMN swap_with BIGINT;
CREATE INDEX desk_shifts_swap_with_idx ON desk_shifts (swap_with) WHERE swap_with IS NOT NULL;
