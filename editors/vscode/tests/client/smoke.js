// Smoke test of the bundled client (out/extension.js) without VS Code, which cannot run here:
// a stand-in for the `vscode` module, just enough for vscode-languageclient, and a real `dync`.
//
//   node tests/client/smoke.js out/extension.js /path/to/dync
//
// Checks that the extension starts `<dync.path> lsp` over stdio, completes the initialize
// handshake with `initializationOptions: { cluster: <absolute path> }`, restarts the server with
// the new value when `dync.cluster` changes, shuts it down on deactivate, and shows a clear
// error when the binary is missing or is not dync, without waiting for the user to dismiss it.
// Each scenario runs in its own process.
"use strict";

const assert = require("assert");
const { spawnSync } = require("child_process");
const fs = require("fs");
const Module = require("module");
const os = require("os");
const path = require("path");

const SCENARIOS = {
  /** Starts, restarts on a `dync.cluster` change, stops. */
  lifecycle(env) {
    const log = fs.readFileSync(env.stdinLog, "utf8");
    // `$/setTrace` and other `$/` notifications come and go with the client library: not checked.
    const methods = [...log.matchAll(/"method":"([^"]+)"/g)].map((m) => m[1]).filter((m) => !m.startsWith("$/"));
    const expected = ["initialize", "initialized", "shutdown", "exit"];
    assert.deepStrictEqual(methods, [...expected, ...expected], `requests and notifications sent: ${methods}`);
    const options = [...log.matchAll(/"initializationOptions":(\{[^}]*\})/g)].map((m) => JSON.parse(m[1]));
    assert.deepStrictEqual(options, [
      { cluster: path.join(env.workspace, "nodes.yaml") },
      { cluster: path.join(env.workspace, "other.yaml") },
    ]);
    // Each start first checks `dync lsp --help`, then runs `dync lsp`.
    const runs = fs.readFileSync(env.argsLog, "utf8").trim().split("\n");
    assert.deepStrictEqual(runs, ["lsp --help", "lsp", "lsp --help", "lsp"]);
    assert.deepStrictEqual(env.result.errors, []);
    return `spawned \`dync lsp\` twice, initializationOptions ${JSON.stringify(options.map((o) => path.basename(o.cluster)))}`;
  },
  /** `dync.path` names a file that does not exist. */
  missingPath(env) {
    assert.strictEqual(env.result.errors.length, 1, `errors: ${env.result.errors}`);
    assert.match(env.result.errors[0], /cannot start: `\/nonexistent\/dync` \(the `dync.path` setting\) does not exist/);
    return env.result.errors[0];
  },
  /** The default `dync`, with no dync on PATH. */
  notOnPath(env) {
    assert.strictEqual(env.result.errors.length, 1, `errors: ${env.result.errors}`);
    assert.match(env.result.errors[0], /cannot start: `dync` was not found on PATH/);
    return env.result.errors[0];
  },
  /** `dync.path` is a program that is not dync. */
  notDync(env) {
    assert.strictEqual(env.result.errors.length, 1, `errors: ${env.result.errors}`);
    assert.match(env.result.errors[0], /cannot start: `.*false lsp --help` failed \(exit code 1\)/);
    return env.result.errors[0];
  },
};

function settingsFor(scenario, env) {
  switch (scenario) {
    case "lifecycle":
      return { path: env.wrapper, cluster: "nodes.yaml" };
    case "missingPath":
      return { path: "/nonexistent/dync", cluster: "" };
    case "notOnPath":
      return { path: "dync", cluster: "" };
    case "notDync":
      return { path: fs.existsSync("/bin/false") ? "/bin/false" : "/usr/bin/false", cluster: "" };
    default:
      throw new Error(`unknown scenario ${scenario}`);
  }
}

