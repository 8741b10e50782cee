//! Table definitions shared by both backends. Only the portable subset of types
//! is used (BigInt, Integer, Text, Bool, Timestamp) so one schema serves SQLite and PostgreSQL.

diesel::table! {
    units (id) {
        id -> BigInt,
        parent_id -> Nullable<BigInt>,
        kind -> Text,
        name -> Text,
        code -> Nullable<Text>,
        path -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        full_name -> Text,
        email -> Nullable<Text>,
        password_hash -> Text,
        locale -> Text,
        unit_id -> BigInt,
        active -> Bool,
        must_change_password -> Bool,
        session_epoch -> Integer,
        last_login_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        find_name -> Text,
    }
}

diesel::table! {
    role_grants (id) {
        id -> BigInt,
        user_id -> BigInt,
        unit_id -> BigInt,
        role -> Text,
        granted_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        user_id -> Nullable<BigInt>,
        ip -> Nullable<Text>,
        action -> Text,
        entity -> Text,
        entity_id -> Nullable<BigInt>,
        unit_id -> Nullable<BigInt>,
        changes -> Text,
    }
}

diesel::table! {
    login_attempts (id) {
        id -> BigInt,
        username -> Text,
        ip -> Text,
        at -> Timestamp,
        success -> Bool,
    }
}

diesel::table! {
    task_categories (id) {
        id -> BigInt,
        code -> Text,
        name_vi -> Text,
        name_en -> Text,
        is_site_clearance -> Bool,
        active -> Bool,
        sort_order -> Integer,
    }
}

