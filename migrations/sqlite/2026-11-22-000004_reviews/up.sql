-- The default rubric of the Front's year-end review: 100 points, data an
-- admin changes. A round copies it when it is created; later changes to the
-- rubric never touch a round.
CREATE TABLE review_rubric (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name_vi TEXT NOT NULL,
    name_en TEXT NOT NULL,
    max_points DOUBLE NOT NULL,
    sort_order INTEGER NOT NULL DEFAULT 0
);
INSERT INTO review_rubric (name_vi, name_en, max_points, sort_order) VALUES
    ('Kết quả thực hiện so với nội dung đăng ký', 'Results against the commitment', 40, 1),
    ('Sự đồng thuận của nhân dân, không phát sinh khiếu kiện', 'People''s consensus, no complaints', 20, 2),
    ('Tiến độ, thời gian hoàn thành', 'Timeliness', 15, 3),
    ('Phương pháp, cách làm dân vận', 'The mobilization method', 15, 4),
    ('Tuân thủ quy định pháp luật', 'Legal compliance', 10, 5);

-- A review round (đợt giám sát, đánh giá) per unit and year.
CREATE TABLE review_rounds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    year INTEGER NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    lead_id INTEGER NOT NULL REFERENCES users(id),
    combine_rule TEXT NOT NULL,
    self_due DATE NOT NULL,
    review_due DATE NOT NULL,
    report_number TEXT NOT NULL DEFAULT '',
    report_place TEXT NOT NULL DEFAULT '',
    signer_title TEXT NOT NULL DEFAULT '',
    signer_name TEXT NOT NULL DEFAULT '',
    opened_at TIMESTAMP,
    scoring_at TIMESTAMP,
    snapshot_on DATE,
    published_at TIMESTAMP,
    reopen_reason TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX review_rounds_unit_year_idx ON review_rounds(unit_id, year);

-- The criteria and weights (points) of one round.
CREATE TABLE review_criteria (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    round_id INTEGER NOT NULL REFERENCES review_rounds(id) ON DELETE CASCADE,
    name_vi TEXT NOT NULL,
    name_en TEXT NOT NULL,
    max_points DOUBLE NOT NULL,
    sort_order INTEGER NOT NULL
);
CREATE INDEX review_criteria_round_idx ON review_criteria(round_id, sort_order);

-- The tasks in a round, with the figures recorded when scoring opened and,
-- once published, the frozen total and rating.
CREATE TABLE review_tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    round_id INTEGER NOT NULL REFERENCES review_rounds(id) ON DELETE CASCADE,
    task_id INTEGER NOT NULL REFERENCES tasks(id),
    unit_id INTEGER REFERENCES units(id),
    owner_id INTEGER REFERENCES users(id),
    snap_status TEXT,
    snap_deadline DATE,
    snap_completed_on DATE,
    snap_outcome TEXT,
    snap_days_late INTEGER,
    snap_households INTEGER,
    snap_households_consented INTEGER,
    snap_area_m2 DOUBLE,
    snap_area_handed_over_m2 DOUBLE,
    snap_visits INTEGER,
    snap_milestones INTEGER,
    snap_milestones_done INTEGER,
    snap_milestones_on_time INTEGER,
    snap_exceeded BOOLEAN,
    total DOUBLE,
    rating TEXT
);
CREATE UNIQUE INDEX review_tasks_round_task_idx ON review_tasks(round_id, task_id);
CREATE INDEX review_tasks_task_idx ON review_tasks(task_id);

-- Scores per task and criterion: the owner's self-assessment (kind 'self'),
-- each reviewer's ('review') and the lead's consensus ('consensus').
CREATE TABLE review_scores (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    round_id INTEGER NOT NULL REFERENCES review_rounds(id) ON DELETE CASCADE,
    task_id INTEGER NOT NULL REFERENCES tasks(id),
    criterion_id INTEGER NOT NULL REFERENCES review_criteria(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    author_id INTEGER NOT NULL REFERENCES users(id),
    score DOUBLE NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    private_note TEXT NOT NULL DEFAULT '',
    evidence TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX review_scores_one_idx ON review_scores(round_id, task_id, criterion_id, kind, author_id);

-- An owner's one dispute of a task's result, and the lead's answer.
CREATE TABLE review_disputes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    round_id INTEGER NOT NULL REFERENCES review_rounds(id) ON DELETE CASCADE,
    task_id INTEGER NOT NULL REFERENCES tasks(id),
    criterion_id INTEGER REFERENCES review_criteria(id),
    raised_by INTEGER NOT NULL REFERENCES users(id),
    reason TEXT NOT NULL,
    raised_at TIMESTAMP NOT NULL,
    answer TEXT,
    upheld BOOLEAN,
    answered_by INTEGER REFERENCES users(id),
    answered_at TIMESTAMP
);
CREATE UNIQUE INDEX review_disputes_one_idx ON review_disputes(round_id, task_id);
