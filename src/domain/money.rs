//! A household's compensation: the parts of its plan, how money reaches it,
//! and how these records and its consent stage agree.

use super::consent::ConsentStage;

code_list! {
    /// Hình thức chi trả.
    PaymentMethod {
        /// tiền mặt
        Cash => "cash",
        /// chuyển khoản
        Transfer => "transfer",
        /// gửi vào tài khoản tạm giữ của Kho bạc Nhà nước (the household
        /// refuses to take it)
        Deposit => "deposit",
    }
}

code_list! {
    /// Bố trí tái định cư.
    Resettlement {
        /// không
        None => "none",
        /// giao đất ở (a plot)
        Plot => "plot",
        /// bố trí căn hộ
        Apartment => "apartment",
    }
}

/// The largest amount one component or payment may hold: 10,000 billion
/// đồng, beyond any household's compensation and far from overflowing a sum.
pub const MAX_AMOUNT: i64 = 10_000_000_000_000;

/// A plan's amounts in whole đồng, by component.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Amounts {
    /// bồi thường về đất
    pub land: i64,
    /// bồi thường nhà, công trình, vật kiến trúc
    pub structures: i64,
    /// bồi thường cây trồng, vật nuôi
    pub crops: i64,
    /// hỗ trợ ổn định đời sống, đào tạo chuyển đổi nghề
    pub support: i64,
}

impl Amounts {
    pub fn total(&self) -> i64 {
        self.land + self.structures + self.crops + self.support
    }
}

/// What a household's records hold, as far as its stage is concerned.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Records {
    /// A version of its plan carries an approving decision.
    pub plan_approved: bool,
    /// Money paid to it, in cash or by transfer.
    pub paid: bool,
    /// Money deposited for it.
    pub deposited: bool,
    /// Its land handed over.
    pub handed_over: bool,
}

impl Records {
    /// From whether a version is approved, the methods of the payments made
    /// (as stored) and whether the land is handed over.
    pub fn of<'a>(
        plan_approved: bool,
        methods: impl Iterator<Item = &'a str>,
        handed_over: bool,
    ) -> Records {
        let mut r = Records {
            plan_approved,
            handed_over,
            ..Records::default()
        };
        for m in methods.filter_map(PaymentMethod::parse) {
            match m {
                PaymentMethod::Deposit => r.deposited = true,
                PaymentMethod::Cash | PaymentMethod::Transfer => r.paid = true,
            }
        }
        r
    }
}

/// The record a move to `to` needs, when it is missing: its message key.
/// A visit without it must give a reason, as skipping a step must.
pub fn missing_record(to: ConsentStage, r: &Records) -> Option<&'static str> {
    let (needed, key) = match to {
        ConsentStage::PlanApproved => (r.plan_approved, "money-needs-approved-plan"),
        ConsentStage::Paid => (r.paid, "money-needs-payment"),
        ConsentStage::PaymentDeposited => (r.deposited, "money-needs-deposit"),
        ConsentStage::HandedOver => (r.handed_over, "money-needs-handover"),
        _ => return None,
    };
    (!needed).then_some(key)
}

/// The stage a payment by `method` brings the household to.
pub fn stage_of_payment(method: PaymentMethod) -> ConsentStage {
    match method {
        PaymentMethod::Cash | PaymentMethod::Transfer => ConsentStage::Paid,
        PaymentMethod::Deposit => ConsentStage::PaymentDeposited,
    }
}

/// Whether a record moves a household from `from` to `to`: only forward, and
/// never out of a process that is over. The record is the reason a step
/// skipped needs; a record of an earlier step leaves the stage alone.
pub fn record_moves(from: ConsentStage, to: ConsentStage) -> bool {
    !from.is_final() && to.step() > from.step()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ConsentStage::*;

    #[test]
    fn each_money_stage_needs_its_own_record() {
        let none = Records::default();
        assert_eq!(
            missing_record(PlanApproved, &none),
            Some("money-needs-approved-plan")
        );
        assert_eq!(missing_record(Paid, &none), Some("money-needs-payment"));
        assert_eq!(
            missing_record(PaymentDeposited, &none),
            Some("money-needs-deposit")
        );
        assert_eq!(
            missing_record(HandedOver, &none),
            Some("money-needs-handover")
        );
        assert_eq!(missing_record(Agrees, &none), None);
        assert_eq!(missing_record(Enforcement, &none), None);
        // A deposit is not a payment taken, nor the other way round.
        let deposited = Records {
            deposited: true,
            ..none
        };
        assert_eq!(
            missing_record(Paid, &deposited),
            Some("money-needs-payment")
        );
        assert_eq!(missing_record(PaymentDeposited, &deposited), None);
        let all = Records {
            plan_approved: true,
            paid: true,
            deposited: true,
            handed_over: true,
        };
        for s in ConsentStage::ALL {
            assert_eq!(missing_record(s, &all), None);
        }
    }

    #[test]
    fn records_move_forward_only() {
        assert!(record_moves(Agrees, PlanApproved));
        assert!(record_moves(Disagrees, PlanApproved));
        assert!(record_moves(
            PlanApproved,
            stage_of_payment(PaymentMethod::Cash)
        ));
        // Over steps: the record is the reason.
        assert!(record_moves(Considering, Paid));
        assert!(record_moves(Paid, HandedOver));
        // Never back, never within a step, never out of a final stage.
        assert!(!record_moves(Paid, PlanApproved));
        assert!(!record_moves(Paid, PaymentDeposited));
        assert!(!record_moves(HandedOver, HandedOver));
        assert!(!record_moves(Enforcement, HandedOver));
        assert_eq!(stage_of_payment(PaymentMethod::Deposit), PaymentDeposited);
        assert_eq!(stage_of_payment(PaymentMethod::Transfer), Paid);
    }

    #[test]
    fn a_plan_adds_its_components() {
        let a = Amounts {
            land: 1_500_000_000,
            structures: 230_000_000,
            crops: 4_500_000,
            support: 60_000_000,
        };
        assert_eq!(a.total(), 1_794_500_000);
        const { assert!(4 * MAX_AMOUNT < i64::MAX / 1_000) };
    }
}
