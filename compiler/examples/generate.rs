//! Writes a generated benchmark program to stdout: `generate LINES` (default 100000).

#[path = "../benches/generated.rs"]
mod generated;

use std::io::Write;

fn main() -> std::process::ExitCode {
    let lines = match std::env::args().nth(1).map(|a| a.parse::<usize>()) {
        None => 100_000,
        Some(Ok(lines)) => lines,
        Some(Err(e)) => {
            eprintln!("error: LINES must be a whole number: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let program = generated::generate(lines);
    if let Err(e) = std::io::stdout().write_all(program.as_bytes()) {
        eprintln!("error: cannot write: {e}");
        return std::process::ExitCode::from(2);
    }
    std::process::ExitCode::SUCCESS
}
