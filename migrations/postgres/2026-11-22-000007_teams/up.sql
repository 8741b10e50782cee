-- Mobile support teams (tổ hỗ trợ lưu động): led by a unit, members drawn
-- from several units, serving a set of communes for a period.
CREATE TABLE support_teams (
    id BIGSERIAL PRIMARY KEY,
    lead_unit_id BIGINT NOT NULL REFERENCES units(id),
    name TEXT NOT NULL,
    period_from DATE NOT NULL,
    period_to DATE NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE support_team_members (
    team_id BIGINT NOT NULL REFERENCES support_teams(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (team_id, user_id)
);

CREATE TABLE support_team_communes (
    team_id BIGINT NOT NULL REFERENCES support_teams(id) ON DELETE CASCADE,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    PRIMARY KEY (team_id, unit_id)
);
CREATE INDEX support_team_communes_unit_idx ON support_team_communes(unit_id);

-- A round (đợt hỗ trợ): planned by date and place, then recorded as held.
CREATE TABLE support_rounds (
    id BIGSERIAL PRIMARY KEY,
    team_id BIGINT NOT NULL REFERENCES support_teams(id) ON DELETE CASCADE,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    on_date DATE NOT NULL,
    start_time TEXT NOT NULL,
    place TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    attendance INTEGER,
    helped_meritorious INTEGER,
    helped_poor INTEGER,
    helped_elderly INTEGER,
    helped_disability INTEGER,
    helped_other INTEGER,
    dossiers_prepared INTEGER,
    dossiers_online INTEGER,
    notes TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX support_rounds_team_date_idx ON support_rounds(team_id, on_date);
CREATE INDEX support_rounds_unit_idx ON support_rounds(unit_id, on_date);

-- Problems raised at a round; each may be taken up as a difficult task.
CREATE TABLE support_problems (
    id BIGSERIAL PRIMARY KEY,
    round_id BIGINT NOT NULL REFERENCES support_rounds(id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    task_id BIGINT REFERENCES tasks(id),
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX support_problems_round_idx ON support_problems(round_id);
