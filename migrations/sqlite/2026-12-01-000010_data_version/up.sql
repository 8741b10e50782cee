-- One number that every audited change raises in its own transaction, so an
-- instance can tell whether figures it computed earlier are still current.
CREATE TABLE data_version (
    id INTEGER PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO data_version (id, version) VALUES (1, 0);
