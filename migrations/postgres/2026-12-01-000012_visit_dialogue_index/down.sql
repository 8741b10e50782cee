DROP INDEX visits_dialogue_idx;
