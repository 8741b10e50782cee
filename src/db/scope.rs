//! Limiting a query to the subtrees of units a reader may see.

use diesel::prelude::*;
use diesel::sql_types::Bool;

use super::schema::units;
use super::MultiBackend;

/// `units.path` falls in one of the subtrees `prefixes`; no prefixes means nothing.
pub fn path_in<QS: 'static>(
    prefixes: &[String],
) -> Box<dyn BoxableExpression<QS, MultiBackend, SqlType = Bool>>
where
    units::path: SelectableExpression<QS>,
{
    Box::new(within(prefixes))
}

/// [`path_in`] as a plain condition, for a subquery (`… IN (SELECT units.id
/// FROM units WHERE …)`), where a boxed one cannot go. No query may name
/// `units` twice around it.
pub fn within(prefixes: &[String]) -> PathIn {
    PathIn {
        patterns: prefixes.iter().map(|p| format!("{p}%")).collect(),
        exact: Vec::new(),
    }
}

/// `units.path` falls in one of the subtrees `prefixes`, or is a unit holding
/// one of them: the units a reader of those subtrees reaches
/// (`domain::access::reaches`, for what belongs to a unit as a whole).
pub fn reaching<QS: 'static>(
    prefixes: &[String],
) -> Box<dyn BoxableExpression<QS, MultiBackend, SqlType = Bool>>
where
    units::path: SelectableExpression<QS>,
{
    Box::new(PathIn {
        exact: crate::domain::access::holders(prefixes),
        ..within(prefixes)
    })
}

/// `(units.path LIKE $1 OR units.path LIKE $2 … OR units.path = $n …)`, or
/// `1 = 0` for none.
/// Written out here rather than built from `sql("1 = 0").or(…)` because
/// diesel never caches the prepared statement of a query holding an SQL
/// literal, and almost every query is limited to a scope: PostgreSQL then
/// parsed and planned each of them on every request.
#[derive(Debug, Clone)]
pub struct PathIn {
    patterns: Vec<String>,
    /// Paths matched whole.
    exact: Vec<String>,
}

impl Expression for PathIn {
    type SqlType = Bool;
}

impl<QS> AppearsOnTable<QS> for PathIn where units::path: AppearsOnTable<QS> {}

impl<QS> SelectableExpression<QS> for PathIn where units::path: SelectableExpression<QS> {}

impl<GB> diesel::expression::ValidGrouping<GB> for PathIn {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

impl diesel::query_builder::QueryId for PathIn {
    type QueryId = ();
    // The SQL depends on the number of prefixes: cached by its text.
    const HAS_STATIC_QUERY_ID: bool = false;
}

// For every backend, not only the connection's: a subquery (`IN (SELECT
// …)`) is written out by each backend's own query builder.
impl<DB> diesel::query_builder::QueryFragment<DB> for PathIn
where
    DB: diesel::backend::Backend + diesel::sql_types::HasSqlType<diesel::sql_types::Text>,
    String: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
    units::path: diesel::query_builder::QueryFragment<DB>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
    ) -> QueryResult<()> {
        if self.patterns.is_empty() {
            out.push_sql("1 = 0");
            return Ok(());
        }
        out.push_sql("(");
        let likes = self.patterns.iter().map(|p| (" LIKE ", p));
        let equals = self.exact.iter().map(|p| (" = ", p));
        for (i, (op, value)) in likes.chain(equals).enumerate() {
            if i > 0 {
                out.push_sql(" OR ");
            }
            units::path.walk_ast(out.reborrow())?;
            out.push_sql(op);
            out.push_bind_param::<diesel::sql_types::Text, _>(value)?;
        }
        out.push_sql(")");
        Ok(())
    }
}
