DROP TABLE milestones;
DROP TABLE task_members;
DROP TABLE tasks;
DROP TABLE task_categories;
