#!/usr/bin/env bash
# CI for the VS Code extension: install exactly the locked packages, build (grammar copy, type
# check, esbuild bundle), run the grammar tests and the client smoke test (against a built dync:
# $DYNC, else target/debug or target/release, else PATH; skipped without one, an error on CI), package dync.vsix
# offline and check what is in it. Non-interactive; run from anywhere: bash editors/vscode/ci.sh
set -euo pipefail
cd "$(dirname "$0")"

export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
start=$(date +%s)

echo "== npm ci"
npm ci --no-audit --no-fund

echo "== build"
npm run build

echo "== grammar tests"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# vscode-tmgrammar-test 0.1.3 spins forever on an assertion with two ` - ` exclusions: bound it.
timeout 300 npm test 2>&1 | tee "$log"
passed=$(grep -c "run successfuly" "$log" || true)

echo "== client smoke test (the bundle against a real dync lsp, VS Code mocked)"
dync=""
for candidate in "${DYNC:-}" ../../target/debug/dync ../../target/release/dync "$(command -v dync || true)"; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then
    dync=$candidate
    break
  fi
done
if [ -n "$dync" ]; then
  npm run --silent smoke -- "$dync" | tee "$log"
  smoke=$(tail -n 1 "$log")
elif [ -n "${CI:-}" ]; then
  echo "ci.sh: no dync binary for the client smoke test: run cargo build first (or set DYNC)" >&2
  exit 1
else
  smoke="client smoke test: skipped (no dync binary: set DYNC or run cargo build)"
  echo "$smoke"
fi

echo "== package"
rm -f dync.vsix
# --no-dependencies: the bundle already holds vscode-languageclient. No repository field yet:
# --allow-missing-repository keeps vsce from prompting. Nothing here needs the network.
npx --no-install vsce package --no-dependencies --allow-missing-repository -o dync.vsix </dev/null

echo "== contents of dync.vsix"
python3 - dync.vsix <<'PY'
import sys, zipfile

path = sys.argv[1]
names = set(zipfile.ZipFile(path).namelist())
required = [
    "extension/package.json",
    "extension/out/extension.js",
    "extension/syntaxes/dyn.tmLanguage.json",
    "extension/language-configuration.json",
    "extension/snippets/dyn.json",
    "extension/icon.png",
    "extension/readme.md",  # vsce lower-cases the name
    "extension/LICENSE.txt",
]
for name in sorted(names):
    print("  " + name)
missing = [name for name in required if name not in names]
if missing:
    sys.exit(f"ci.sh: {path} lacks {', '.join(missing)}")
stray = [n for n in names if n.startswith(("extension/node_modules/", "extension/src/", "extension/tests/"))]
if stray:
    sys.exit(f"ci.sh: {path} holds files that belong outside it: {', '.join(sorted(stray))}")
PY

size=$(wc -c < dync.vsix)
files=$(python3 -c 'import sys, zipfile; print(len(zipfile.ZipFile(sys.argv[1]).namelist()))' dync.vsix)
echo "vscode extension: ${passed} grammar test files passed; ${smoke}; dync.vsix ${size} bytes, ${files} files; $(( $(date +%s) - start )) s"
