//! Generates the lalrpop parser from `grammar/dyn.lalrpop` into OUT_DIR.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out_dir = std::env::var("OUT_DIR")?;
    lalrpop::Configuration::new().set_in_dir("../grammar").set_out_dir(out_dir).emit_rerun_directives(true).process()
}