// ---------------------------------------------------------------------------------- driver
function main() {
  const [bundle, dync] = process.argv.slice(2);
  if (!bundle || !dync) {
    console.error("usage: node tests/client/smoke.js out/extension.js /path/to/dync");
    process.exit(2);
  }
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "dync-vscode-smoke-"));
  try {
    const inventory = path.join(__dirname, "..", "..", "..", "..", "examples", "smart-building", "nodes.yaml");
    fs.copyFileSync(inventory, path.join(workspace, "nodes.yaml"));
    fs.copyFileSync(inventory, path.join(workspace, "other.yaml"));
    const argsLog = path.join(workspace, "args.log");
    const stdinLog = path.join(workspace, "stdin.log");
    // Records how the server is started and what the client sends, then runs the real dync.
    const wrapper = path.join(workspace, "dync-wrapper");
    fs.writeFileSync(
      wrapper,
      `#!/bin/sh\necho "$@" >> '${argsLog}'\ntee -a '${stdinLog}' | '${path.resolve(dync)}' "$@"\n`,
      { mode: 0o755 },
    );
    const emptyDir = path.join(workspace, "empty");
    fs.mkdirSync(emptyDir);
    let failed = 0;
    for (const scenario of Object.keys(SCENARIOS)) {
      const env = { workspace, wrapper, argsLog, stdinLog };
      const child = spawnSync(process.execPath, [__filename, "--scenario", scenario, path.resolve(bundle), JSON.stringify(env)], {
        encoding: "utf8",
        timeout: 30_000,
        // notOnPath: a PATH without dync; the others name their program by its path.
        env: { ...process.env, PATH: scenario === "notOnPath" ? emptyDir : process.env.PATH },
      });
      const lines = (child.stdout || "").trim().split("\n");
      try {
        assert.strictEqual(child.status, 0, `exit status ${child.status}\n${child.stdout}\n${child.stderr}`);
        env.result = JSON.parse(lines[lines.length - 1]);
        console.log(`ok   ${scenario}: ${SCENARIOS[scenario](env)}`);
      } catch (error) {
        failed += 1;
        console.log(`FAIL ${scenario}: ${error.message}\n--- output\n${child.stdout}\n${child.stderr}`);
      }
    }
    console.log(`client smoke test: ${Object.keys(SCENARIOS).length - failed} passed, ${failed} failed`);
    process.exitCode = failed === 0 ? 0 : 1;
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------- one scenario
async function runScenario(scenario, bundle, env) {
  const settings = settingsFor(scenario, env);
  const errors = [];
  const configListeners = [];
  const disposable = { dispose() {} };
  const event = () => disposable;

  /** Anything vscode-languageclient touches that this test does not care about. */
  function anything(name) {
    const fn = function () {};
    return new Proxy(fn, {
      get(_target, prop) {
        if (prop === "then" || prop === Symbol.toPrimitive) return undefined;
        if (prop === Symbol.hasInstance) return () => false;
        if (prop === "dispose") return () => {};
        return anything(`${name}.${String(prop)}`);
      },
      apply: () => anything(`${name}()`),
      construct: () => anything(`new ${name}`),
    });
  }
  const withDefaults = (object, name) =>
    new Proxy(object, {
      get: (target, prop) => {
        if (prop in target) return target[prop];
        if (/^on(Did|Will)/.test(String(prop))) return event;
        return anything(`${name}.${String(prop)}`);
      },
    });

  const channel = {
    name: "dync",
    append: (s) => process.stderr.write(s),
    appendLine: (s) => process.stderr.write(`${s}\n`),
    clear() {},
    show() {},
    hide() {},
    replace() {},
    dispose() {},
  };
  class EventEmitter {
    constructor() {
      this.listeners = [];
      this.event = (f) => (this.listeners.push(f), disposable);
    }
    fire(e) {
      this.listeners.forEach((f) => f(e));
    }
    dispose() {}
  }
  class Disposable {
    constructor(f) {
      this.f = f;
    }
    static from() {
      return disposable;
    }
    dispose() {
      if (this.f) this.f();
    }
  }
  class CancellationTokenSource {
    constructor() {
      this.token = { isCancellationRequested: false, onCancellationRequested: event };
    }
    cancel() {}
    dispose() {}
  }
  const folder = { uri: { fsPath: env.workspace, scheme: "file", toString: () => `file://${env.workspace}` }, name: "ws", index: 0 };
  const vscode = withDefaults(
    {
      version: "1.82.0",
      EventEmitter,
      Disposable,
      CancellationTokenSource,
      Uri: {
        parse: (s) => ({ toString: () => s, fsPath: s, scheme: s.split(":")[0] }),
        file: (p) => ({ toString: () => `file://${p}`, fsPath: p, scheme: "file" }),
      },
      env: { appName: "smoke", language: "en", machineId: "m", sessionId: "s", uriScheme: "vscode" },
      commands: { registerCommand: () => disposable, executeCommand: async () => undefined },
      window: withDefaults(
        {
          createOutputChannel: () => channel,
          // Like a user who never clicks: the extension must not wait for an answer.
          showErrorMessage: (m) => (errors.push(m), new Promise(() => {})),
          showWarningMessage: (m) => (errors.push(`warning: ${m}`), new Promise(() => {})),
          showInformationMessage: async () => undefined,
          visibleTextEditors: [],
          activeTextEditor: undefined,
        },
        "window",
      ),
      workspace: withDefaults(
        {
          workspaceFolders: [folder],
          textDocuments: [],
          getWorkspaceFolder: () => folder,
          getConfiguration: (section) => ({
            get: (key, fallback) => (section === "dync" && key in settings ? settings[key] : fallback),
            has: () => false,
            inspect: () => undefined,
            update: async () => {},
          }),
          onDidChangeConfiguration: (f) => (configListeners.push(f), disposable),
        },
        "workspace",
      ),
    },
    "vscode",
  );

  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    return request === "vscode" ? "vscode" : resolve.call(this, request, ...rest);
  };
  require.cache.vscode = { id: "vscode", filename: "vscode", loaded: true, exports: vscode };

  let finished = false;
  process.on("beforeExit", () => {
    if (!finished) {
      console.error("activate() or deactivate() never finished: waiting for a notification nobody answers?");
      process.exit(3);
    }
  });
  const extension = require(bundle);
  await extension.activate({ subscriptions: [] });
  if (scenario === "lifecycle") {
    settings.cluster = "other.yaml";
    const change = { affectsConfiguration: (key) => key === "dync" || key === "dync.cluster" };
    configListeners.forEach((f) => f(change));
    // The restart is queued behind the start; wait until the second server has initialized.
    for (let i = 0; i < 100 && !/other\.yaml[\s\S]*"initialized"/.test(readOr(env.stdinLog)); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await extension.deactivate();
  finished = true;
  console.log(JSON.stringify({ errors }));
}

function readOr(file) {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

if (process.argv[2] === "--scenario") {
  const [, , , scenario, bundle, env] = process.argv;
  runScenario(scenario, bundle, JSON.parse(env)).then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
} else {
  main();
}
