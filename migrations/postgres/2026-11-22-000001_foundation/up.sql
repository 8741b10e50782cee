-- Units: the administrative and organizational tree. `path` is the materialized
-- path of ids ("/1/4/9/") so that "this unit and everything below it" is one prefix match.
CREATE TABLE units (
    id BIGSERIAL PRIMARY KEY,
    parent_id BIGINT REFERENCES units(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    code TEXT,
    path TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX units_parent_idx ON units(parent_id);
CREATE INDEX units_path_idx ON units(path text_pattern_ops);

CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    full_name TEXT NOT NULL,
    email TEXT,
    password_hash TEXT NOT NULL,
    locale TEXT NOT NULL DEFAULT 'vi',
    unit_id BIGINT NOT NULL REFERENCES units(id),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    session_epoch INTEGER NOT NULL DEFAULT 0,
    last_login_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX users_unit_idx ON users(unit_id);

CREATE TABLE role_grants (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    role TEXT NOT NULL,
    granted_by BIGINT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (user_id, unit_id, role)
);
CREATE INDEX role_grants_unit_idx ON role_grants(unit_id);

CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    user_id BIGINT REFERENCES users(id),
    ip TEXT,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id BIGINT,
    -- The unit whose subtree the change belongs to, so a reviewer reads the
    -- changes made in their scope, whoever made them.
    unit_id BIGINT REFERENCES units(id),
    changes TEXT NOT NULL
);
CREATE INDEX audit_log_at_idx ON audit_log(at);
CREATE INDEX audit_log_entity_idx ON audit_log(entity, entity_id);
CREATE INDEX audit_log_user_idx ON audit_log(user_id);
CREATE INDEX audit_log_unit_idx ON audit_log(unit_id);

CREATE TABLE login_attempts (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL,
    ip TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    success BOOLEAN NOT NULL
);
CREATE INDEX login_attempts_username_idx ON login_attempts(username, at);
CREATE INDEX login_attempts_ip_idx ON login_attempts(ip, at);
