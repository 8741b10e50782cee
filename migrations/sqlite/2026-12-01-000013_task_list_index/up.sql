-- The task list filters by status and unit, sorts by deadline and searches the
-- folded title: one index answers the count and the page without the rows.
CREATE INDEX tasks_list_idx ON tasks (status, unit_id, deadline, search_text);
