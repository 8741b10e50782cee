//! Schemas of the fixed lists a body field takes its value from, so the
//! description (and schemathesis) know the choices the forms offer.

use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
use utoipa::openapi::{Array, Object};

use crate::domain::campaign::{ModelKind, ModelStatus, COMMENDATION_LEVELS};
use crate::domain::consent::ConsentStage;
use crate::domain::desk::{Outcome, RoundKind, ShiftStatus};
use crate::domain::households::{Concern, PriorityGroup, VisitKind};
use crate::domain::recommendation::Field;
use crate::domain::review::{CombineRule, RoundStatus};

fn one_of(values: Vec<&'static str>) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values))
        .build()
}

fn many_of(values: Vec<&'static str>) -> Array {
    ArrayBuilder::new().items(one_of(values)).build()
}

pub fn stage() -> Object {
    one_of(ConsentStage::ALL.iter().map(|s| s.as_str()).collect())
}

pub fn stages() -> Array {
    many_of(ConsentStage::ALL.iter().map(|s| s.as_str()).collect())
}

pub fn payment_methods() -> Object {
    use crate::domain::money::PaymentMethod;
    one_of(PaymentMethod::ALL.iter().map(|m| m.as_str()).collect())
}

pub fn visit_kind() -> Object {
    one_of(VisitKind::ALL.iter().map(|k| k.as_str()).collect())
}

pub fn concerns() -> Array {
    many_of(Concern::ALL.iter().map(|c| c.as_str()).collect())
}

pub fn field() -> Object {
    one_of(Field::ALL.iter().map(|f| f.as_str()).collect())
}

pub fn model_kind() -> Object {
    one_of(ModelKind::ALL.iter().map(|k| k.as_str()).collect())
}

pub fn model_status() -> Object {
    one_of(ModelStatus::ALL.iter().map(|s| s.as_str()).collect())
}

pub fn commendation_level() -> Object {
    one_of(COMMENDATION_LEVELS.to_vec())
}

pub fn combine_rule() -> Object {
    one_of(CombineRule::ALL.iter().map(|r| r.as_str()).collect())
}

pub fn round_status() -> Object {
    one_of(RoundStatus::ALL.iter().map(|s| s.as_str()).collect())
}

pub fn shift_action() -> Object {
    one_of(vec![
        "assign", "swap", "accept", "decline", "withdraw", "status",
    ])
}

pub fn shift_status() -> Object {
    one_of(ShiftStatus::MARKED.iter().map(|s| s.as_str()).collect())
}

pub fn round_kind() -> Object {
    one_of(RoundKind::ALL.iter().map(|k| k.as_str()).collect())
}

pub fn outcome() -> Object {
    one_of(Outcome::ALL.iter().map(|o| o.as_str()).collect())
}

pub fn priority_groups() -> Array {
    many_of(PriorityGroup::ALL.iter().map(|g| g.as_str()).collect())
}
