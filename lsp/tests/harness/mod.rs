//! An in-process LSP client for tests and benchmarks: calls the `LspService` directly (no
//! transport), drains what the server sends on a task of its own, and waits for diagnostics of
//! a given document version.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use dync_lsp::{Backend, Options};
use futures::StreamExt;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tower::{Service, ServiceExt};
use tower_lsp_server::LspService;
use tower_lsp_server::jsonrpc::Request;

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

pub fn uri_of(path: &Path) -> String {
    format!("file://{}", path.display())
}

pub struct Client {
    service: LspService<Backend>,
    notifications: mpsc::UnboundedReceiver<(String, Value)>,
    /// Per URI, the last published diagnostics with their version.
    pub diagnostics: HashMap<String, (Option<i64>, Value)>,
    next_id: i64,
    pub cache_dir: PathBuf,
}

impl Client {
    /// A server with its cache folder in `cache_dir`, initialized.
    pub async fn start(cache_dir: &Path) -> Client {
        Client::start_with(cache_dir, json!(null)).await
    }

    /// A server started with these initialization options.
    pub async fn start_with(cache_dir: &Path, initialization_options: Value) -> Client {
        let (service, socket) = dync_lsp::service(Options { cache_dir: Some(cache_dir.to_path_buf()) });
        let (sender, notifications) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut socket = socket;
            while let Some(request) = socket.next().await {
                let (method, _, params) = request.into_parts();
                if sender.send((method.to_string(), params.unwrap_or(Value::Null))).is_err() {
                    break;
                }
            }
        });
        let mut client =
            Client { service, notifications, diagnostics: HashMap::new(), next_id: 0, cache_dir: cache_dir.into() };
        client
            .request("initialize", json!({ "capabilities": {}, "initializationOptions": initialization_options }))
            .await;
        client.notify("initialized", json!({})).await;
        client
    }

    /// Sends a request; its result (an error answer panics).
    pub async fn request(&mut self, method: &str, params: Value) -> Value {
        self.try_request(method, params).await.unwrap_or_else(|e| panic!("{method}: {e}"))
    }

    pub async fn try_request(&mut self, method: &str, params: Value) -> Result<Value, String> {
        self.request_with_code(method, params).await.map_err(|(_, message)| message)
    }

    /// A request's result, or its error's code and message.
    pub async fn request_with_code(&mut self, method: &str, params: Value) -> Result<Value, (i64, String)> {
        self.next_id += 1;
        let request = Request::build(method.to_string()).params(params).id(self.next_id).finish();
        let response = self.service.ready().await.unwrap().call(request).await.unwrap().unwrap();
        let (_, result) = response.into_parts();
        result.map_err(|e| (e.code.code(), e.to_string()))
    }

    pub async fn notify(&mut self, method: &str, params: Value) {
        let request = Request::build(method.to_string()).params(params).finish();
        let response = self.service.ready().await.unwrap().call(request).await.unwrap();
        assert!(response.is_none(), "{method} is a notification");
    }

    pub async fn open(&mut self, uri: &str, text: &str) {
        let params = json!({ "textDocument": { "uri": uri, "languageId": "dyn", "version": 1, "text": text } });
        self.notify("textDocument/didOpen", params).await;
    }

    pub async fn change(&mut self, uri: &str, version: i64, changes: Value) {
        let params = json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": changes });
        self.notify("textDocument/didChange", params).await;
    }

    /// Takes every notification received so far.
    fn drain(&mut self) {
        while let Ok((method, params)) = self.notifications.try_recv() {
            self.record(&method, params);
        }
    }

    fn record(&mut self, method: &str, params: Value) {
        if method == "textDocument/publishDiagnostics" {
            let uri = params["uri"].as_str().unwrap().to_string();
            self.diagnostics.insert(uri, (params["version"].as_i64(), params["diagnostics"].clone()));
        }
    }

    /// The diagnostics published for `uri` at `version` (waits for them, at most 20 s).
    pub async fn diagnostics_at(&mut self, uri: &str, version: Option<i64>) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            self.drain();
            if let Some((v, diagnostics)) = self.diagnostics.get(uri)
                && *v == version
            {
                return diagnostics.clone();
            }
            let next = tokio::time::timeout_at(deadline, self.notifications.recv()).await;
            match next {
                Ok(Some((method, params))) => self.record(&method, params),
                _ => panic!("no diagnostics for {uri} at version {version:?}; have {:?}", self.diagnostics.get(uri)),
            }
        }
    }

    /// Waits until every analysis has finished (a request waits for it), then takes what was
    /// published meanwhile.
    pub async fn settle(&mut self) {
        let _ = self.try_request("textDocument/hover", position_params("file:///settle.dyn", 0, 0)).await;
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(5)).await;
        self.drain();
    }
}

pub fn position_params(uri: &str, line: u32, character: u32) -> Value {
    json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } })
}
