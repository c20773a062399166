//! The command-line interface's definition (clap), shared by the binary and by the test that
//! generates `docs/cli.md` from it.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "dync",
    version,
    about = "Check, compile and serve .dyn distributed dataflow programs",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check .dyn files for errors without producing output
    ///
    /// Exit status: 0 when clean, 1 when the program has errors, 2 on bad usage or IO errors.
    Check(CheckArgs),
    /// Format .dyn files in the canonical layout (in place), or check that they are
    ///
    /// Files with syntax errors are left untouched and reported (exit status 1). With `--check`
    /// nothing is written: the files that would change are listed and the exit status is 1.
    Fmt(FmtArgs),
    /// Draw an app's dataflow: functions as nodes, edges labelled with their types, flows as clusters
    ///
    /// Prints Graphviz DOT (render it with `dot -Tsvg`) or Mermaid to stdout. The app must check
    /// without errors; its diagnostics are printed otherwise (exit status 1).
    Graph(GraphArgs),
    /// Compile an app into Kubernetes manifests, a kustomization.yaml and its runtime configuration
    ///
    /// `dync compile app.dyn -o out/ && kubectl apply -k out/` deploys the app: per function a
    /// Deployment, Service, ConfigMap, ServiceAccount and NetworkPolicy (and an HPA and a
    /// PodDisruptionBudget when its placement asks), plus the Namespace; `out/runtime.yaml` holds
    /// the whole app's runtime configuration. Files dync wrote before and no longer writes are
    /// removed; other files are left alone, and a file dync would overwrite that it did not write
    /// is an error. Nothing is written when the app has errors (exit status 1).
    Compile(CompileArgs),
    /// Show what compiling an app would change in an earlier output directory
    ///
    /// Compiles the app as `dync compile` would (same options), compares the result with the
    /// files of an earlier compile in `--against DIR`, and prints per function whether it is
    /// created, removed, unchanged or changed, and what changed in the words of the program:
    /// "body changed (restart)", "routes: + alert (no restart)", "moves: tier=edge → tier=cloud
    /// (reschedule)", "scale: 2 → 1..4 autoscaled (no restart)"; then app-wide changes. Nothing is
    /// written. Exit status 0 when nothing would change, 3 when something would, 1 when the app
    /// has errors, 2 on bad usage or an unreadable directory.
    Plan(PlanArgs),
    /// Run the language server (LSP over stdin/stdout) for editors
    ///
    /// Diagnostics for every file of the app being edited, hover, go to definition, find
    /// references, document symbols, formatting (as `dync fmt`) and folding. The standard library
    /// and the explanation of each code are written read-only under
    /// `$XDG_CACHE_HOME/dync/<version>/` (default `~/.cache/dync/<version>/`) so the editor can
    /// open them. Editor set-up: docs/editors.md.
    Lsp(LspArgs),
    /// Explain a diagnostic code: what it means, a program that triggers it, how to fix it
    Explain(ExplainArgs),
    /// Print a shell completion script to stdout
    Completions {
        /// The shell to generate completions for
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files or directories to check (directories are searched for *.dyn files); `-` reads stdin
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// How to print diagnostics
    #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
    pub message_format: MessageFormat,
    /// Treat warnings as errors (exit status 1)
    #[arg(long)]
    pub deny_warnings: bool,
    /// Check only this profile (by default the app is checked as written and under every profile)
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,
    /// Also check that some node of this inventory can run each function: the output of
    /// `kubectl get nodes -o yaml`, or the native form (docs/language.md, "Feasibility")
    #[arg(long, value_name = "NODES.yaml")]
    pub cluster: Option<PathBuf>,
    /// Also print an intermediate form to stdout: `ast` (each file's syntax tree) or `ir` (each app's dataflow graph)
    #[arg(long, value_enum)]
    pub emit: Option<Emit>,
    /// When to colour human-readable output (`auto` honours NO_COLOR and whether stderr is a terminal)
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
}

#[derive(Debug, clap::Args)]
pub struct FmtArgs {
    /// Files or directories to format (directories are searched for *.dyn files); `-` formats
    /// stdin to stdout
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Write nothing; list the files whose layout differs and exit with status 1 if any does
    #[arg(long)]
    pub check: bool,
    /// When to colour diagnostics (`auto` honours NO_COLOR and whether stderr is a terminal)
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
}

#[derive(Debug, clap::Args)]
pub struct GraphArgs {
    /// The app's file (the one with the `app` item); `-` reads stdin
    pub file: PathBuf,
    /// The output format
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
    /// Draw the app with this profile applied
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,
    /// When to colour diagnostics (`auto` honours NO_COLOR and whether stderr is a terminal)
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
}

/// What `dync compile` and `dync plan` share: the app and the options it is compiled with.
#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    /// The app's file (the one with the `app` item)
    pub file: PathBuf,
    /// Compile the app with this profile applied
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,
    /// The Kubernetes namespace (overrides the profile and the `app` item; default: the app's name)
    #[arg(long, value_name = "NS")]
    pub namespace: Option<String>,
    /// Registry for handler images written without one (`decode:1.4` becomes `R/decode:1.4`);
    /// overrides `registry` of the profile and the `app` item
    #[arg(long, value_name = "R")]
    pub image_registry: Option<String>,
    /// The dync runtime image (overrides `runtime_image`; default: the runtime of this dync version)
    #[arg(long, value_name = "IMAGE")]
    pub runtime_image: Option<String>,
    /// How to print diagnostics (and, for `plan`, the plan)
    #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
    pub message_format: MessageFormat,
    /// When to colour diagnostics (`auto` honours NO_COLOR and whether stderr is a terminal)
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
}

