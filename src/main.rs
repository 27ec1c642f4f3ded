use clap::Parser;
use tracehub::config::LogFormat;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() {
    // `.env` first, so LOG_FORMAT and TRACEHUB_LOG may come from it too.
    let _ = dotenvy::dotenv();
    let format = LogFormat::from_env().unwrap_or_else(|error| {
        eprintln!("error: {error:#}");
        std::process::exit(tracehub::error::EXIT_FAILURE);
    });
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("TRACEHUB_LOG")
                .unwrap_or_else(|_| EnvFilter::new("warn,sqlx=error")),
        )
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().flatten_event(true).init(),
    }
    let cli = tracehub::cli::Cli::parse();
    if let Err(error) = tracehub::cli::run(cli).await {
        eprintln!("error: {error:#}");
        std::process::exit(tracehub::error::EXIT_FAILURE);
    }
}
