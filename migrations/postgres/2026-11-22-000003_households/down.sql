DROP TABLE household_imports;
DROP TABLE visit_members;
DROP TABLE visits;
DROP TABLE dialogues;
DROP TABLE households;
