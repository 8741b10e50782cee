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
    Box::new(PathIn {
        patterns: prefixes.iter().map(|p| format!("{p}%")).collect(),
    })
}

/// `(units.path LIKE $1 OR units.path LIKE $2 …)`, or `1 = 0` for none.
/// Written out here rather than built from `sql("1 = 0").or(…)` because
/// diesel never caches the prepared statement of a query holding an SQL
/// literal, and almost every query is limited to a scope: PostgreSQL then
/// parsed and planned each of them on every request.
#[derive(Debug, Clone)]
struct PathIn {
    patterns: Vec<String>,
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

impl diesel::query_builder::QueryFragment<MultiBackend> for PathIn {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, MultiBackend>,
    ) -> QueryResult<()> {
        if self.patterns.is_empty() {
            out.push_sql("1 = 0");
            return Ok(());
        }
        out.push_sql("(");
        for (i, pattern) in self.patterns.iter().enumerate() {
            if i > 0 {
                out.push_sql(" OR ");
            }
            units::path.walk_ast(out.reborrow())?;
            out.push_sql(" LIKE ");
            out.push_bind_param::<diesel::sql_types::Text, _>(pattern)?;
        }
        out.push_sql(")");
        Ok(())
    }
}
