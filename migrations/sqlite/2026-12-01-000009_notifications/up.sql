-- Mail that a change causes is written here in the change's own transaction;
-- a background worker renders and sends it (the transactional outbox).
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    user_id INTEGER REFERENCES users(id),
    to_address TEXT NOT NULL,
    locale TEXT NOT NULL,
    -- The facts the message is rendered from (JSON), fixed when it was queued.
    payload TEXT NOT NULL,
    -- Filled in when the message is first rendered.
    subject TEXT,
    -- pending, sending (claimed by an instance until locked_until), sent, failed
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_by TEXT,
    locked_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_user ON outbox (user_id);

-- Notifications a user chose to receive in the daily digest, until it goes.
CREATE TABLE digest_items (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    outbox_id INTEGER REFERENCES outbox(id)
);
CREATE INDEX digest_items_waiting ON digest_items (user_id, outbox_id);

-- Each scheduled notification (a reminder, a day's digest) has a key; the key's
-- row is written in the same transaction as the mail, so it happens once even
-- when several instances run the schedule.
CREATE TABLE notification_keys (
    key TEXT PRIMARY KEY NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- How each user wants each kind of notification: immediate, digest or off.
CREATE TABLE notification_prefs (
    user_id INTEGER NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    delivery TEXT NOT NULL,
    PRIMARY KEY (user_id, kind)
);
