DROP INDEX desk_shifts_swap_with_idx;
ALTER TABLE desk_shifts DROP COLUMN swap_with;
