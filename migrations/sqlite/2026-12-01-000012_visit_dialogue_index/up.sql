-- Counting the households present at a task's dialogues reads only their visits.
CREATE INDEX visits_dialogue_idx ON visits(dialogue_id) WHERE dialogue_id IS NOT NULL;
