use clap::Parser;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[expect(
    clippy::print_stderr,
    reason = "a command that failed says why where its operator looks"
)]
fn main() -> std::process::ExitCode {
    // A missing .env is normal; a malformed one is reported by the variables it breaks.
    let _ = dotenvy::dotenv();
    let cli = danvan::cli::Cli::parse();
    match danvan::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
