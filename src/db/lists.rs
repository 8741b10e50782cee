//! Short lists kept as data — the fields of "Dân vận khéo" models, the
//! procedures of the duty desk — share one shape (code, names, active, order)
//! and so one set of functions, generated per table.

macro_rules! data_list {
    ($table:ident, $entity:literal) => {
        pub mod $table {
            use diesel::prelude::*;
            use serde::Serialize;
            use serde_json::json;

            use crate::db::audit::{diff, Change};
            use crate::db::schema::$table;
            use crate::db::tasks::CategoryFields;
            use crate::db::DbConnection;

            #[derive(Debug, Clone, Queryable, Selectable, Serialize)]
            #[diesel(table_name = $table)]
            pub struct Entry {
                pub id: i64,
                pub code: String,
                pub name_vi: String,
                pub name_en: String,
                pub active: bool,
                pub sort_order: i32,
            }

            /// Every entry, retired ones too, in order.
            pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<Entry>> {
                $table::table
                    .order(($table::sort_order, $table::id))
                    .select(Entry::as_select())
                    .load(conn)
            }

            pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Entry>> {
                $table::table
                    .find(id)
                    .select(Entry::as_select())
                    .first(conn)
                    .optional()
            }

            pub fn code_taken(conn: &mut DbConnection, code: &str) -> QueryResult<bool> {
                diesel::select(diesel::dsl::exists(
                    $table::table.filter($table::code.eq(code)),
                ))
                .get_result(conn)
            }

            /// Adds an entry; the shared list form's site-clearance flag does not apply.
            pub fn create(
                conn: &mut DbConnection,
                code: &str,
                f: &CategoryFields,
            ) -> QueryResult<Change> {
                let id: i64 = diesel::insert_into($table::table)
                    .values((
                        $table::code.eq(code),
                        $table::name_vi.eq(&f.name_vi),
                        $table::name_en.eq(&f.name_en),
                        $table::active.eq(f.active),
                        $table::sort_order.eq(f.sort_order),
                    ))
                    .returning($table::id)
                    .get_result(conn)?;
                Ok(Change::new("create", $entity, id, json!(f)))
            }

            pub fn update(
                conn: &mut DbConnection,
                id: i64,
                f: &CategoryFields,
            ) -> QueryResult<Option<Change>> {
                let Some(before) = find(conn, id)? else {
                    return Ok(None);
                };
                diesel::update($table::table.find(id))
                    .set((
                        $table::name_vi.eq(&f.name_vi),
                        $table::name_en.eq(&f.name_en),
                        $table::active.eq(f.active),
                        $table::sort_order.eq(f.sort_order),
                    ))
                    .execute(conn)?;
                let old = json!({"name_vi": before.name_vi, "name_en": before.name_en, "active": before.active, "sort_order": before.sort_order});
                Ok(Some(Change::new("update", $entity, id, diff(&old, f))))
            }
        }
    };
}

data_list!(model_fields, "model_field");
data_list!(desk_procedures, "desk_procedure");
