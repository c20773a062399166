// The dync extension: a language client for `dync lsp` (stdio). Highlighting, the language
// configuration and the snippets are declarative (package.json); this file starts the server,
// restarts it when its settings change and says clearly when the binary cannot be found.

import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as vscode from "vscode";
import { LanguageClient, LanguageClientOptions, ServerOptions } from "vscode-languageclient/node";

const SECTION = "dync";
/** Settings whose change needs a new server process (`dync.trace.server` applies live). */
const RESTART_ON = ["dync.path", "dync.cluster"];

let client: LanguageClient | undefined;
let output: vscode.OutputChannel;
/** Serialises starts and stops: a restart waits for the previous one. */
let pending: Promise<void> = Promise.resolve();

export function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel("dync");
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand("dync.restartServer", () => restart()),
    vscode.commands.registerCommand("dync.showOutput", () => output.show(true)),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (RESTART_ON.some((key) => event.affectsConfiguration(key))) {
        output.appendLine("dync: settings changed, restarting the language server");
        void restart();
      }
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void restart()),
  );
  return restart();
}

export function deactivate(): Promise<void> {
  return enqueue(stop);
}

function restart(): Promise<void> {
  return enqueue(async () => {
    await stop();
    await start();
  });
}

function enqueue(step: () => Promise<void>): Promise<void> {
  pending = pending.then(step, step);
  return pending;
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  if (running) {
    try {
      await running.stop(2000);
    } catch (error) {
      output.appendLine(`dync: stopping the language server failed: ${describe(error)}`);
    }
  }
}

async function start(): Promise<void> {
  const config = vscode.workspace.getConfiguration(SECTION);
  const configured = (config.get<string>("path") ?? "").trim() || "dync";
  const command = findExecutable(configured);
  if (command === undefined) {
    reportMissing(configured);
    return;
  }

  const problem = await checkLsp(command);
  if (problem !== undefined) {
    output.appendLine(`dync: ${problem}`);
    notify(
      `dync: the language server cannot start: ${problem}. Is \`${configured}\` dync 0.1 or later? Set \`dync.path\` to the dync binary.`,
      "Open Settings",
      "Show Output",
    );
    return;
  }

  const serverOptions: ServerOptions = {
    // No `transport`: the client would append `--stdio`; `dync lsp` speaks stdio already.
    run: { command, args: ["lsp"] },
    debug: { command, args: ["lsp"] },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "dyn" },
      { scheme: "untitled", language: "dyn" },
    ],
    initializationOptions: { cluster: clusterPath(config.get<string>("cluster")) },
    outputChannel: output,
    traceOutputChannel: output,
  };

  const next = new LanguageClient(SECTION, "dync language server", serverOptions, clientOptions);
  output.appendLine(`dync: starting ${command} lsp`);
  try {
    await next.start();
    client = next;
  } catch (error) {
    // No stop() or dispose(): a client whose start failed has no connection left to close, and
    // writing `shutdown` to the dead process would throw.
    output.appendLine(`dync: the language server did not start: ${describe(error)}`);
    notify(
      `dync: \`${command} lsp\` did not start: ${describe(error)}. Is \`${configured}\` a dync binary with the \`lsp\` command?`,
      "Show Output",
      "Open Settings",
    );
  }
}

function reportMissing(configured: string): void {
  const where = isPath(configured)
    ? `\`${configured}\` (the \`dync.path\` setting) does not exist or is not executable`
    : `\`${configured}\` was not found on PATH`;
  output.appendLine(`dync: ${where}; syntax highlighting works, the language server is off.`);
  notify(
    `dync: the language server cannot start: ${where}. Install dync (\`cargo install --path .\` from a checkout of dync) or set \`dync.path\` to the binary.`,
    "Open Settings",
    "Show Output",
  );
}

/** Shows an error with its buttons; never awaited, so a start does not wait for the user. */
function notify(message: string, ...actions: string[]): void {
  void vscode.window.showErrorMessage(message, ...actions).then((choice) => {
    if (choice === "Open Settings") {
      void vscode.commands.executeCommand("workbench.action.openSettings", "dync.path");
    } else if (choice === "Show Output") {
      output.show(true);
    }
  });
}

/** `~/x` and `${workspaceFolder}/x` expanded; other relative paths against the first folder. */
function expand(value: string): string {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  let expanded = value.replace(/\$\{workspaceFolder\}/g, folder ?? "");
  if (expanded === "~" || expanded.startsWith("~/") || expanded.startsWith("~\\")) {
    expanded = path.join(os.homedir(), expanded.slice(1));
  }
  if (!path.isAbsolute(expanded) && folder !== undefined) {
    expanded = path.join(folder, expanded);
  }
  return expanded;
}

/** Why `command lsp --help` shows that `command` is not a dync with a language server, if it does. */
function checkLsp(command: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = execFile(command, ["lsp", "--help"], { timeout: 10_000, windowsHide: true }, (error, stdout, stderr) => {
      if (error) {
        const firstLine = stderr.trim().split("\n")[0];
        const how = error.killed ? "did not finish" : typeof error.code === "number" ? `exit code ${error.code}` : error.message;
        resolve(`\`${command} lsp --help\` failed (${firstLine ? `${how}: ${firstLine}` : how})`);
      } else if (!stdout.includes("lsp")) {
        resolve(`\`${command} lsp --help\` does not describe a language server`);
      } else {
        resolve(undefined);
      }
    });
    child.stdin?.end();
  });
}

function isPath(command: string): boolean {
  return command.includes("/") || command.includes("\\") || command.startsWith("~");
}

/** The executable `dync.path` names: a path as given, or a command looked up on PATH. */
function findExecutable(configured: string): string | undefined {
  if (isPath(configured)) {
    const file = expand(configured);
    return isExecutable(file) ? file : undefined;
  }
  const extensions =
    process.platform === "win32" ? ["", ...(process.env.PATHEXT ?? ".EXE;.CMD;.BAT").split(";")] : [""];
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (dir === "") {
      continue;
    }
    for (const extension of extensions) {
      const file = path.join(dir, configured + extension);
      if (isExecutable(file)) {
        return file;
      }
    }
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) {
      return false;
    }
    fs.accessSync(file, process.platform === "win32" ? fs.constants.F_OK : fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The node inventory for `initializationOptions.cluster`: an absolute path, or null. */
function clusterPath(value: string | undefined): string | null {
  const trimmed = (value ?? "").trim();
  return trimmed === "" ? null : expand(trimmed);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
