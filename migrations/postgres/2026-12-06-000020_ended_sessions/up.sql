-- Sessions ended by logging out, by the random id their cookie carries: the
-- cookie is signed and may be replayed, so every instance refuses it here
-- until it would have expired anyway (SESSION_HOURS after login).
CREATE TABLE ended_sessions (
    sid TEXT PRIMARY KEY NOT NULL,
    ended_at TIMESTAMP NOT NULL
);
CREATE INDEX ended_sessions_ended_at ON ended_sessions (ended_at);
