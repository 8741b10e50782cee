-- Households (hộ dân) within a task. `stage`, `last_visit_on` and
-- `next_visit_on` are derived from the visit log and rewritten in the same
-- transaction as every visit, so lists and dashboards need no history scan.
CREATE TABLE households (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    head_name TEXT NOT NULL,
    search_text TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    residential_group TEXT NOT NULL DEFAULT '',
    map_sheet TEXT NOT NULL DEFAULT '',
    parcel_no TEXT NOT NULL DEFAULT '',
    area_m2 DOUBLE NOT NULL DEFAULT 0,
    land_type TEXT NOT NULL DEFAULT '',
    priority_groups TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    stage TEXT NOT NULL,
    last_visit_on DATE,
    next_visit_on DATE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX households_task_stage_idx ON households(task_id, stage);
CREATE INDEX households_task_next_idx ON households(task_id, next_visit_on);
CREATE INDEX households_parcel_idx ON households(task_id, map_sheet, parcel_no);

-- Formal dialogues (đối thoại) with many households at once; each household
-- present gets a visit that points here.
CREATE TABLE dialogues (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    held_on DATE NOT NULL,
    place TEXT NOT NULL,
    chaired_by TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '',
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX dialogues_task_idx ON dialogues(task_id, held_on);

-- The visit log (lượt vận động): appended, never edited. A correction is a new
-- entry pointing at the one it corrects.
CREATE TABLE visits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    household_id INTEGER NOT NULL REFERENCES households(id) ON DELETE CASCADE,
    task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    visited_on DATE NOT NULL,
    kind TEXT NOT NULL,
    others TEXT NOT NULL DEFAULT '',
    household_said TEXT NOT NULL DEFAULT '',
    concerns TEXT NOT NULL DEFAULT '',
    stage_before TEXT NOT NULL,
    stage_after TEXT NOT NULL,
    reason TEXT,
    next_step TEXT NOT NULL DEFAULT '',
    next_visit_on DATE,
    corrects_id INTEGER REFERENCES visits(id),
    dialogue_id INTEGER REFERENCES dialogues(id),
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX visits_household_idx ON visits(household_id, visited_on);
CREATE INDEX visits_task_idx ON visits(task_id, visited_on);
CREATE INDEX visits_created_by_idx ON visits(created_by);

-- Who went on a visit, among the task's people.
CREATE TABLE visit_members (
    visit_id INTEGER NOT NULL REFERENCES visits(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (visit_id, user_id)
);
CREATE INDEX visit_members_user_idx ON visit_members(user_id);

-- An uploaded household list waiting for its uploader to confirm it after the
-- preview; confirmed or not, it is deleted once used or after a day.
CREATE TABLE household_imports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id),
    file_name TEXT NOT NULL,
    rows TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
