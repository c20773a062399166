//! The `dync` command line: argument parsing, file IO and exit codes around `dync-compiler`.

use std::collections::BTreeSet;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};
use dync::cli::{
    BuildArgs, CheckArgs, Cli, ColorWhen, Command, CompileArgs, Emit, ExplainArgs, FmtArgs, GraphArgs, GraphFormat,
    MessageFormat, PlanArgs,
};
use dync_compiler::source::{SourceMap, decode};
use dync_compiler::{Code, Diagnostic, FileId, Severity, app, format, render, sema, syntax};

/// Exit code: the program has errors (or warnings under `--deny-warnings`).
const EXIT_PROGRAM_ERRORS: u8 = 1;
/// Exit code: bad usage or an IO error (clap also exits with 2 on usage errors).
const EXIT_USAGE_OR_IO: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => check(&args),
        Command::Fmt(args) => fmt(&args),
        Command::Graph(args) => graph(&args),
        Command::Compile(args) => compile(&args),
        Command::Plan(args) => plan(&args),
        Command::Lsp(_) => match dync_lsp::run_stdio() {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("error: cannot start the language server: {}", io_message(&error));
                ExitCode::from(EXIT_USAGE_OR_IO)
            }
        },
        Command::Explain(args) => explain(&args),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "dync", &mut std::io::stdout());
            ExitCode::SUCCESS
        }
    }
}

/// A file the user asked for that could not be read.
struct IoProblem {
    path: String,
    message: String,
}

/// Reads an app's module files from the directory of its `app` file.
struct DiskLoader {
    dir: PathBuf,
    /// Every file read, so that files reached by an app are not checked again on their own.
    read: Vec<PathBuf>,
}

