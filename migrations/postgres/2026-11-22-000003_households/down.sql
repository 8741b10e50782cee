DROP TABLE visit_members;
DROP TABLE visits;
DROP TABLE households;
