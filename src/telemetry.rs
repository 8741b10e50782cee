//! Structured logs with tracing: human-readable by default, JSON with `LOG_JSON=true`.

use tracing_subscriber::EnvFilter;

pub fn init(json: bool) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,actix_server=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    // A second init (in tests) is harmless and ignored.
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
