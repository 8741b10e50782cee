DROP INDEX tasks_deadline_order_idx;
