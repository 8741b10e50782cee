-- Visits logged at the door, on a phone that may have no signal: the id the
-- device made (a visit sent twice is stored once), when it was made there
-- (created_at says when it arrived), and where, when the member chose to
-- record the place (degrees WGS84, accuracy in metres).
ALTER TABLE visits ADD COLUMN device_id TEXT;
ALTER TABLE visits ADD COLUMN made_at TIMESTAMP;
ALTER TABLE visits ADD COLUMN latitude REAL;
ALTER TABLE visits ADD COLUMN longitude REAL;
ALTER TABLE visits ADD COLUMN accuracy_m REAL;
CREATE UNIQUE INDEX visits_device_idx ON visits (device_id) WHERE device_id IS NOT NULL;

-- Photos of a visit (the signed paper, the site, the house): stored as
-- attachments, up to five a visit, in the order taken.
CREATE TABLE visit_photos (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    visit_id BIGINT NOT NULL REFERENCES visits(id) ON DELETE CASCADE,
    attachment_id BIGINT NOT NULL REFERENCES attachments(id),
    position INTEGER NOT NULL
);
CREATE INDEX visit_photos_visit_idx ON visit_photos (visit_id, position);
