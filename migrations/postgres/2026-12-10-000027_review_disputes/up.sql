-- What the lead's answer decided, named for what it is: TRUE when the
-- dispute is accepted (the result is to be corrected), FALSE when the
-- result stands. The old name, "upheld", read both ways.
ALTER TABLE review_disputes RENAME COLUMN upheld TO dispute_accepted;
-- A reviewer's (or the lead's consensus) proposal on one criterion of a
-- task, beside the comment (the finding): both go into the round's report.
ALTER TABLE review_scores ADD COLUMN proposal TEXT NOT NULL DEFAULT '';
