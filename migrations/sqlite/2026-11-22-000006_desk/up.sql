-- Procedures citizens come to the duty desk about: data an admin extends.
CREATE TABLE desk_procedures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name_vi TEXT NOT NULL,
    name_en TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT 1,
    sort_order INTEGER NOT NULL DEFAULT 0
);
INSERT INTO desk_procedures (code, name_vi, name_en, sort_order) VALUES
    ('land_use_change', 'Chuyển mục đích sử dụng đất', 'Land-use change', 1),
    ('land_certificate', 'Cấp giấy chứng nhận quyền sử dụng đất', 'Land-use certificate', 2),
    ('land_transfer', 'Chuyển nhượng, tặng cho, thừa kế quyền sử dụng đất', 'Land transfer, gift, inheritance', 3),
    ('online_submission', 'Nộp hồ sơ trực tuyến', 'Online submission', 4),
    ('other', 'Thủ tục khác', 'Other', 5);

-- A recurring duty at a desk: every given weekday, at a place, by rotation.
CREATE TABLE desk_duties (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    name TEXT NOT NULL,
    place TEXT NOT NULL,
    weekday INTEGER NOT NULL,
    start_time TEXT NOT NULL,
    end_time TEXT NOT NULL,
    starts_on DATE NOT NULL,
    active BOOLEAN NOT NULL DEFAULT 1,
    version INTEGER NOT NULL DEFAULT 1,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX desk_duties_unit_idx ON desk_duties(unit_id);

-- The officials who take turns, in order.
CREATE TABLE desk_duty_officials (
    duty_id INTEGER NOT NULL REFERENCES desk_duties(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id),
    position INTEGER NOT NULL,
    PRIMARY KEY (duty_id, user_id)
);

-- One shift per duty and date: who is on duty, whether it was held.
CREATE TABLE desk_shifts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    duty_id INTEGER NOT NULL REFERENCES desk_duties(id) ON DELETE CASCADE,
    on_date DATE NOT NULL,
    official_id INTEGER NOT NULL REFERENCES users(id),
    status TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    swap_requested_by INTEGER REFERENCES users(id),
    swap_reason TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX desk_shifts_duty_date_idx ON desk_shifts(duty_id, on_date);
CREATE INDEX desk_shifts_official_idx ON desk_shifts(official_id, on_date);

-- A citizen helped on a shift.
CREATE TABLE desk_cases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    shift_id INTEGER NOT NULL REFERENCES desk_shifts(id) ON DELETE CASCADE,
    procedure_id INTEGER NOT NULL REFERENCES desk_procedures(id),
    citizen_name TEXT NOT NULL DEFAULT '',
    priority_groups TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL,
    outcome TEXT NOT NULL,
    escalated_to TEXT,
    due_on DATE,
    answered_on DATE,
    answer TEXT,
    feedback_expires_on DATE NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX desk_cases_shift_idx ON desk_cases(shift_id);
CREATE INDEX desk_cases_open_idx ON desk_cases(outcome, answered_on, due_on);

-- The citizen's one answer about a case.
CREATE TABLE desk_feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER NOT NULL REFERENCES desk_cases(id) ON DELETE CASCADE,
    rating TEXT NOT NULL,
    attitude INTEGER,
    clarity INTEGER,
    time_taken INTEGER,
    comment TEXT NOT NULL DEFAULT '',
    at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX desk_feedback_case_idx ON desk_feedback(case_id);
