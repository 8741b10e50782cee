DROP INDEX tasks_list_idx;
