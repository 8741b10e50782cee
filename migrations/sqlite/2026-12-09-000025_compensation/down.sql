DROP TABLE public_questions;
DROP TABLE public_pages;
DROP TABLE task_money;
DROP TABLE land_handovers;
DROP TABLE compensation_payments;
DROP TABLE compensation_plans;
