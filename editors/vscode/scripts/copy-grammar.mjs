// First build step: the grammar lives in ../../grammar (the repository's one copy, checked by
// tests/tmgrammar.rs); the extension ships a copy in syntaxes/ (build output, gitignored).
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const from = join(root, "..", "..", "grammar", "dyn.tmLanguage.json");
const to = join(root, "syntaxes", "dyn.tmLanguage.json");
mkdirSync(dirname(to), { recursive: true });
copyFileSync(from, to);
console.log(`copied ${from} -> ${to}`);
