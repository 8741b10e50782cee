DROP TABLE target_values;
DROP TABLE targets;
DROP TABLE recommendation_events;
DROP TABLE recommendations;
DROP TABLE attachments;
DROP TABLE inspections;
DROP TABLE response_days;
DROP TABLE calendar_days;