impl app::Loader for DiskLoader {
    fn load(&mut self, path: &str) -> Result<Vec<u8>, app::LoadError> {
        let full = self.dir.join(path);
        match std::fs::read(&full) {
            Ok(bytes) => {
                self.read.push(full);
                Ok(bytes)
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Err(app::LoadError::NotFound),
            Err(error) => Err(app::LoadError::Other(io_message(&error))),
        }
    }
}

/// Diagnostics to print, with the files they point into.
struct Report {
    sources: SourceMap,
    diagnostics: Vec<Diagnostic>,
}

fn check(args: &CheckArgs) -> ExitCode {
    let mut problems = Vec::new();
    let inputs = collect_inputs(&args.paths, &mut problems);
    let mut files = Vec::new();
    for input in inputs {
        match read_input(&input) {
            Ok((_, bytes)) if u32::try_from(bytes.len()).is_err() => {
                problems
                    .push(IoProblem { path: display_path(&input), message: "file is larger than 4 GiB".to_string() });
            }
            Ok((name, bytes)) => files.push((input, name, bytes)),
            Err(message) => problems.push(IoProblem { path: display_path(&input), message }),
        }
    }

    let inventory = match &args.cluster {
        None => None,
        Some(path) => match read_inventory(path) {
            Ok(inventory) => Some(inventory),
            Err(message) => {
                eprintln!("error: {message}");
                return ExitCode::from(EXIT_USAGE_OR_IO);
            }
        },
    };

    // Apps first: a file with an `app` item is checked with every module it reaches.
    let mut reports: Vec<Report> = Vec::new();
    let mut covered: BTreeSet<PathBuf> = BTreeSet::new();
    let mut files_checked = 0;
    let mut usage_errors = 0;
    let mut rest = Vec::new();
    for (path, name, bytes) in files {
        let decoded = decode(bytes, FileId(0));
        let is_app = decoded.invalid.is_none() && syntax::declares_app(&decoded.text);
        if !is_app {
            rest.push((path, name, decoded));
            continue;
        }
        let dir = match path.parent() {
            Some(parent) if path.as_os_str() != "-" && !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let mut loader = DiskLoader { dir, read: Vec::new() };
        let mut app = app::load(&name, &decoded.text, &mut loader);
        let mut analysis = match analyze(&app, args.profile.as_deref()) {
            Ok(analysis) => analysis,
            Err(message) => {
                eprintln!("error: `{name}`: {message}");
                usage_errors += 1;
                continue;
            }
        };
        if args.emit == Some(Emit::Ir) {
            match &analysis.ir {
                Some(ir) => print!("{}", ir.render()),
                None => eprintln!("note: no IR for `{name}`: the app has errors"),
            }
        }
        if args.emit == Some(Emit::Ast) {
            for module in app.modules.iter().filter(|m| !matches!(m.origin, app::Origin::Std(_))) {
                println!("// {}\n{:#?}", module.path, module.ast);
            }
        }
        files_checked += app.modules.iter().filter(|m| !matches!(m.origin, app::Origin::Std(_))).count();
        covered.insert(canonical(&path));
        covered.extend(loader.read.iter().map(|p| canonical(p)));
        let mut diagnostics = std::mem::take(&mut app.diagnostics);
        diagnostics.extend(std::mem::take(&mut analysis.diagnostics));
        if let Some(inventory) = &inventory {
            diagnostics.extend(feasibility(&app, &analysis, args.profile.as_deref(), inventory));
        }
        dync_compiler::diagnostic::sort_diagnostics(&mut diagnostics);
        reports.push(Report { sources: std::mem::take(&mut app.sources), diagnostics });
        // The trees, the IR and the index are not needed any more; the process exits soon,
        // and tearing large ones down would take longer than the check itself.
        std::mem::forget(analysis);
        std::mem::forget(app);
    }
    // Other files on their own: syntax only (a module is checked as part of its app).
    for (path, name, decoded) in rest {
        if path.as_os_str() != "-" && covered.contains(&canonical(&path)) {
            continue;
        }
        let mut sources = SourceMap::new();
        let file = sources.add(name.clone(), decoded.text.clone());
        let diagnostics = match decoded.invalid {
            Some(diagnostic) => vec![diagnostic],
            None => {
                let parsed = syntax::parse(&decoded.text, file);
                if args.emit == Some(Emit::Ast) {
                    println!("// {name}\n{:#?}", parsed.module);
                }
                parsed.diagnostics
            }
        };
        files_checked += 1;
        reports.push(Report { sources, diagnostics });
    }
    dedupe(&mut reports);

    let all = || reports.iter().flat_map(|r| r.diagnostics.iter());
    let errors = all().filter(|d| d.severity == Severity::Error).count();
    let warnings = all().count() - errors;
    let printed = reports.iter().try_for_each(|report| match args.message_format {
        MessageFormat::Human => print_human(&report.sources, &report.diagnostics, args.color),
        MessageFormat::Json => print_json(&report.sources, &report.diagnostics),
    });
    if let Err(error) = printed {
        eprintln!("error: cannot write diagnostics: {error}");
        return ExitCode::from(EXIT_USAGE_OR_IO);
    }
    for problem in &problems {
        eprintln!("error: cannot read `{}`: {}", problem.path, problem.message);
    }
    if args.message_format == MessageFormat::Human {
        eprintln!("{}", summary(files_checked, errors, warnings));
    }
    if !problems.is_empty() || usage_errors > 0 {
        ExitCode::from(EXIT_USAGE_OR_IO)
    } else if errors > 0 || (args.deny_warnings && warnings > 0) {
        ExitCode::from(EXIT_PROGRAM_ERRORS)
    } else {
        ExitCode::SUCCESS
    }
}

/// Reads a node inventory (YAML) from disk.
fn read_inventory(path: &Path) -> Result<dync_compiler::cluster::Inventory, String> {
    use dync_compiler::cluster::InventoryError;
    let shown = display_path(path);
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read `{shown}`: {}", io_message(&e)))?;
    dync_compiler::cluster::inventory_from_yaml(&text).map_err(|error| match error {
        InventoryError::NotYaml(e) => format!("`{shown}` is not valid YAML: {e}"),
        InventoryError::Unusable(problems) => {
            format!("`{shown}` is not a usable node inventory:\n  {}", problems.join("\n  "))
        }
    })
}

/// Feasibility of the app as written and under every profile (or the one asked for); a
/// problem that only a profile has says so.
fn feasibility(
    app: &app::App,
    analysis: &sema::Analysis,
    profile: Option<&str>,
    inventory: &dync_compiler::cluster::Inventory,
) -> Vec<Diagnostic> {
    let mut found: Vec<Diagnostic> = Vec::new();
    let mut seen = BTreeSet::new();
    let mut add = |diagnostics: Vec<Diagnostic>, profile: Option<&str>| {
        for mut diagnostic in diagnostics {
            if seen.insert((diagnostic.code, diagnostic.primary_span(), diagnostic.message.clone())) {
                if let Some(profile) = profile {
                    diagnostic.notes.push(format!("in profile `{profile}`"));
                }
                found.push(diagnostic);
            }
        }
    };
    if let Some(ir) = &analysis.ir {
        add(dync_compiler::cluster::check(ir, inventory), None);
    }
    if profile.is_none() {
        for name in sema::profile_names(app) {
            if let Some(ir) = sema::analyze_profile(app, &name).and_then(|a| a.ir) {
                add(dync_compiler::cluster::check(&ir, inventory), Some(&name));
            }
        }
    }
    found
}

/// The app as written and under every profile, or under the one profile asked for.
fn analyze(app: &app::App, profile: Option<&str>) -> Result<sema::Analysis, String> {
    let Some(profile) = profile else { return Ok(sema::analyze(app)) };
    sema::analyze_profile(app, profile).ok_or_else(|| {
        let names = sema::profile_names(app);
        let mut message = format!("the app has no profile `{profile}`");
        if let Some(close) = dync_compiler::suggest::closest(profile, names.iter().map(String::as_str)) {
            message.push_str(&format!("; did you mean `{close}`?"));
        } else if names.is_empty() {
            message.push_str(" (it declares none)");
        } else {
            message.push_str(&format!(" (its profiles: {})", names.join(", ")));
        }
        message
    })
}

/// Reads the app file `file` (and the modules it uses) and analyses it, as written or with
/// `profile`: its name, the app and the analysis, or the exit status after saying what is wrong.
/// `what` says what the command does with an app, for a file that has none.
fn load_app(
    file: &Path,
    profile: Option<&str>,
    what: &str,
    format: MessageFormat,
    color: ColorWhen,
) -> Result<(String, app::App, sema::Analysis), ExitCode> {
    let (name, bytes) = match read_input(file) {
        Ok(read) => read,
        Err(message) => {
            eprintln!("error: cannot read `{}`: {message}", display_path(file));
            return Err(ExitCode::from(EXIT_USAGE_OR_IO));
        }
    };
    let decoded = decode(bytes, FileId(0));
    if let Some(diagnostic) = decoded.invalid {
        let mut sources = SourceMap::new();
        sources.add(name, decoded.text);
        report(&sources, &[diagnostic], format, color);
        return Err(ExitCode::from(EXIT_PROGRAM_ERRORS));
    }
    if !syntax::declares_app(&decoded.text) {
        eprintln!("error: `{name}` has no `app` item: {what}");
        return Err(ExitCode::from(EXIT_USAGE_OR_IO));
    }
    let dir = match file.parent() {
        Some(parent) if file.as_os_str() != "-" && !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let app = app::load(&name, &decoded.text, &mut DiskLoader { dir, read: Vec::new() });
    match analyze(&app, profile) {
        Ok(analysis) => Ok((name, app, analysis)),
        Err(message) => {
            eprintln!("error: `{name}`: {message}");
            Err(ExitCode::from(EXIT_USAGE_OR_IO))
        }
    }
}

/// A path for comparing files reached in different ways (`a/../b.dyn`, links).
fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Drops diagnostics already in an earlier report (a module shared by two apps is reported once).
fn dedupe(reports: &mut [Report]) {
    let mut seen = BTreeSet::new();
    for report in reports.iter_mut() {
        let sources = &report.sources;
        report.diagnostics.retain(|d| {
            let file = d.primary_span().and_then(|s| sources.get(s.file)).map(|f| f.name.clone()).unwrap_or_default();
            let span = d.primary_span().map(|s| (s.start, s.end));
            seen.insert((file, d.code, span, d.message.clone()))
        });
    }
}

fn graph(args: &GraphArgs) -> ExitCode {
    let (name, app, analysis) = match load_app(
        &args.file,
        args.profile.as_deref(),
        "`dync graph` draws an app",
        MessageFormat::Human,
        args.color,
    ) {
        Ok(loaded) => loaded,
        Err(status) => return status,
    };
    let Some(ir) = &analysis.ir else {
        let mut diagnostics = app.diagnostics.clone();
        diagnostics.extend(analysis.diagnostics);
        dync_compiler::diagnostic::sort_diagnostics(&mut diagnostics);
        let _ = print_human(&app.sources, &diagnostics, args.color);
        eprintln!("error: `{name}` has errors: no graph");
        return ExitCode::from(EXIT_PROGRAM_ERRORS);
    };
    match args.format {
        GraphFormat::Dot => print!("{}", dync_compiler::graph::dot(ir)),
        GraphFormat::Mermaid => print!("{}", dync_compiler::graph::mermaid(ir)),
    }
    ExitCode::SUCCESS
}

/// Checks and compiles the app of `args` as `command` (`compile`, `plan`) does, printing its
/// diagnostics: the app's name and the output, or the exit status to end with.
fn build(args: &BuildArgs, command: &str) -> Result<(String, dync_compiler::emit::Output), ExitCode> {
    if let Some(namespace) = &args.namespace
        && !dync_compiler::sema::flow::is_dns_1123_label(namespace)
    {
        eprintln!(
            "error: `--namespace {namespace}` is not a Kubernetes namespace: use at most 63 lowercase letters, digits and `-`, starting and ending with a letter or digit"
        );
        return Err(ExitCode::from(EXIT_USAGE_OR_IO));
    }
    for (flag, value) in [("--image-registry", &args.image_registry), ("--runtime-image", &args.runtime_image)] {
        if let Some(value) = value
            && (value.is_empty() || value.chars().any(|c| c.is_whitespace() || c.is_control()))
        {
            eprintln!("error: `{flag}` must be a non-empty image reference without spaces, found {value:?}");
            return Err(ExitCode::from(EXIT_USAGE_OR_IO));
        }
    }
    let what = format!("`dync {command}` compiles an app");
    let (name, app, analysis) = load_app(&args.file, args.profile.as_deref(), &what, args.message_format, args.color)?;
    let mut diagnostics = app.diagnostics.clone();
    diagnostics.extend(analysis.diagnostics.iter().cloned());
    let options = dync_compiler::emit::Options {
        namespace: args.namespace.clone(),
        image_registry: args.image_registry.clone(),
        runtime_image: args.runtime_image.clone(),
        // The output is the same on any number of threads.
        threads: std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
    };
    let output = if diagnostics.iter().any(Diagnostic::is_error) {
        None
    } else {
        match dync_compiler::emit::compile(&analysis, &options) {
            Ok(output) => Some(output),
            Err(errors) => {
                diagnostics.extend(errors);
                None
            }
        }
    };
    dync_compiler::diagnostic::sort_diagnostics(&mut diagnostics);
    // Warnings are shown; they do not stop the output.
    report(&app.sources, &diagnostics, args.message_format, args.color);
    match output {
        Some(output) => Ok((name, output)),
        None => {
            let errors = diagnostics.iter().filter(|d| d.is_error()).count();
            let what = if command == "plan" { "no plan" } else { "nothing written" };
            eprintln!("error: `{name}` has {}: {what}", plural(errors, "error"));
            Err(ExitCode::from(EXIT_PROGRAM_ERRORS))
        }
    }
}

fn compile(args: &CompileArgs) -> ExitCode {
    let to_stdout = args.output.as_os_str() == "-";
    if to_stdout && args.build.message_format == MessageFormat::Json {
        eprintln!(
            "error: `-o -` writes YAML to stdout, where `--message-format json` writes diagnostics: use one of them"
        );
        return ExitCode::from(EXIT_USAGE_OR_IO);
    }
    let (name, output) = match build(&args.build, "compile") {
        Ok(built) => built,
        Err(status) => return status,
    };
    if to_stdout {
        let mut stdout = std::io::stdout().lock();
        if let Err(error) = stdout.write_all(output.stream().as_bytes()).and_then(|()| stdout.flush()) {
            eprintln!("error: cannot write to stdout: {}", io_message(&error));
            return ExitCode::from(EXIT_USAGE_OR_IO);
        }
        return ExitCode::SUCCESS;
    }
    match dync::output::write(&args.output, &output.files) {
        Ok(summary) => {
            let functions = output.files.iter().filter(|f| f.path.ends_with("/deployment.yaml")).count();
            eprintln!(
                "compiled `{name}`{} into `{}`: {}, {} ({} unchanged{})",
                args.build.profile.as_ref().map(|p| format!(" (profile `{p}`)")).unwrap_or_default(),
                display_path(&args.output),
                plural(functions, "function"),
                plural(output.files.len(), "file"),
                summary.unchanged,
                if summary.removed.is_empty() {
                    String::new()
                } else {
                    format!(", removed {}", summary.removed.join(", "))
                }
            );
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(EXIT_USAGE_OR_IO)
        }
    }
}

/// `dync plan`'s exit status when applying the compile would change something.
const EXIT_PLAN_CHANGES: u8 = 3;

fn plan(args: &PlanArgs) -> ExitCode {
    // The directory is read first: a mistyped path is reported before any compile.
    let previous = match dync::output::read_generated(&args.against) {
        Ok(files) => files,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(EXIT_USAGE_OR_IO);
        }
    };
    let (name, output) = match build(&args.build, "plan") {
        Ok(built) => built,
        Err(status) => return status,
    };
    let app_name = output.app.clone();
    let plan = match dync_compiler::plan::plan(&app_name, args.build.profile.as_deref(), &output.files, &previous) {
        Ok(plan) => plan,
        Err(message) => {
            eprintln!("error: `{}`: {message}", display_path(&args.against));
            return ExitCode::from(EXIT_USAGE_OR_IO);
        }
    };
    let text = match args.build.message_format {
        MessageFormat::Human => plan.render(&name, &display_path(&args.against)),
        MessageFormat::Json => {
            let mut line = serde_json::to_string(&plan).unwrap_or_default();
            line.push('\n');
            line
        }
    };
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        eprintln!("error: cannot write to stdout: {}", io_message(&error));
        return ExitCode::from(EXIT_USAGE_OR_IO);
    }
    if plan.has_changes() { ExitCode::from(EXIT_PLAN_CHANGES) } else { ExitCode::SUCCESS }
}

/// Prints diagnostics in the chosen format (JSON on stdout, human on stderr).
fn report(sources: &SourceMap, diagnostics: &[Diagnostic], format: MessageFormat, color: ColorWhen) {
    let _ = match format {
        MessageFormat::Human => print_human(sources, diagnostics, color),
        MessageFormat::Json => print_json(sources, diagnostics),
    };
}

fn fmt(args: &FmtArgs) -> ExitCode {
    let mut problems = Vec::new();
    let inputs = collect_inputs(&args.paths, &mut problems);
    let mut sources = SourceMap::new();
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut would_change = Vec::new();
    let mut formatted_count = 0;
    for input in inputs {
        let (name, bytes) = match read_input(&input) {
            Ok(read) => read,
            Err(message) => {
                problems.push(IoProblem { path: display_path(&input), message });
                continue;
            }
        };
        if u32::try_from(bytes.len()).is_err() {
            problems.push(IoProblem { path: name, message: "file is larger than 4 GiB".to_string() });
            continue;
        }
        let file = dync_compiler::FileId(u32::try_from(sources.len()).unwrap_or(u32::MAX));
        let decoded = decode(bytes, file);
        if let Some(diagnostic) = decoded.invalid {
            sources.add(name, decoded.text);
            diagnostics.push(diagnostic);
            continue;
        }
        let text = decoded.text;
        match format::format(&text, file) {
            Err(errors) => {
                diagnostics.extend(errors);
                sources.add(name, text);
            }
            Ok(formatted) => {
                let is_stdin = input.as_os_str() == "-";
                if is_stdin && !args.check {
                    print!("{formatted}");
                } else if formatted != text {
                    if args.check {
                        would_change.push(name.clone());
                    } else if let Err(error) = std::fs::write(&input, formatted.as_bytes()) {
                        problems.push(IoProblem {
                            path: name.clone(),
                            message: format!("cannot write: {}", io_message(&error)),
                        });
                    } else {
                        formatted_count += 1;
                    }
                }
                sources.add(name, text);
            }
        }
    }
    if let Err(error) = print_human(&sources, &diagnostics, args.color) {
        eprintln!("error: cannot write diagnostics: {error}");
        return ExitCode::from(EXIT_USAGE_OR_IO);
    }
    for problem in &problems {
        eprintln!("error: cannot read `{}`: {}", problem.path, problem.message);
    }
    for name in &would_change {
        println!("{name}");
    }
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    if args.check && !would_change.is_empty() {
        eprintln!("{} would be reformatted", plural(would_change.len(), "file"));
    } else if !args.check && formatted_count > 0 {
        eprintln!("formatted {}", plural(formatted_count, "file"));
    }
    if errors > 0 {
        eprintln!(
            "{} not formatted: syntax errors",
            plural(
                diagnostics
                    .iter()
                    .map(|d| d.primary_span().map(|s| s.file))
                    .collect::<std::collections::BTreeSet<_>>()
                    .len(),
                "file"
            )
        );
    }
    if !problems.is_empty() {
        ExitCode::from(EXIT_USAGE_OR_IO)
    } else if errors > 0 || !would_change.is_empty() {
        ExitCode::from(EXIT_PROGRAM_ERRORS)
    } else {
        ExitCode::SUCCESS
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") }
}

fn summary(files: usize, errors: usize, warnings: usize) -> String {
    format!("checked {}: {}, {}", plural(files, "file"), plural(errors, "error"), plural(warnings, "warning"))
}

/// Expands directories into their `*.dyn` files (sorted, hidden and build folders skipped).
fn collect_inputs(paths: &[PathBuf], problems: &mut Vec<IoProblem>) -> Vec<PathBuf> {
    let mut inputs = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(path.clone());
        } else if path.is_dir() {
            let mut found = Vec::new();
            if let Err(error) = find_dyn_files(path, &mut found) {
                problems.push(IoProblem { path: display_path(path), message: error.to_string() });
            }
            found.sort();
            if found.is_empty() {
                problems.push(IoProblem {
                    path: display_path(path),
                    message: "no .dyn files in this directory".to_string(),
                });
            }
            inputs.extend(found);
        } else {
            inputs.push(path.clone());
        }
    }
    inputs.dedup();
    inputs
}

