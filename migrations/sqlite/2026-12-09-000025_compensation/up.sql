-- A household's compensation, support and resettlement plan (phương án bồi
-- thường, hỗ trợ, tái định cư): amounts in whole đồng by component, the
-- resettlement offered, its public posting (niêm yết) and the decision that
-- approved it. An adjustment is a new version; the old ones are kept and
-- only the current one counts.
CREATE TABLE compensation_plans (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    household_id BIGINT NOT NULL REFERENCES households(id),
    task_id BIGINT NOT NULL REFERENCES tasks(id),
    version INTEGER NOT NULL,
    current BOOLEAN NOT NULL,
    land BIGINT NOT NULL,
    structures BIGINT NOT NULL,
    crops BIGINT NOT NULL,
    support BIGINT NOT NULL,
    total BIGINT NOT NULL,
    resettlement TEXT NOT NULL,
    resettlement_place TEXT NOT NULL,
    posted_on DATE,
    posted_at TEXT NOT NULL,
    comments_until DATE,
    decision_no TEXT NOT NULL,
    decision_on DATE,
    decision_by TEXT NOT NULL,
    note TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (household_id, version)
);
CREATE INDEX compensation_plans_task_idx ON compensation_plans (task_id, current);

-- Money paid to a household: in cash, by transfer, or deposited to the State
-- Treasury account when the household refuses to take it.
CREATE TABLE compensation_payments (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    household_id BIGINT NOT NULL REFERENCES households(id),
    task_id BIGINT NOT NULL REFERENCES tasks(id),
    paid_on DATE NOT NULL,
    amount BIGINT NOT NULL,
    method TEXT NOT NULL,
    reference TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX compensation_payments_household_idx ON compensation_payments (household_id);
CREATE INDEX compensation_payments_task_idx ON compensation_payments (task_id);

-- The land handed over: its date and the minutes (biên bản bàn giao).
CREATE TABLE land_handovers (
    household_id BIGINT PRIMARY KEY NOT NULL REFERENCES households(id),
    task_id BIGINT NOT NULL REFERENCES tasks(id),
    handed_over_on DATE NOT NULL,
    minutes TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX land_handovers_task_idx ON land_handovers (task_id);

-- A task's money figures added up from its households' records, recounted in
-- the transaction of every change to them (and by a bulk load's rebuild).
CREATE TABLE task_money (
    task_id BIGINT PRIMARY KEY NOT NULL REFERENCES tasks(id),
    plans INTEGER NOT NULL,
    plans_approved INTEGER NOT NULL,
    money_planned BIGINT NOT NULL,
    money_approved BIGINT NOT NULL,
    money_paid BIGINT NOT NULL,
    money_deposited BIGINT NOT NULL,
    households_paid INTEGER NOT NULL,
    plots INTEGER NOT NULL,
    apartments INTEGER NOT NULL,
    handed_over INTEGER NOT NULL
);

-- A task's page for the public, off until its committee switches it on; the
-- short code is its printed link.
CREATE TABLE public_pages (
    task_id BIGINT PRIMARY KEY NOT NULL REFERENCES tasks(id),
    code TEXT NOT NULL UNIQUE,
    enabled BOOLEAN NOT NULL,
    changed_by BIGINT NOT NULL REFERENCES users(id),
    changed_at TIMESTAMP NOT NULL
);

-- A citizen's question about a public project, shown once answered.
CREATE TABLE public_questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    task_id BIGINT NOT NULL REFERENCES tasks(id),
    asked_at TIMESTAMP NOT NULL,
    name TEXT NOT NULL,
    phone TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT,
    answered_at TIMESTAMP,
    answered_by BIGINT REFERENCES users(id)
);
CREATE INDEX public_questions_task_idx ON public_questions (task_id, answered_at);

-- An office record (a plan approved, a payment, a handover) moves a
-- household's stage through its visit log, as kind 'record'; it is not a
-- visit, so the visit totals leave it out.
DROP TRIGGER visit_totals_insert;
DROP TRIGGER visit_totals_delete;
DROP TRIGGER visit_totals_update;
CREATE TRIGGER visit_totals_insert AFTER INSERT ON visits WHEN new.kind <> 'record' BEGIN
    INSERT INTO visit_month_totals (task_id, month, visits)
        VALUES (new.task_id, date(new.visited_on, 'start of month'), 1)
        ON CONFLICT (task_id, month) DO UPDATE SET visits = visits + 1;
END;
CREATE TRIGGER visit_totals_delete AFTER DELETE ON visits WHEN old.kind <> 'record' BEGIN
    UPDATE visit_month_totals SET visits = visits - 1
        WHERE task_id = old.task_id AND month = date(old.visited_on, 'start of month');
END;
CREATE TRIGGER visit_totals_update AFTER UPDATE OF task_id, visited_on ON visits
WHEN old.kind <> 'record' AND (old.task_id <> new.task_id OR old.visited_on <> new.visited_on) BEGIN
    UPDATE visit_month_totals SET visits = visits - 1
        WHERE task_id = old.task_id AND month = date(old.visited_on, 'start of month');
    INSERT INTO visit_month_totals (task_id, month, visits)
        VALUES (new.task_id, date(new.visited_on, 'start of month'), 1)
        ON CONFLICT (task_id, month) DO UPDATE SET visits = visits + 1;
END;
