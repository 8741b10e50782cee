// Translations, templates and assets are compiled into the binary; rebuild when they change.
fn main() {
    for dir in ["locales", "templates", "static", "migrations"] {
        println!("cargo:rerun-if-changed={dir}");
    }
}
