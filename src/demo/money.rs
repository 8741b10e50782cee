//! The Nam Thăng Long households' compensation: a posted plan for each, an
//! approving decision for those past persuasion (adjusted for a few), the
//! money paid to those paid — adding up to the task's published 182.9
//! billion đồng — one deposit for a household that refused, and the
//! handover minutes of those handed over.

use chrono::{Duration, NaiveDate};

use crate::db::money::{NewPayment, NewPlan};
use crate::db::tasks::Task;
use crate::db::{self, audit, DbConnection};
use crate::domain::consent::ConsentStage;
use crate::domain::money::{Amounts, PaymentMethod, Resettlement};
use crate::error::AppError;

/// What the published figures say was paid (cash and transfers).
pub const PAID: i64 = 182_900_000_000;

/// Land per square metre in the plans, in đồng.
const LAND_PRICE: i64 = 34_000_000;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// Gives each household (its id, final stage and area) its records.
pub fn load(
    conn: &mut DbConnection,
    actor: &audit::Actor,
    task: &Task,
    households: &[(i64, ConsentStage, f64)],
    by: i64,
) -> Result<(), AppError> {
    use ConsentStage::*;
    let approved = |s: ConsentStage| s.step() >= PlanApproved.step() && s != Enforcement;
    let paid = |s: ConsentStage| matches!(s, Paid | RecoveryDecided | HandedOver);
    // The amounts first, so that what is paid adds up to `PAID`.
    let mut plans: Vec<Amounts> = households
        .iter()
        .enumerate()
        .map(|(i, (_, _, area))| Amounts {
            land: (*area as i64) * LAND_PRICE,
            structures: 900_000_000 + (i as i64 % 7) * 135_000_000,
            crops: 12_000_000 + (i as i64 % 4) * 3_500_000,
            support: 180_000_000 + (i as i64 % 3) * 45_000_000,
        })
        .collect();
    let paid_now: i64 = households
        .iter()
        .zip(&plans)
        .filter(|((_, s, _), _)| paid(*s))
        .map(|(_, a)| a.total())
        .sum();
    if let Some(last) = households.iter().rposition(|(_, s, _)| paid(*s)) {
        plans[last].land += PAID - paid_now;
    }
    for (i, ((hid, stage, _), amounts)) in households.iter().zip(&plans).enumerate() {
        let n = i + 1;
        let posted_on = day(2023, 2, 10) + Duration::days((i % 5) as i64);
        let resettlement = match (approved(*stage), i % 3) {
            (true, 0) => Resettlement::Plot,
            (true, 1) => Resettlement::Apartment,
            _ => Resettlement::None,
        };
        let draft = NewPlan {
            amounts: *amounts,
            resettlement,
            resettlement_place: match resettlement {
                Resettlement::Plot => format!("Lô TĐC-{n:02}, khu tái định cư Phú Thượng"),
                Resettlement::Apartment => format!(
                    "Căn hộ {}{:02}, nhà CT2 khu tái định cư Phú Thượng",
                    3 + i % 9,
                    n
                ),
                Resettlement::None => String::new(),
            },
            posted_on: Some(posted_on),
            posted_at: format!(
                "Nhà văn hóa tổ dân phố số {}, phường Phú Thượng",
                1 + i % 11
            ),
            comments_until: Some(posted_on + Duration::days(20)),
            decision_no: String::new(),
            decision_on: None,
            decision_by: String::new(),
            note: String::new(),
        };
        write_plan(conn, actor, task, *hid, &draft, by)?;
        if !approved(*stage) {
            continue;
        }
        // A few plans were adjusted after the comments (a structure missed
        // at the inventory) before the decision.
        let decided = NewPlan {
            decision_no: format!("{}/QĐ-UBND", 1_200 + n),
            decision_on: Some(day(2023, 4, 14) + Duration::days((i % 6) as i64)),
            decision_by: "Ủy ban nhân dân quận Tây Hồ".into(),
            note: if i % 8 == 3 {
                "Điều chỉnh sau niêm yết: bổ sung công trình phụ chưa kiểm đếm.".into()
            } else {
                String::new()
            },
            ..draft
        };
        write_plan(conn, actor, task, *hid, &decided, by)?;
        let total = amounts.total();
        let payments: Vec<NewPayment> = match stage {
            PaymentDeposited => vec![NewPayment {
                paid_on: day(2023, 6, 20),
                amount: total,
                method: PaymentMethod::Deposit,
                reference: format!("Giấy nộp tiền số {:04}/KBNN-TH", 310 + n),
            }],
            s if paid(*s) && i % 4 == 0 => {
                // Paid in two instalments.
                let first = total / 2;
                vec![
                    NewPayment {
                        paid_on: day(2023, 6, 5) + Duration::days((i % 9) as i64),
                        amount: first,
                        method: PaymentMethod::Transfer,
                        reference: format!("UNC {:05}", 4_100 + n),
                    },
                    NewPayment {
                        paid_on: day(2023, 7, 3) + Duration::days((i % 9) as i64),
                        amount: total - first,
                        method: PaymentMethod::Cash,
                        reference: format!("PC {:04}", 820 + n),
                    },
                ]
            }
            s if paid(*s) => vec![NewPayment {
                paid_on: day(2023, 6, 5) + Duration::days((i % 9) as i64),
                amount: total,
                method: PaymentMethod::Transfer,
                reference: format!("UNC {:05}", 4_100 + n),
            }],
            _ => vec![],
        };
        for p in &payments {
            audit::write(conn, actor, |c| {
                Ok(db::money::add_payment(c, task, *hid, p, by)?)
            })?;
        }
        if *stage == HandedOver {
            let on = day(2023, 9, 12) + Duration::days((i % 10) as i64);
            let minutes = format!("Biên bản bàn giao số {n:02}/BB-GPMB");
            audit::write(conn, actor, |c| {
                Ok((
                    (),
                    db::money::put_handover(c, task, *hid, on, &minutes, by)?,
                ))
            })?;
        }
    }
    Ok(())
}

fn write_plan(
    conn: &mut DbConnection,
    actor: &audit::Actor,
    task: &Task,
    household_id: i64,
    plan: &NewPlan,
    by: i64,
) -> Result<(), AppError> {
    audit::write(conn, actor, |c| {
        let (_, change) = db::money::add_plan(c, task, household_id, plan, by)?;
        Ok(((), change))
    })
}
