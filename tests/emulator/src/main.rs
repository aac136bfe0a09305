//! `pullpath-emulator`: starts the loopback ARM emulator (see docs/emulator.md).

use clap::Parser;
use pullpath_emulator::{start, Config};

#[tokio::main]
async fn main() {
    let config = Config::parse();
    if config.insecure_accept_any_token {
        eprintln!("pullpath-emulator: WARNING --insecure-accept-any-token: every bearer token is accepted; use this for local demos only");
    }
    match start(config.clone()).await {
        Ok(running) => {
            println!("pullpath-emulator: ARM on {} (scenario {}, latency {} ms)", running.base_url, config.scenario, config.latency_ms);
            running.wait().await;
        }
        Err(e) => {
            eprintln!("pullpath-emulator: {e}");
            std::process::exit(2);
        }
    }
}
