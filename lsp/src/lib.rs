//! dync-lsp: the language server (LSP over stdio), a thin adapter over `dync_compiler::ide`.
//!
//! Edits update the documents at once and wake one analysis worker, which analyses the latest
//! documents off the request path (`spawn_blocking`), publishes diagnostics and stores the
//! result as an `Arc` snapshot. A request waits until the snapshot covers every edit made before
//! it, then answers from that snapshot alone, so its positions always match the text they were
//! computed on. Every handler runs its work under `catch_unwind`: a bug answers one request with
//! an error, and the server goes on.

mod cache;
mod handlers;
pub mod position;
mod workspace;

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{Notify, watch};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService, Server};

pub use cache::Cache;
use workspace::{Document, Snapshot};

/// How long a request waits for the analysis of the edits before it (then it answers from the
/// last finished one).
const ANALYSIS_WAIT: Duration = Duration::from_secs(10);

/// Runs the language server on stdin/stdout until the client exits.
pub fn run_stdio() -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let (service, socket) = service(Options::from_env());
        Server::new(tokio::io::stdin(), tokio::io::stdout(), socket).serve(service).await;
    });
    Ok(())
}

/// How the server is set up.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Where the standard library and the explanations are written (`None`: nowhere; go to
    /// definition into the standard library and explanation links are then unavailable).
    pub cache_dir: Option<std::path::PathBuf>,
}

impl Options {
    /// `$XDG_CACHE_HOME/dync/<version>` or `$HOME/.cache/dync/<version>`.
    pub fn from_env() -> Options {
        let xdg = std::env::var("XDG_CACHE_HOME").ok();
        let home = std::env::var("HOME").ok();
        Options { cache_dir: Cache::default_dir(xdg.as_deref(), home.as_deref()) }
    }
}

/// The service, for `Server::serve` or for calling in-process (tests, benchmarks).
pub fn service(options: Options) -> (LspService<Backend>, tower_lsp_server::ClientSocket) {
    LspService::new(move |client| Backend::new(client, options))
}

/// What the handlers share.
struct State {
    documents: HashMap<Uri, Document>,
    /// Bumped by every change to `documents`.
    generation: u64,
    snapshot: Arc<Snapshot>,
    /// URIs whose last published diagnostics were not empty (to clear when they drop out).
    published: BTreeSet<Uri>,
    cache: Option<Arc<Cache>>,
    worker_started: bool,
    /// The node inventory's labels (`cluster` setting), for completion in `place` blocks.
    cluster: Option<Arc<dync_compiler::ide::ClusterLabels>>,
    /// Where relative setting paths start: the workspace's root folder.
    root: Option<std::path::PathBuf>,
}

pub struct Backend {
    client: Client,
    state: Arc<Mutex<State>>,
    /// The generation of the last finished analysis.
    analyzed: watch::Sender<u64>,
    wake: Arc<Notify>,
    options: Options,
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backend").finish_non_exhaustive()
    }
}

