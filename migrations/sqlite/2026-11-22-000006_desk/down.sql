DROP TABLE desk_feedback;
DROP TABLE desk_cases;
DROP TABLE desk_shifts;
DROP TABLE desk_duty_officials;
DROP TABLE desk_duties;
DROP TABLE desk_procedures;