#[derive(Debug, clap::Args)]
pub struct LspArgs {
    /// Speak LSP over stdin/stdout (the only transport; accepted because editors pass it)
    #[arg(long)]
    pub stdio: bool,
}

#[derive(Debug, clap::Args)]
pub struct CompileArgs {
    #[command(flatten)]
    pub build: BuildArgs,
    /// The output directory (created if missing), or `-` for one multi-document YAML stream of
    /// the Kubernetes objects on stdout
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    pub output: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub build: BuildArgs,
    /// The output directory of an earlier `dync compile` (what is deployed)
    #[arg(long, value_name = "DIR")]
    pub against: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Graphviz DOT
    Dot,
    /// A Mermaid flowchart
    Mermaid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MessageFormat {
    /// Rendered with source snippets, on stderr
    Human,
    /// One JSON object per line on stdout: code, severity, message, labels (file, byte range,
    /// 1-based line/column range), notes, help
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Emit {
    /// The syntax tree of each file, with byte spans
    Ast,
    /// The dataflow graph of each app: function instances, their types, settings and edges
    Ir,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The code to explain, e.g. E0004
    #[arg(required_unless_present = "list")]
    pub code: Option<String>,
    /// List every code with its title
    #[arg(long, conflicts_with = "code")]
    pub list: bool,
}

/// The reference of every command, option and argument, in Markdown (`docs/cli.md`).
pub fn markdown() -> String {
    use clap::CommandFactory;
    let mut command = Cli::command();
    command.build();
    let mut out = String::new();
    out.push_str("# Command-line reference\n\n");
    out.push_str("<!-- Generated from the clap definition in src/cli.rs by `DYNC_UPDATE_DOCS=1 cargo test --test generated_docs`; do not edit. -->\n\n");
    out.push_str(&format!("{}\n\n", command.get_about().map(|a| a.to_string()).unwrap_or_default()));
    out.push_str("Exit status, for every command: `0` success, `1` the program has errors (or, for `fmt --check`, files would change), `2` bad usage or an IO error.\n\n");
    out.push_str("Global options: `--help` (`-h`) on every command, `--version` (`-V`).\n\n");
    for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
        let mut sub = sub.clone();
        out.push_str(&format!("## `dync {}`\n\n", sub.get_name()));
        let usage = sub.render_usage().to_string();
        let usage = usage.trim_start_matches("Usage: ");
        out.push_str(&format!("```text\n{}\n```\n\n", usage.trim()));
        let about = sub.get_long_about().or(sub.get_about()).map(|a| a.to_string()).unwrap_or_default();
        out.push_str(&format!("{}\n\n", about.trim()));
        let args: Vec<_> = sub.get_arguments().filter(|a| !matches!(a.get_id().as_str(), "help" | "version")).collect();
        if args.is_empty() {
            continue;
        }
        out.push_str("| argument | description |\n|---|---|\n");
        for arg in args {
            let name = match (arg.get_long(), arg.get_short()) {
                (Some(long), _) => {
                    let value =
                        arg.get_value_names().and_then(|v| v.first()).map(|v| format!(" <{v}>")).unwrap_or_default();
                    let takes_value = arg.get_num_args().is_some_and(|n| n.takes_values());
                    format!("`--{long}{}`", if takes_value { value } else { String::new() })
                }
                (None, Some(short)) => format!("`-{short}`"),
                (None, None) => format!(
                    "`<{}>`",
                    arg.get_value_names()
                        .and_then(|v| v.first())
                        .map_or(arg.get_id().as_str().to_uppercase(), |v| v.to_string())
                ),
            };
            let help =
                arg.get_long_help().or(arg.get_help()).map(|h| h.to_string()).unwrap_or_default().replace('\n', " ");
            let mut details = Vec::new();
            let values: Vec<String> = arg
                .get_possible_values()
                .iter()
                .filter(|v| !v.is_hide_set())
                .map(|v| match v.get_help() {
                    Some(h) => format!("`{}` ({})", v.get_name(), h.to_string().replace('\n', " ")),
                    None => format!("`{}`", v.get_name()),
                })
                .collect();
            if !values.is_empty() {
                details.push(format!("one of: {}", values.join(", ")));
            }
            let takes_value = arg.get_num_args().is_some_and(|n| n.takes_values());
            let defaults: Vec<String> =
                arg.get_default_values().iter().map(|d| d.to_string_lossy().into_owned()).collect();
            if takes_value && !defaults.is_empty() {
                details.push(format!("default: `{}`", defaults.join(" ")));
            }
            let details = if details.is_empty() { String::new() } else { format!(" ({})", details.join("; ")) };
            out.push_str(&format!("| {name} | {}{details} |\n", help.replace('|', "\\|")));
        }
        out.push('\n');
    }
    out
}
