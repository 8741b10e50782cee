-- How a unit's documents start (Decree 30 layout): the body above it, its
-- name as issuing body, the place name of the date line, its usual signer.
CREATE TABLE unit_documents (
    unit_id BIGINT PRIMARY KEY NOT NULL REFERENCES units(id),
    body_above TEXT NOT NULL DEFAULT '',
    issuer TEXT NOT NULL DEFAULT '',
    place TEXT NOT NULL DEFAULT '',
    authority TEXT NOT NULL DEFAULT '',
    position TEXT NOT NULL DEFAULT '',
    signer TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMP NOT NULL
);

-- Signed paper come back: the scan of a visit's or a dialogue's minutes, or
-- of a review round's report, kept as an attachment.
CREATE TABLE signed_scans (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    record_kind TEXT NOT NULL,
    record_id BIGINT NOT NULL,
    attachment_id BIGINT NOT NULL REFERENCES attachments(id),
    uploaded_by BIGINT NOT NULL REFERENCES users(id),
    uploaded_at TIMESTAMP NOT NULL
);
CREATE INDEX signed_scans_record_idx ON signed_scans (record_kind, record_id);