/// Locks the state; a panic while it was held leaves plain data behind, still usable.
fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Backend {
    fn new(client: Client, options: Options) -> Backend {
        let (analyzed, _) = watch::channel(0);
        Backend {
            client,
            state: Arc::new(Mutex::new(State {
                documents: HashMap::new(),
                generation: 0,
                snapshot: Arc::new(Snapshot::default()),
                published: BTreeSet::new(),
                cache: None,
                worker_started: false,
                cluster: None,
                root: None,
            })),
            analyzed,
            wake: Arc::new(Notify::new()),
            options,
        }
    }

    /// Starts the analysis worker once: it waits for a wake-up, analyses the latest documents
    /// if they changed since its last run, publishes, and goes back to waiting.
    fn start_worker(&self) {
        {
            let mut state = lock(&self.state);
            if state.worker_started {
                return;
            }
            state.worker_started = true;
        }
        let state = Arc::clone(&self.state);
        let wake = Arc::clone(&self.wake);
        let analyzed = self.analyzed.clone();
        let client = self.client.clone();
        tokio::spawn(async move {
            loop {
                wake.notified().await;
                let (documents, generation, cache) = {
                    let state = lock(&state);
                    if state.generation == state.snapshot.generation && state.generation != 0 {
                        continue;
                    }
                    (state.documents.clone(), state.generation, state.cache.clone())
                };
                // Diagnostics carry the version they were computed on.
                let versions: HashMap<Uri, i32> = documents.iter().map(|(u, d)| (u.clone(), d.version)).collect();
                let result = tokio::task::spawn_blocking(move || {
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        workspace::analyze(&documents, generation, cache.as_deref())
                    }))
                })
                .await;
                let snapshot = match result {
                    Ok(Ok(snapshot)) => snapshot,
                    _ => {
                        client
                            .log_message(MessageType::ERROR, "dync: the analysis failed; please report this file")
                            .await;
                        Snapshot { generation, ..Snapshot::default() }
                    }
                };
                let snapshot = Arc::new(snapshot);
                let to_clear: Vec<Uri> = {
                    let mut state = lock(&state);
                    state.snapshot = Arc::clone(&snapshot);
                    let now: BTreeSet<Uri> =
                        snapshot.diagnostics.iter().filter(|(_, d)| !d.is_empty()).map(|(u, _)| u.clone()).collect();
                    let cleared =
                        state.published.iter().filter(|u| !snapshot.diagnostics.contains_key(*u)).cloned().collect();
                    state.published = now;
                    cleared
                };
                for (uri, diagnostics) in &snapshot.diagnostics {
                    let version = versions.get(uri).copied();
                    client.publish_diagnostics(uri.clone(), diagnostics.clone(), version).await;
                }
                for uri in to_clear {
                    client.publish_diagnostics(uri, Vec::new(), None).await;
                }
                analyzed.send_replace(generation);
            }
        });
    }

    /// Records a change to the documents and wakes the worker.
    fn changed(&self, apply: impl FnOnce(&mut HashMap<Uri, Document>) -> bool) {
        let changed = {
            let mut state = lock(&self.state);
            let changed = apply(&mut state.documents);
            if changed {
                state.generation += 1;
            }
            changed
        };
        if changed {
            self.start_worker();
            self.wake.notify_one();
        }
    }

    /// The snapshot that covers every edit made so far (or, after [`ANALYSIS_WAIT`], the last
    /// one finished).
    async fn snapshot(&self) -> Arc<Snapshot> {
        let wanted = lock(&self.state).generation;
        let mut receiver = self.analyzed.subscribe();
        let _ = tokio::time::timeout(ANALYSIS_WAIT, receiver.wait_for(|done| *done >= wanted)).await;
        Arc::clone(&lock(&self.state).snapshot)
    }

    /// Reads the `cluster` setting (a node inventory's path) from initialization options or
    /// workspace settings: `{ "cluster": PATH }` or `{ "dync": { "cluster": PATH } }`.
    async fn configure(&self, settings: Option<&serde_json::Value>) {
        let Some(settings) = settings else { return };
        let path = settings
            .get("cluster")
            .or_else(|| settings.get("dync").and_then(|d| d.get("cluster")))
            .and_then(serde_json::Value::as_str);
        let Some(path) = path else { return };
        if path.is_empty() {
            lock(&self.state).cluster = None;
            return;
        }
        let root = lock(&self.state).root.clone();
        let full = match root {
            Some(root) if std::path::Path::new(path).is_relative() => root.join(path),
            _ => std::path::PathBuf::from(path),
        };
        match handlers::cluster_labels(&full) {
            Ok(labels) => lock(&self.state).cluster = Some(Arc::new(labels)),
            Err(message) => {
                self.client.show_message(MessageType::WARNING, format!("dync: the `cluster` setting: {message}")).await;
            }
        }
    }

    /// The current text of an open document.
    fn document_text(&self, uri: &Uri) -> Option<String> {
        lock(&self.state).documents.get(uri).map(|d| d.text.clone())
    }
}

