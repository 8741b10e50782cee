DROP INDEX households_search_trgm;
