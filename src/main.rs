//! Entry point of the `sarabun` binary; everything happens in `sarabun::cli`.

use clap::Parser;

#[tokio::main]
async fn main() {
    let cli = sarabun::cli::Cli::parse();
    match sarabun::cli::run(cli).await {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("sarabun: {e:#}");
            std::process::exit(2);
        }
    }
}
