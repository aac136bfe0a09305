//! `pullpath`: the command-line front end. Argument parsing and file I/O live here; all
//! analysis and planning is in `pullpath-core`.

mod analyze;
mod plan;
mod terminal;

use std::process::ExitCode;

// Same allocator as the analysis benchmark measures (docs/benchmarks.md).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "usage:
  pullpath analyze SNAPSHOT [--format json|jsonl|text] [--explanations shared|inline] [--fail-on high|medium|low]
  pullpath plan SNAPSHOT --fix FINDING_ID|all [--format arm|az|bicep|arm-template|terraform]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match args.first().map(String::as_str) {
        Some("analyze") => analyze::run(&args[1..]),
        Some("plan") => plan::run(&args[1..]),
        Some("--version") => {
            println!("pullpath {}", env!("CARGO_PKG_VERSION"));
            0
        }
        _ => {
            eprintln!("{USAGE}");
            2
        }
    };
    ExitCode::from(code)
}
