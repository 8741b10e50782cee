DROP INDEX tasks_search_trgm;
