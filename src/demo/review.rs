//! The Front's published 2023 review of the Tây Hồ tasks.

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::reviews::{self as rdb, ScoreFields};
use crate::db::{self, audit, DbConnection};
use crate::domain::review::{CombineRule, RoundStatus};
use crate::error::AppError;

/// The Front's published 2023 review of the Tây Hồ tasks: self-assessed by
/// their owner, scored by two reviewers, figures recorded on 15/12/2023.
pub(super) fn load(
    conn: &mut DbConnection,
    actor: &audit::Actor,
    tay_ho: i64,
    reviewers: [i64; 2],
) -> Result<(), AppError> {
    let day = |m: u32, d: u32| NaiveDate::from_ymd_opt(2023, m, d).unwrap_or_default();
    let unit = db::units::find(conn, tay_ho)?;
    let fields = rdb::RoundFields {
        unit_id: tay_ho,
        year: 2023,
        title: "Giám sát, đánh giá kết quả thực hiện việc khó năm 2023".into(),
        lead_id: reviewers[0],
        combine_rule: CombineRule::Mean,
        self_due: day(12, 10),
        review_due: day(12, 25),
        report_number: "27/BC-MTTQ".into(),
        report_place: "Tây Hồ".into(),
        signer_title: "TM. BAN THƯỜNG TRỰC".into(),
        signer_name: "Phạm Thị Lan".into(),
    };
    let round = audit::write(conn, actor, |c| {
        Ok(rdb::create(c, &fields, &unit.path, reviewers[0])?)
    })?;
    let criteria = rdb::criteria(conn, round.id)?;
    let rows = rdb::tasks_of(conn, round.id)?;
    let step = |conn: &mut DbConnection, next: RoundStatus, on: NaiveDate| {
        let r = rdb::find(conn, round.id)?;
        audit::write(conn, actor, |c| {
            match rdb::move_to(c, &r, r.version, next, None, on)? {
                Ok((_, change)) => Ok(((), change)),
                Err(refused) => Err(AppError::Internal(format!("demo round: {refused:?}"))),
            }
        })
    };
    step(conn, RoundStatus::SelfAssessment, day(11, 20))?;
    let scored = |points: [f64; 5], comment: &str, proposal: &str| -> Vec<ScoreFields> {
        criteria
            .iter()
            .zip(points)
            .map(|(c, p)| ScoreFields {
                criterion_id: c.id,
                score: p.min(c.max_points),
                comment: comment.into(),
                private_note: String::new(),
                evidence: String::new(),
                // A proposal where the criterion lost points.
                proposal: if p < c.max_points {
                    proposal.into()
                } else {
                    String::new()
                },
            })
            .collect()
    };
    // (self, first reviewer, second reviewer) per task, by title.
    let plan = |title: &str| -> [[f64; 5]; 3] {
        if title.contains("Tam Đa") {
            [
                [40.0, 20.0, 15.0, 15.0, 10.0],
                [38.0, 19.0, 15.0, 14.0, 10.0],
                [37.0, 20.0, 14.0, 14.0, 10.0],
            ]
        } else {
            [
                [36.0, 16.0, 13.0, 14.0, 10.0],
                [33.0, 15.0, 12.0, 13.0, 10.0],
                [31.0, 16.0, 12.0, 12.0, 9.0],
            ]
        }
    };
    for row in &rows {
        let [own, _, _] = plan(&row.title);
        let r = rdb::find(conn, round.id)?;
        audit::write(conn, actor, |c| {
            Ok((
                (),
                rdb::save_scores(
                    c,
                    &r,
                    row.rt.task_id,
                    rdb::SELF,
                    row.task_owner_id,
                    &scored(own, "Đã vận động từng hộ, bàn giao theo cam kết.", ""),
                )?,
            ))
        })?;
    }
    step(conn, RoundStatus::Scoring, day(12, 15))?;
    for row in &rows {
        let [_, first, second] = plan(&row.title);
        let r = rdb::find(conn, round.id)?;
        for (reviewer, points, comment, proposal) in [
            (
                reviewers[0],
                first,
                "Cách làm sáng tạo, được nhân dân đồng tình.",
                "Nhân rộng cách đối thoại tại nhà văn hóa tổ dân phố.",
            ),
            (
                reviewers[1],
                second,
                "Cần tiếp tục vận động các hộ còn lại.",
                "Tổ chức đối thoại riêng với các hộ chưa đồng thuận trước quý I.",
            ),
        ] {
            audit::write(conn, actor, |c| {
                Ok((
                    (),
                    rdb::save_scores(
                        c,
                        &r,
                        row.rt.task_id,
                        rdb::REVIEW,
                        reviewer,
                        &scored(points, comment, proposal),
                    )?,
                ))
            })?;
        }
    }
    step(conn, RoundStatus::Published, day(12, 28))?;
    // The demo happened in 2023: its timetable says so.
    let at = |m: u32, d: u32| day(m, d).and_hms_opt(2, 0, 0).unwrap_or_default();
    diesel::update(db::schema::review_rounds::table.find(round.id))
        .set((
            db::schema::review_rounds::opened_at.eq(at(11, 20)),
            db::schema::review_rounds::scoring_at.eq(at(12, 15)),
            db::schema::review_rounds::published_at.eq(at(12, 28)),
        ))
        .execute(conn)?;
    Ok(())
}
