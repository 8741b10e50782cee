ALTER TABLE review_scores DROP COLUMN proposal;
ALTER TABLE review_disputes RENAME COLUMN dispute_accepted TO upheld;
