DROP TABLE login_attempts;
DROP TABLE audit_log;
DROP TABLE role_grants;
DROP TABLE users;
DROP TABLE units;
