-- Task categories are data an admin can extend; the first five ship here.
CREATE TABLE task_categories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name_vi TEXT NOT NULL,
    name_en TEXT NOT NULL,
    is_site_clearance BOOLEAN NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL DEFAULT 1,
    sort_order INTEGER NOT NULL DEFAULT 0
);
INSERT INTO task_categories (code, name_vi, name_en, is_site_clearance, sort_order) VALUES
    ('site_clearance', 'Giải phóng mặt bằng', 'Site clearance', 1, 1),
    ('urban_embellishment', 'Chỉnh trang đô thị', 'Urban embellishment', 0, 2),
    ('relocation', 'Di dời, tái định cư', 'Relocation', 0, 3),
    ('environment', 'Môi trường', 'Environment', 0, 4),
    ('other', 'Khác', 'Other', 0, 5);

-- Difficult tasks (việc khó). `version` guards edits against lost updates.
CREATE TABLE tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    category_id INTEGER NOT NULL REFERENCES task_categories(id),
    title TEXT NOT NULL,
    search_text TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    project_start_year INTEGER,
    campaign_year INTEGER NOT NULL,
    deadline DATE,
    status TEXT NOT NULL,
    cancel_reason TEXT,
    completed_on DATE,
    owner_id INTEGER NOT NULL REFERENCES users(id),
    consented_stages TEXT NOT NULL,
    area_total_m2 DOUBLE,
    area_cleared_m2 DOUBLE,
    plans_total INTEGER,
    plans_approved INTEGER,
    money_paid BIGINT,
    version INTEGER NOT NULL DEFAULT 1,
    created_by INTEGER REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX tasks_unit_idx ON tasks(unit_id);
CREATE INDEX tasks_owner_idx ON tasks(owner_id);
CREATE INDEX tasks_year_status_idx ON tasks(campaign_year, status);
CREATE INDEX tasks_deadline_idx ON tasks(deadline);

-- Co-owners (phối hợp) and team members (tổ công tác) of a task.
CREATE TABLE task_members (
    task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    PRIMARY KEY (task_id, user_id, role)
);
CREATE INDEX task_members_user_idx ON task_members(user_id);

CREATE TABLE milestones (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    due_on DATE NOT NULL,
    done_on DATE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX milestones_task_idx ON milestones(task_id);