/// Runs a handler's work, turning a panic into an error answer for this request alone.
fn guarded<T>(what: &str, work: impl FnOnce() -> T) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).map_err(|_| {
        let mut error = Error::internal_error();
        error.message = format!("dync: {what} failed on this file").into();
        error
    })
}

/// A request the server declines, with the reason for the user.
fn refused(message: String) -> Error {
    let mut error = Error::invalid_params(message.clone());
    error.message = message.into();
    error
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        #[allow(deprecated)] // `root_uri` is what older clients (Neovim 0.7) send
        let root = params
            .workspace_folders
            .as_ref()
            .and_then(|folders| folders.first())
            .map(|folder| folder.uri.clone())
            .or(params.root_uri.clone())
            .and_then(|uri| uri.to_file_path().map(|p| p.into_owned()));
        lock(&self.state).root = root;
        self.configure(params.initialization_options.as_ref()).await;
        let cache = match &self.options.cache_dir {
            Some(dir) => match Cache::create(dir) {
                Ok(cache) => Some(Arc::new(cache)),
                Err(message) => {
                    self.client.log_message(MessageType::WARNING, format!("dync: {message}")).await;
                    None
                }
            },
            None => None,
        };
        lock(&self.state).cache = cache;
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                position_encoding: Some(PositionEncodingKind::UTF16),
                text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(TextDocumentSyncKind::INCREMENTAL),
                    save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                    ..TextDocumentSyncOptions::default()
                })),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                definition_provider: Some(OneOf::Left(true)),
                references_provider: Some(OneOf::Left(true)),
                document_symbol_provider: Some(OneOf::Left(true)),
                document_formatting_provider: Some(OneOf::Left(true)),
                folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
                code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
                    code_action_kinds: Some(vec![CodeActionKind::QUICKFIX, CodeActionKind::REFACTOR_REWRITE]),
                    ..CodeActionOptions::default()
                })),
                semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
                    SemanticTokensOptions {
                        legend: handlers::semantic_tokens_legend(),
                        full: Some(SemanticTokensFullOptions::Bool(true)),
                        range: None,
                        work_done_progress_options: WorkDoneProgressOptions::default(),
                    },
                )),
                signature_help_provider: Some(SignatureHelpOptions {
                    trigger_characters: Some(vec!["(".into(), ",".into()]),
                    retrigger_characters: None,
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                }),
                inlay_hint_provider: Some(OneOf::Left(true)),
                workspace_symbol_provider: Some(OneOf::Left(true)),
                rename_provider: Some(OneOf::Right(RenameOptions {
                    prepare_provider: Some(true),
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                })),
                completion_provider: Some(CompletionOptions {
                    trigger_characters: Some(vec![">".into(), ".".into(), ":".into(), "(".into()]),
                    ..CompletionOptions::default()
                }),
                ..ServerCapabilities::default()
            },
            server_info: Some(ServerInfo { name: "dync".into(), version: Some(env!("CARGO_PKG_VERSION").into()) }),
            ..InitializeResult::default()
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        self.start_worker();
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let document = params.text_document;
        self.changed(|documents| {
            documents.insert(document.uri, Document { text: document.text, version: document.version });
            true
        });
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        let version = params.text_document.version;
        let mut stale = false;
        self.changed(|documents| {
            let Some(document) = documents.get_mut(&uri) else { return false };
            // Versions only grow: an older change arriving late is dropped, not applied twice.
            if version <= document.version {
                stale = true;
                return false;
            }
            for change in params.content_changes {
                handlers::apply_change(&mut document.text, change);
            }
            document.version = version;
            true
        });
        if stale {
            self.client
                .log_message(MessageType::WARNING, format!("dync: ignored an out-of-order change (version {version})"))
                .await;
        }
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        // Files that are not open may have changed on disk with it: analyse again.
        let uri = params.text_document.uri;
        self.changed(|documents| {
            if let (Some(text), Some(document)) = (params.text, documents.get_mut(&uri)) {
                document.text = text;
            }
            true
        });
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        self.changed(|documents| documents.remove(&uri).is_some());
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        self.configure(Some(&params.settings)).await;
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let snapshot = self.snapshot().await;
        let cluster = lock(&self.state).cluster.clone();
        let position = params.text_document_position;
        guarded("completion", || {
            handlers::completion(&snapshot, &position.text_document.uri, position.position, cluster.as_deref())
        })
    }

    async fn prepare_rename(&self, params: TextDocumentPositionParams) -> Result<Option<PrepareRenameResponse>> {
        let snapshot = self.snapshot().await;
        guarded("rename", || handlers::prepare_rename(&snapshot, &params.text_document.uri, params.position))?
            .map_err(refused)
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let snapshot = self.snapshot().await;
        let position = params.text_document_position;
        guarded("rename", || {
            handlers::rename(&snapshot, &position.text_document.uri, position.position, &params.new_name)
        })?
        .map_err(refused)
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let snapshot = self.snapshot().await;
        let cache = lock(&self.state).cache.clone();
        guarded("code actions", || {
            handlers::code_actions(&snapshot, &params.text_document.uri, params.range, cache.as_deref())
        })
    }

    async fn semantic_tokens_full(&self, params: SemanticTokensParams) -> Result<Option<SemanticTokensResult>> {
        let snapshot = self.snapshot().await;
        let uri = params.text_document.uri;
        let text = self.document_text(&uri);
        guarded("semantic tokens", || {
            handlers::semantic_tokens(&snapshot, &uri, text.as_deref()).map(SemanticTokensResult::Tokens)
        })
    }

    async fn signature_help(&self, params: SignatureHelpParams) -> Result<Option<SignatureHelp>> {
        let snapshot = self.snapshot().await;
        let position = params.text_document_position_params;
        guarded("signature help", || {
            handlers::signature_help(&snapshot, &position.text_document.uri, position.position)
        })
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        let snapshot = self.snapshot().await;
        guarded("inlay hints", || handlers::inlay_hints(&snapshot, &params.text_document.uri, params.range))
    }

    async fn symbol(&self, params: WorkspaceSymbolParams) -> Result<Option<WorkspaceSymbolResponse>> {
        let snapshot = self.snapshot().await;
        guarded("workspace symbols", || {
            Some(WorkspaceSymbolResponse::Nested(handlers::workspace_symbols(&snapshot, &params.query)))
        })
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let snapshot = self.snapshot().await;
        let position = params.text_document_position_params;
        guarded("hover", || handlers::hover(&snapshot, &position.text_document.uri, position.position))
    }

    async fn goto_definition(&self, params: GotoDefinitionParams) -> Result<Option<GotoDefinitionResponse>> {
        let snapshot = self.snapshot().await;
        let position = params.text_document_position_params;
        guarded("go to definition", || {
            handlers::definition(&snapshot, &position.text_document.uri, position.position)
                .map(GotoDefinitionResponse::Scalar)
        })
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let snapshot = self.snapshot().await;
        let position = params.text_document_position;
        let include_declaration = params.context.include_declaration;
        guarded("find references", || {
            handlers::references(&snapshot, &position.text_document.uri, position.position, include_declaration)
        })
    }

    async fn document_symbol(&self, params: DocumentSymbolParams) -> Result<Option<DocumentSymbolResponse>> {
        let Some(text) = self.document_text(&params.text_document.uri) else { return Ok(None) };
        guarded("document symbols", || Some(DocumentSymbolResponse::Nested(handlers::document_symbols(&text))))
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        let Some(text) = self.document_text(&params.text_document.uri) else { return Ok(None) };
        guarded("folding ranges", || Some(handlers::folding_ranges(&text)))
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        let Some(text) = self.document_text(&params.text_document.uri) else { return Ok(None) };
        guarded("formatting", || handlers::formatting(&text))
    }
}