fn find_dyn_files(dir: &Path, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if entry.file_type()?.is_dir() {
                if !name.starts_with('.') && name != "target" && name != "node_modules" {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "dyn") {
                found.push(path);
            }
        }
    }
    Ok(())
}

fn read_input(path: &Path) -> Result<(String, Vec<u8>), String> {
    if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes).map_err(|e| e.to_string())?;
        return Ok(("<stdin>".to_string(), bytes));
    }
    if path.is_dir() {
        return Err("is a directory".to_string());
    }
    let bytes = std::fs::read(path).map_err(|e| io_message(&e))?;
    Ok((display_path(path), bytes))
}

fn io_message(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => error.to_string(),
    }
}

fn display_path(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

fn color_choice(when: ColorWhen) -> ColorChoice {
    match when {
        ColorWhen::Always => ColorChoice::Always,
        ColorWhen::Never => ColorChoice::Never,
        ColorWhen::Auto => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            if no_color || !std::io::stderr().is_terminal() { ColorChoice::Never } else { ColorChoice::Auto }
        }
    }
}

fn print_human(sources: &SourceMap, diagnostics: &[Diagnostic], color: ColorWhen) -> std::io::Result<()> {
    let stream = StandardStream::stderr(color_choice(color));
    let mut lock = stream.lock();
    for diagnostic in diagnostics {
        render::emit(&mut lock, sources, diagnostic)?;
    }
    Ok(())
}

fn print_json(sources: &SourceMap, diagnostics: &[Diagnostic]) -> std::io::Result<()> {
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    for diagnostic in diagnostics {
        writeln!(lock, "{}", render::to_json_line(sources, diagnostic))?;
    }
    lock.flush()
}

fn explain(args: &ExplainArgs) -> ExitCode {
    if args.list {
        for code in Code::ALL {
            println!("{}  {:<7}  {}", code, severity_word(code.severity()), code.title());
        }
        return ExitCode::SUCCESS;
    }
    let Some(text) = &args.code else {
        eprintln!("error: give a code to explain, e.g. `dync explain E0004`, or `--list`");
        return ExitCode::from(EXIT_USAGE_OR_IO);
    };
    match Code::parse(text) {
        Some(code) => {
            print!("{}", code.explanation());
            ExitCode::SUCCESS
        }
        None => {
            eprintln!("error: unknown diagnostic code `{text}`");
            eprintln!("help: `dync explain --list` lists every code");
            ExitCode::from(EXIT_USAGE_OR_IO)
        }
    }
}

fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}
