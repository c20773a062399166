//! Writes a generated node inventory (native form) to stdout: `generate_inventory NODES`.

#[path = "../benches/generated_app.rs"]
mod generated_app;

use std::io::Write;

fn main() -> std::process::ExitCode {
    let nodes = match std::env::args().nth(1).map(|a| a.parse::<usize>()) {
        None => 1_000,
        Some(Ok(n)) => n,
        Some(Err(e)) => {
            eprintln!("error: NODES must be a whole number: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    if let Err(e) = std::io::stdout().write_all(generated_app::generate_inventory(nodes).as_bytes()) {
        eprintln!("error: cannot write: {e}");
        return std::process::ExitCode::from(2);
    }
    std::process::ExitCode::SUCCESS
}