diesel::table! {
    tasks (id) {
        id -> BigInt,
        unit_id -> BigInt,
        category_id -> BigInt,
        title -> Text,
        search_text -> Text,
        description -> Text,
        project_start_year -> Nullable<Integer>,
        campaign_year -> Integer,
        deadline -> Nullable<Date>,
        status -> Text,
        cancel_reason -> Nullable<Text>,
        completed_on -> Nullable<Date>,
        owner_id -> BigInt,
        consented_stages -> Text,
        area_total_m2 -> Nullable<Double>,
        area_cleared_m2 -> Nullable<Double>,
        plans_total -> Nullable<Integer>,
        plans_approved -> Nullable<Integer>,
        money_paid -> Nullable<BigInt>,
        version -> Integer,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    task_members (task_id, user_id, role) {
        task_id -> BigInt,
        user_id -> BigInt,
        role -> Text,
    }
}

diesel::table! {
    milestones (id) {
        id -> BigInt,
        task_id -> BigInt,
        title -> Text,
        due_on -> Date,
        done_on -> Nullable<Date>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    households (id) {
        id -> BigInt,
        task_id -> BigInt,
        head_name -> Text,
        search_text -> Text,
        address -> Text,
        residential_group -> Text,
        map_sheet -> Text,
        parcel_no -> Text,
        area_m2 -> Double,
        land_type -> Text,
        priority_groups -> Text,
        phone -> Text,
        notes -> Text,
        stage -> Text,
        last_visit_on -> Nullable<Date>,
        next_visit_on -> Nullable<Date>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
        find_text -> Text,
        phone_digits -> Text,
    }
}

diesel::table! {
    visits (id) {
        id -> BigInt,
        household_id -> BigInt,
        task_id -> BigInt,
        visited_on -> Date,
        kind -> Text,
        others -> Text,
        household_said -> Text,
        concerns -> Text,
        stage_before -> Text,
        stage_after -> Text,
        reason -> Nullable<Text>,
        next_step -> Text,
        next_visit_on -> Nullable<Date>,
        corrects_id -> Nullable<BigInt>,
        dialogue_id -> Nullable<BigInt>,
        created_by -> BigInt,
        created_at -> Timestamp,
        device_id -> Nullable<Text>,
        made_at -> Nullable<Timestamp>,
        latitude -> Nullable<Double>,
        longitude -> Nullable<Double>,
        accuracy_m -> Nullable<Double>,
    }
}

diesel::table! {
    unit_documents (unit_id) {
        unit_id -> BigInt,
        body_above -> Text,
        issuer -> Text,
        place -> Text,
        authority -> Text,
        position -> Text,
        signer -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    signed_scans (id) {
        id -> BigInt,
        record_kind -> Text,
        record_id -> BigInt,
        attachment_id -> BigInt,
        uploaded_by -> BigInt,
        uploaded_at -> Timestamp,
    }
}

diesel::table! {
    visit_photos (id) {
        id -> BigInt,
        visit_id -> BigInt,
        attachment_id -> BigInt,
        position -> Integer,
    }
}

diesel::table! {
    dialogues (id) {
        id -> BigInt,
        task_id -> BigInt,
        held_on -> Date,
        place -> Text,
        chaired_by -> Text,
        summary -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    household_imports (id) {
        id -> BigInt,
        task_id -> BigInt,
        user_id -> BigInt,
        file_name -> Text,
        rows -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    visit_members (visit_id, user_id) {
        visit_id -> BigInt,
        user_id -> BigInt,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        name -> Text,
        prefix -> Text,
        secret_hash -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    ended_sessions (sid) {
        sid -> Text,
        ended_at -> Timestamp,
    }
}

diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(users -> units (unit_id));
diesel::joinable!(households -> tasks (task_id));
diesel::joinable!(visits -> households (household_id));
diesel::joinable!(visits -> tasks (task_id));
diesel::joinable!(visits -> users (created_by));
diesel::joinable!(visit_members -> visits (visit_id));
diesel::joinable!(visit_photos -> visits (visit_id));
diesel::joinable!(visit_photos -> attachments (attachment_id));
diesel::joinable!(signed_scans -> attachments (attachment_id));
diesel::joinable!(dialogues -> tasks (task_id));
diesel::joinable!(visit_members -> users (user_id));
diesel::joinable!(tasks -> units (unit_id));
diesel::joinable!(tasks -> task_categories (category_id));
diesel::table! {
    review_rubric (id) {
        id -> BigInt,
        name_vi -> Text,
        name_en -> Text,
        max_points -> Double,
        sort_order -> Integer,
    }
}

diesel::table! {
    review_rounds (id) {
        id -> BigInt,
        unit_id -> BigInt,
        year -> Integer,
        title -> Text,
        status -> Text,
        lead_id -> BigInt,
        combine_rule -> Text,
        self_due -> Date,
        review_due -> Date,
        report_number -> Text,
        report_place -> Text,
        signer_title -> Text,
        signer_name -> Text,
        opened_at -> Nullable<Timestamp>,
        scoring_at -> Nullable<Timestamp>,
        snapshot_on -> Nullable<Date>,
        published_at -> Nullable<Timestamp>,
        reopen_reason -> Nullable<Text>,
        version -> Integer,
        created_by -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    review_criteria (id) {
        id -> BigInt,
        round_id -> BigInt,
        name_vi -> Text,
        name_en -> Text,
        max_points -> Double,
        sort_order -> Integer,
    }
}

diesel::table! {
    review_tasks (id) {
        id -> BigInt,
        round_id -> BigInt,
        task_id -> BigInt,
        unit_id -> Nullable<BigInt>,
        owner_id -> Nullable<BigInt>,
        snap_status -> Nullable<Text>,
        snap_deadline -> Nullable<Date>,
        snap_completed_on -> Nullable<Date>,
        snap_outcome -> Nullable<Text>,
        snap_days_late -> Nullable<BigInt>,
        snap_households -> Nullable<BigInt>,
        snap_households_consented -> Nullable<BigInt>,
        snap_area_m2 -> Nullable<Double>,
        snap_area_handed_over_m2 -> Nullable<Double>,
        snap_visits -> Nullable<BigInt>,
        snap_milestones -> Nullable<BigInt>,
        snap_milestones_done -> Nullable<BigInt>,
        snap_milestones_on_time -> Nullable<BigInt>,
        snap_exceeded -> Nullable<Bool>,
        total -> Nullable<Double>,
        rating -> Nullable<Text>,
    }
}

diesel::table! {
    review_scores (id) {
        id -> BigInt,
        round_id -> BigInt,
        task_id -> BigInt,
        criterion_id -> BigInt,
        kind -> Text,
        author_id -> BigInt,
        score -> Double,
        comment -> Text,
        private_note -> Text,
        evidence -> Text,
        updated_at -> Timestamp,
        proposal -> Text,
    }
}

diesel::table! {
    review_disputes (id) {
        id -> BigInt,
        round_id -> BigInt,
        task_id -> BigInt,
        criterion_id -> Nullable<BigInt>,
        raised_by -> BigInt,
        reason -> Text,
        raised_at -> Timestamp,
        answer -> Nullable<Text>,
        dispute_accepted -> Nullable<Bool>,
        answered_by -> Nullable<BigInt>,
        answered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    model_fields (id) {
        id -> BigInt,
        code -> Text,
        name_vi -> Text,
        name_en -> Text,
        active -> Bool,
        sort_order -> Integer,
    }
}

diesel::table! {
    campaigns (id) {
        id -> BigInt,
        unit_id -> BigInt,
        year -> Integer,
        theme -> Text,
        plan_number -> Text,
        plan_date -> Nullable<Date>,
        focus_fields -> Text,
        period_from -> Date,
        period_to -> Date,
        description -> Text,
        related_plans -> Text,
        version -> Integer,
        created_by -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    campaign_appraisers (campaign_id, user_id) {
        campaign_id -> BigInt,
        user_id -> BigInt,
    }
}

diesel::table! {
    campaign_criteria (id) {
        id -> BigInt,
        campaign_id -> BigInt,
        name_vi -> Text,
        name_en -> Text,
        max_points -> Double,
        sort_order -> Integer,
    }
}

diesel::table! {
    campaign_tasks (task_id) {
        task_id -> BigInt,
        campaign_id -> BigInt,
    }
}

diesel::table! {
    models (id) {
        id -> BigInt,
        campaign_id -> BigInt,
        kind -> Text,
        unit_id -> BigInt,
        holder_name -> Text,
        contact_id -> BigInt,
        field_id -> BigInt,
        title -> Text,
        commitment -> Text,
        expected_results -> Text,
        period_from -> Date,
        period_to -> Date,
        status -> Text,
        status_reason -> Nullable<Text>,
        decision_number -> Nullable<Text>,
        decision_date -> Nullable<Date>,
        commendation_level -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    model_events (id) {
        id -> BigInt,
        model_id -> BigInt,
        from_status -> Nullable<Text>,
        to_status -> Text,
        reason -> Nullable<Text>,
        by_id -> BigInt,
        at -> Timestamp,
    }
}

diesel::table! {
    model_scores (id) {
        id -> BigInt,
        model_id -> BigInt,
        criterion_id -> BigInt,
        appraiser_id -> BigInt,
        score -> Double,
        comment -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    model_checkins (id) {
        id -> BigInt,
        model_id -> BigInt,
        kind -> Text,
        report -> Text,
        by_id -> BigInt,
        at -> Timestamp,
        acknowledged_by -> Nullable<BigInt>,
        acknowledged_at -> Nullable<Timestamp>,
        acknowledgement -> Nullable<Text>,
    }
}

diesel::table! {
    desk_procedures (id) {
        id -> BigInt,
        code -> Text,
        name_vi -> Text,
        name_en -> Text,
        active -> Bool,
        sort_order -> Integer,
    }
}

diesel::table! {
    desk_duties (id) {
        id -> BigInt,
        unit_id -> BigInt,
        name -> Text,
        place -> Text,
        weekday -> Integer,
        start_time -> Text,
        end_time -> Text,
        starts_on -> Date,
        active -> Bool,
        version -> Integer,
        created_by -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    desk_duty_officials (duty_id, user_id) {
        duty_id -> BigInt,
        user_id -> BigInt,
        position -> Integer,
    }
}

diesel::table! {
    desk_shifts (id) {
        id -> BigInt,
        duty_id -> BigInt,
        on_date -> Date,
        official_id -> BigInt,
        status -> Text,
        note -> Text,
        swap_requested_by -> Nullable<BigInt>,
        swap_reason -> Nullable<Text>,
        version -> Integer,
        updated_at -> Timestamp,
        swap_with -> Nullable<BigInt>,
    }
}

diesel::table! {
    desk_cases (id) {
        id -> BigInt,
        shift_id -> BigInt,
        procedure_id -> BigInt,
        citizen_name -> Text,
        priority_groups -> Text,
        note -> Text,
        outcome -> Text,
        escalated_to -> Nullable<Text>,
        due_on -> Nullable<Date>,
        answered_on -> Nullable<Date>,
        answer -> Nullable<Text>,
        feedback_expires_on -> Date,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    desk_feedback (id) {
        id -> BigInt,
        case_id -> BigInt,
        rating -> Text,
        attitude -> Nullable<Integer>,
        clarity -> Nullable<Integer>,
        time_taken -> Nullable<Integer>,
        comment -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    support_teams (id) {
        id -> BigInt,
        lead_unit_id -> BigInt,
        name -> Text,
        period_from -> Date,
        period_to -> Date,
        description -> Text,
        version -> Integer,
        created_by -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    support_team_members (team_id, user_id) {
        team_id -> BigInt,
        user_id -> BigInt,
    }
}

diesel::table! {
    support_team_communes (team_id, unit_id) {
        team_id -> BigInt,
        unit_id -> BigInt,
    }
}

diesel::table! {
    support_rounds (id) {
        id -> BigInt,
        team_id -> BigInt,
        unit_id -> BigInt,
        on_date -> Date,
        start_time -> Text,
        place -> Text,
        kind -> Text,
        status -> Text,
        attendance -> Nullable<Integer>,
        helped_meritorious -> Nullable<Integer>,
        helped_poor -> Nullable<Integer>,
        helped_elderly -> Nullable<Integer>,
        helped_disability -> Nullable<Integer>,
        helped_other -> Nullable<Integer>,
        dossiers_prepared -> Nullable<Integer>,
        dossiers_online -> Nullable<Integer>,
        notes -> Text,
        version -> Integer,
        created_by -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    support_problems (id) {
        id -> BigInt,
        round_id -> BigInt,
        text -> Text,
        task_id -> Nullable<BigInt>,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    calendar_days (on_date) {
        on_date -> Date,
        kind -> Text,
        name -> Text,
    }
}

diesel::table! {
    response_days (unit_id) {
        unit_id -> BigInt,
        days -> Integer,
    }
}

diesel::table! {
    inspections (id) {
        id -> BigInt,
        unit_id -> BigInt,
        by_unit_id -> BigInt,
        visited_on -> Date,
        members -> Text,
        figures -> Text,
        findings -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    attachments (id) {
        id -> BigInt,
        sha256 -> Text,
        file_name -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        uploaded_by -> BigInt,
        uploaded_at -> Timestamp,
    }
}

diesel::table! {
    recommendations (id) {
        id -> BigInt,
        inspection_id -> Nullable<BigInt>,
        from_unit_id -> BigInt,
        to_unit_id -> BigInt,
        field -> Text,
        content -> Text,
        raised_on -> Date,
        working_days -> Integer,
        due_on -> Date,
        status -> Text,
        answer -> Nullable<Text>,
        answer_attachment_id -> Nullable<BigInt>,
        answered_on -> Nullable<Date>,
        reopened -> Bool,
        version -> Integer,
        created_by -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    recommendation_events (id) {
        id -> BigInt,
        recommendation_id -> BigInt,
        action -> Text,
        note -> Text,
        to_unit_id -> Nullable<BigInt>,
        due_on -> Nullable<Date>,
        by_id -> BigInt,
        at -> Timestamp,
    }
}

diesel::table! {
    targets (id) {
        id -> BigInt,
        unit_id -> BigInt,
        year -> Integer,
        name -> Text,
        planned -> Double,
        measure -> Text,
        actual -> Nullable<Double>,
        version -> Integer,
        updated_at -> Timestamp,
        direction -> Text,
        planned_max -> Nullable<Double>,
        actual_on -> Nullable<Date>,
    }
}

diesel::table! {
    target_values (id) {
        id -> BigInt,
        target_id -> BigInt,
        actual -> Double,
        on_date -> Date,
        by_id -> BigInt,
        at -> Timestamp,
    }
}

diesel::joinable!(recommendation_events -> recommendations (recommendation_id));
diesel::joinable!(target_values -> targets (target_id));
diesel::joinable!(support_rounds -> support_teams (team_id));
diesel::joinable!(support_rounds -> units (unit_id));
diesel::joinable!(support_problems -> support_rounds (round_id));
diesel::joinable!(support_team_communes -> support_teams (team_id));
diesel::joinable!(desk_duties -> units (unit_id));
diesel::joinable!(desk_shifts -> desk_duties (duty_id));
diesel::joinable!(desk_cases -> desk_shifts (shift_id));
diesel::joinable!(desk_cases -> desk_procedures (procedure_id));
diesel::joinable!(desk_feedback -> desk_cases (case_id));
diesel::joinable!(campaigns -> units (unit_id));
diesel::joinable!(campaign_tasks -> tasks (task_id));
diesel::joinable!(models -> campaigns (campaign_id));
diesel::joinable!(models -> model_fields (field_id));
diesel::joinable!(models -> units (unit_id));
diesel::joinable!(model_events -> models (model_id));
diesel::joinable!(model_scores -> models (model_id));
diesel::joinable!(model_checkins -> models (model_id));
diesel::joinable!(review_rounds -> units (unit_id));
diesel::joinable!(review_tasks -> tasks (task_id));
diesel::joinable!(review_tasks -> review_rounds (round_id));
diesel::joinable!(review_criteria -> review_rounds (round_id));
diesel::joinable!(tasks -> users (owner_id));
diesel::joinable!(task_members -> tasks (task_id));
diesel::joinable!(task_members -> users (user_id));
diesel::joinable!(milestones -> tasks (task_id));
diesel::joinable!(role_grants -> units (unit_id));
diesel::joinable!(audit_log -> users (user_id));
diesel::joinable!(role_grants -> users (user_id));

diesel::table! {
    outbox (id) {
        id -> BigInt,
        kind -> Text,
        user_id -> Nullable<BigInt>,
        to_address -> Text,
        locale -> Text,
        payload -> Text,
        subject -> Nullable<Text>,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_by -> Nullable<Text>,
        locked_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    digest_items (id) {
        id -> BigInt,
        user_id -> BigInt,
        kind -> Text,
        payload -> Text,
        created_at -> Timestamp,
        outbox_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    notification_keys (key) {
        key -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    notification_prefs (user_id, kind) {
        user_id -> BigInt,
        kind -> Text,
        delivery -> Text,
    }
}

diesel::table! {
    data_version (id) {
        id -> Integer,
        version -> BigInt,
    }
}

diesel::table! {
    listing_version (id) {
        id -> Integer,
        version -> BigInt,
    }
}

diesel::table! {
    household_stage_totals (task_id, stage) {
        task_id -> BigInt,
        stage -> Text,
        households -> Integer,
        area_m2 -> Double,
    }
}

diesel::table! {
    visit_month_totals (task_id, month) {
        task_id -> BigInt,
        month -> Date,
        visits -> Integer,
    }
}

diesel::joinable!(household_stage_totals -> tasks (task_id));
diesel::joinable!(visit_month_totals -> tasks (task_id));
diesel::joinable!(outbox -> users (user_id));
diesel::joinable!(digest_items -> users (user_id));

diesel::table! {
    parcels (household_id) {
        household_id -> BigInt,
        task_id -> BigInt,
        geometry -> Text,
        area_m2 -> Double,
        min_lon -> Double,
        min_lat -> Double,
        max_lon -> Double,
        max_lat -> Double,
        label_lon -> Double,
        label_lat -> Double,
        source -> Text,
        updated_at -> Timestamp,
        updated_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    parcel_imports (id) {
        id -> BigInt,
        task_id -> BigInt,
        user_id -> BigInt,
        file_name -> Text,
        prj -> Text,
        features -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    unit_maps (unit_id) {
        unit_id -> BigInt,
        province -> Text,
        tile_url -> Text,
        tile_attribution -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    compensation_plans (id) {
        id -> BigInt,
        household_id -> BigInt,
        task_id -> BigInt,
        version -> Integer,
        current -> Bool,
        land -> BigInt,
        structures -> BigInt,
        crops -> BigInt,
        support -> BigInt,
        total -> BigInt,
        resettlement -> Text,
        resettlement_place -> Text,
        posted_on -> Nullable<Date>,
        posted_at -> Text,
        comments_until -> Nullable<Date>,
        decision_no -> Text,
        decision_on -> Nullable<Date>,
        decision_by -> Text,
        note -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    compensation_payments (id) {
        id -> BigInt,
        household_id -> BigInt,
        task_id -> BigInt,
        paid_on -> Date,
        amount -> BigInt,
        method -> Text,
        reference -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    land_handovers (household_id) {
        household_id -> BigInt,
        task_id -> BigInt,
        handed_over_on -> Date,
        minutes -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    task_money (task_id) {
        task_id -> BigInt,
        plans -> Integer,
        plans_approved -> Integer,
        money_planned -> BigInt,
        money_approved -> BigInt,
        money_paid -> BigInt,
        money_deposited -> BigInt,
        households_paid -> Integer,
        plots -> Integer,
        apartments -> Integer,
        handed_over -> Integer,
    }
}

diesel::table! {
    public_pages (task_id) {
        task_id -> BigInt,
        code -> Text,
        enabled -> Bool,
        changed_by -> BigInt,
        changed_at -> Timestamp,
    }
}

diesel::table! {
    public_questions (id) {
        id -> BigInt,
        task_id -> BigInt,
        asked_at -> Timestamp,
        name -> Text,
        phone -> Text,
        question -> Text,
        answer -> Nullable<Text>,
        answered_at -> Nullable<Timestamp>,
        answered_by -> Nullable<BigInt>,
    }
}

diesel::joinable!(compensation_plans -> households (household_id));
diesel::joinable!(compensation_payments -> households (household_id));
diesel::joinable!(land_handovers -> households (household_id));
diesel::joinable!(public_pages -> tasks (task_id));
diesel::joinable!(parcels -> households (household_id));
diesel::joinable!(parcels -> tasks (task_id));

diesel::table! {
    unit_ancestors (unit_id, ancestor_id) {
        unit_id -> BigInt,
        ancestor_id -> BigInt,
    }
}

diesel::table! {
    unit_task_totals (unit_id, status, category_id) {
        unit_id -> BigInt,
        status -> Text,
        category_id -> BigInt,
        tasks -> Integer,
    }
}

diesel::table! {
    unit_stage_totals (unit_id, status, consented_stages, stage) {
        unit_id -> BigInt,
        status -> Text,
        consented_stages -> Text,
        stage -> Text,
        households -> Integer,
        area_m2 -> Double,
    }
}

diesel::table! {
    unit_visit_month_totals (month, unit_id) {
        unit_id -> BigInt,
        month -> Date,
        visits -> Integer,
    }
}

diesel::table! {
    unit_waiting_last_visits (last_visit_on, unit_id) {
        last_visit_on -> Date,
        unit_id -> BigInt,
        households -> Integer,
    }
}

diesel::joinable!(unit_task_totals -> units (unit_id));
diesel::joinable!(unit_task_totals -> task_categories (category_id));
diesel::joinable!(unit_stage_totals -> units (unit_id));
diesel::joinable!(unit_visit_month_totals -> units (unit_id));
diesel::joinable!(unit_waiting_last_visits -> units (unit_id));

diesel::allow_tables_to_appear_in_same_query!(
    compensation_plans,
    unit_ancestors,
    unit_task_totals,
    unit_stage_totals,
    unit_visit_month_totals,
    unit_waiting_last_visits,
    compensation_payments,
    land_handovers,
    task_money,
    public_pages,
    public_questions,
    parcels,
    parcel_imports,
    unit_maps,
    unit_documents,
    signed_scans,
    ended_sessions,
    units,
    users,
    role_grants,
    audit_log,
    login_attempts,
    task_categories,
    tasks,
    task_members,
    milestones,
    households,
    visits,
    visit_photos,
    visit_members,
    dialogues,
    household_imports,
    review_rubric,
    review_rounds,
    review_criteria,
    review_tasks,
    review_scores,
    review_disputes,
    model_fields,
    campaigns,
    campaign_appraisers,
    campaign_criteria,
    campaign_tasks,
    models,
    model_events,
    model_scores,
    model_checkins,
    desk_procedures,
    desk_duties,
    desk_duty_officials,
    desk_shifts,
    desk_cases,
    desk_feedback,
    support_teams,
    support_team_members,
    support_team_communes,
    support_rounds,
    support_problems,
    calendar_days,
    response_days,
    inspections,
    attachments,
    recommendations,
    recommendation_events,
    targets,
    target_values,
    outbox,
    digest_items,
    notification_keys,
    notification_prefs,
    data_version,
    listing_version,
    api_tokens,
    household_stage_totals,
    visit_month_totals,
);

// Dashboards group households by their task's consented set and their stage.
diesel::allow_columns_to_appear_in_same_group_by_clause!(
    tasks::consented_stages,
    households::stage
);
diesel::allow_columns_to_appear_in_same_group_by_clause!(
    tasks::consented_stages,
    household_stage_totals::stage
);
