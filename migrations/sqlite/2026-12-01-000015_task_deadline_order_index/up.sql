-- The task list in deadline order (the default) reads its page straight off
-- this index, checking the other filters on the way, and stops after the
-- page; before, every match was sorted first.
CREATE INDEX tasks_deadline_order_idx
    ON tasks ((deadline IS NULL), deadline, id, status, unit_id, search_text);
