-- The holiday calendar: public holidays (and days off given in exchange)
-- and make-up working days. Other dates follow the week.
CREATE TABLE calendar_days (
    on_date DATE PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL
);
INSERT INTO calendar_days (on_date, kind, name) VALUES
    ('2025-01-01', 'holiday', 'Tết Dương lịch'),
    ('2025-01-25', 'make_up', 'Làm bù Tết Nguyên đán'),
    ('2025-01-27', 'holiday', 'Tết Nguyên đán'),
    ('2025-01-28', 'holiday', 'Tết Nguyên đán'),
    ('2025-01-29', 'holiday', 'Tết Nguyên đán'),
    ('2025-01-30', 'holiday', 'Tết Nguyên đán'),
    ('2025-01-31', 'holiday', 'Tết Nguyên đán'),
    ('2025-02-03', 'holiday', 'Nghỉ bù Tết Nguyên đán'),
    ('2025-04-07', 'holiday', 'Giỗ Tổ Hùng Vương'),
    ('2025-04-30', 'holiday', 'Ngày Chiến thắng'),
    ('2025-05-01', 'holiday', 'Quốc tế Lao động'),
    ('2025-05-02', 'holiday', 'Nghỉ bù'),
    ('2025-09-01', 'holiday', 'Nghỉ Quốc khánh'),
    ('2025-09-02', 'holiday', 'Quốc khánh'),
    ('2026-01-01', 'holiday', 'Tết Dương lịch'),
    ('2026-02-16', 'holiday', 'Tết Nguyên đán'),
    ('2026-02-17', 'holiday', 'Tết Nguyên đán'),
    ('2026-02-18', 'holiday', 'Tết Nguyên đán'),
    ('2026-02-19', 'holiday', 'Tết Nguyên đán'),
    ('2026-02-20', 'holiday', 'Tết Nguyên đán'),
    ('2026-04-27', 'holiday', 'Giỗ Tổ Hùng Vương'),
    ('2026-04-30', 'holiday', 'Ngày Chiến thắng'),
    ('2026-05-01', 'holiday', 'Quốc tế Lao động'),
    ('2026-09-01', 'holiday', 'Nghỉ Quốc khánh'),
    ('2026-09-02', 'holiday', 'Quốc khánh');

-- How many working days a responding body has to answer; 10 when unset.
CREATE TABLE response_days (
    unit_id INTEGER PRIMARY KEY REFERENCES units(id),
    days INTEGER NOT NULL
);

-- An inspection visit by a working group to a commune.
CREATE TABLE inspections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    by_unit_id INTEGER NOT NULL REFERENCES units(id),
    visited_on DATE NOT NULL,
    members TEXT NOT NULL,
    figures TEXT NOT NULL DEFAULT '',
    findings TEXT NOT NULL DEFAULT '',
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX inspections_unit_idx ON inspections(unit_id, visited_on);

-- Files attached to answers; the bytes live in DATA_DIR/attachments/<sha256>.
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sha256 TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    uploaded_by INTEGER NOT NULL REFERENCES users(id),
    uploaded_at TIMESTAMP NOT NULL
);

-- A recommendation (kiến nghị) a body must answer in writing by a deadline.
CREATE TABLE recommendations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    inspection_id INTEGER REFERENCES inspections(id),
    from_unit_id INTEGER NOT NULL REFERENCES units(id),
    to_unit_id INTEGER NOT NULL REFERENCES units(id),
    field TEXT NOT NULL,
    content TEXT NOT NULL,
    raised_on DATE NOT NULL,
    working_days INTEGER NOT NULL,
    due_on DATE NOT NULL,
    status TEXT NOT NULL,
    answer TEXT,
    answer_attachment_id INTEGER REFERENCES attachments(id),
    answered_on DATE,
    reopened BOOLEAN NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX recommendations_to_idx ON recommendations(to_unit_id, status, due_on);
CREATE INDEX recommendations_from_idx ON recommendations(from_unit_id);

-- Every move of a recommendation: who, when, what, why.
CREATE TABLE recommendation_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    recommendation_id INTEGER NOT NULL REFERENCES recommendations(id) ON DELETE CASCADE,
    action TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    to_unit_id INTEGER REFERENCES units(id),
    due_on DATE,
    by_id INTEGER NOT NULL REFERENCES users(id),
    at TIMESTAMP NOT NULL
);
CREATE INDEX recommendation_events_idx ON recommendation_events(recommendation_id, at);

-- Annual targets (chỉ tiêu) of a unit and their actual values over the year.
CREATE TABLE targets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    year INTEGER NOT NULL,
    name TEXT NOT NULL,
    planned DOUBLE NOT NULL,
    measure TEXT NOT NULL DEFAULT '',
    actual DOUBLE,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX targets_unit_year_idx ON targets(unit_id, year);

CREATE TABLE target_values (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    target_id INTEGER NOT NULL REFERENCES targets(id) ON DELETE CASCADE,
    actual DOUBLE NOT NULL,
    on_date DATE NOT NULL,
    by_id INTEGER NOT NULL REFERENCES users(id),
    at TIMESTAMP NOT NULL
);
CREATE INDEX target_values_idx ON target_values(target_id, at);
