-- Fields (lĩnh vực) of "Dân vận khéo" models: data an admin extends.
CREATE TABLE model_fields (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name_vi TEXT NOT NULL,
    name_en TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT 1,
    sort_order INTEGER NOT NULL DEFAULT 0
);
INSERT INTO model_fields (code, name_vi, name_en, sort_order) VALUES
    ('economy', 'Kinh tế', 'Economy', 1),
    ('culture_society', 'Văn hóa - xã hội', 'Culture and society', 2),
    ('defence_security', 'Quốc phòng - an ninh', 'Defence and security', 3),
    ('political_system', 'Xây dựng hệ thống chính trị', 'Building the political system', 4),
    ('site_clearance', 'Giải phóng mặt bằng', 'Site clearance', 5),
    ('urban_embellishment', 'Chỉnh trang đô thị', 'Urban embellishment', 6),
    ('environment', 'Bảo vệ môi trường', 'Environment', 7),
    ('other', 'Khác', 'Other', 8);

-- An annual campaign theme (chủ đề năm) of a unit, set by a plan.
CREATE TABLE campaigns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    year INTEGER NOT NULL,
    theme TEXT NOT NULL,
    plan_number TEXT NOT NULL DEFAULT '',
    plan_date DATE,
    focus_fields TEXT NOT NULL DEFAULT '',
    period_from DATE NOT NULL,
    period_to DATE NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    related_plans TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX campaigns_unit_year_idx ON campaigns(unit_id, year);

-- Who appraises the models of a campaign.
CREATE TABLE campaign_appraisers (
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (campaign_id, user_id)
);

-- The appraisal criteria of a campaign, with their points.
CREATE TABLE campaign_criteria (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    name_vi TEXT NOT NULL,
    name_en TEXT NOT NULL,
    max_points DOUBLE NOT NULL,
    sort_order INTEGER NOT NULL
);
CREATE INDEX campaign_criteria_campaign_idx ON campaign_criteria(campaign_id, sort_order);

-- Difficult tasks attached to a campaign (a task to one campaign at most).
CREATE TABLE campaign_tasks (
    task_id INTEGER PRIMARY KEY REFERENCES tasks(id) ON DELETE CASCADE,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE
);
CREATE INDEX campaign_tasks_campaign_idx ON campaign_tasks(campaign_id);

-- A model registered by a collective or an individual.
CREATE TABLE models (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    holder_name TEXT NOT NULL,
    contact_id INTEGER NOT NULL REFERENCES users(id),
    field_id INTEGER NOT NULL REFERENCES model_fields(id),
    title TEXT NOT NULL,
    commitment TEXT NOT NULL DEFAULT '',
    expected_results TEXT NOT NULL DEFAULT '',
    period_from DATE NOT NULL,
    period_to DATE NOT NULL,
    status TEXT NOT NULL,
    status_reason TEXT,
    decision_number TEXT,
    decision_date DATE,
    commendation_level TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX models_campaign_idx ON models(campaign_id, status);
CREATE INDEX models_unit_idx ON models(unit_id);

-- Every status move of a model: who, when, from, to, why.
CREATE TABLE model_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    from_status TEXT,
    to_status TEXT NOT NULL,
    reason TEXT,
    by_id INTEGER NOT NULL REFERENCES users(id),
    at TIMESTAMP NOT NULL
);
CREATE INDEX model_events_model_idx ON model_events(model_id, at);
CREATE INDEX model_events_status_idx ON model_events(to_status);

-- An appraiser's score of a model on one criterion.
CREATE TABLE model_scores (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    criterion_id INTEGER NOT NULL REFERENCES campaign_criteria(id) ON DELETE CASCADE,
    appraiser_id INTEGER NOT NULL REFERENCES users(id),
    score DOUBLE NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX model_scores_one_idx ON model_scores(model_id, criterion_id, appraiser_id);

-- Mid-year and year-end check-ins by the model's contact, acknowledged by an appraiser.
CREATE TABLE model_checkins (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    report TEXT NOT NULL,
    by_id INTEGER NOT NULL REFERENCES users(id),
    at TIMESTAMP NOT NULL,
    acknowledged_by INTEGER REFERENCES users(id),
    acknowledged_at TIMESTAMP,
    acknowledgement TEXT
);
CREATE UNIQUE INDEX model_checkins_one_idx ON model_checkins(model_id, kind);
