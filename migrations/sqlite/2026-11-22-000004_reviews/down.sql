DROP TABLE review_disputes;
DROP TABLE review_scores;
DROP TABLE review_tasks;
DROP TABLE review_criteria;
DROP TABLE review_rounds;
DROP TABLE review_rubric;
