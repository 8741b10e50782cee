DROP TABLE notification_prefs;
DROP TABLE notification_keys;
DROP TABLE digest_items;
DROP TABLE outbox;
