use clap::Parser;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("TRACEHUB_LOG")
                .unwrap_or_else(|_| EnvFilter::new("warn,sqlx=error")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = tracehub::cli::Cli::parse();
    if let Err(error) = tracehub::cli::run(cli).await {
        eprintln!("error: {error:#}");
        std::process::exit(tracehub::error::EXIT_FAILURE);
    }
}
