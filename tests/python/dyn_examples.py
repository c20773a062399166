"""What the end-to-end tests know of the example apps, read from their text (no hard-coded
names): functions, imports, module files, flows, streams and the functions used as flow steps;
and conversions between Python string indices and LSP (UTF-16) positions.

Shared by test_lsp_e2e.py and test_neovim.py; not a test module itself.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import re
import urllib.parse
import urllib.request

from lsprotocol import types as T

REPO = pathlib.Path(__file__).resolve().parents[2]
DYNC = os.environ.get("DYNC_BIN", str(REPO / "target" / "debug" / "dync"))

IDENT = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]*\b")


# ---------------------------------------------------------------------------------------------
# Positions: the protocol counts UTF-16 code units; Python strings count code points.


def utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def to_position(text: str, index: int) -> T.Position:
    """The LSP position of the code point `index` of `text`."""
    line = text.count("\n", 0, index)
    line_start = text.rfind("\n", 0, index) + 1
    return T.Position(line=line, character=utf16_len(text[line_start:index]))


def to_range(text: str, start: int, end: int) -> T.Range:
    return T.Range(start=to_position(text, start), end=to_position(text, end))


def to_index(text: str, position: T.Position) -> int:
    """The code point index of an LSP position (which must be inside `text`)."""
    lines = text.split("\n")
    assert position.line < len(lines), f"{position} is past the end of the text"
    index = sum(len(line) + 1 for line in lines[: position.line])
    units = 0
    for ch in lines[position.line]:
        if units >= position.character:
            break
        units += utf16_len(ch)
        index += 1
    assert units == position.character, f"{position} is not at a character boundary"
    return index


def range_text(text: str, r: T.Range) -> str:
    return text[to_index(text, r.start) : to_index(text, r.end)]


def apply_edits(text: str, edits: list[T.TextEdit]) -> str:
    spans = sorted(((to_index(text, e.range.start), to_index(text, e.range.end), e.new_text) for e in edits), reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def key(r: T.Range) -> tuple[int, int, int, int]:
    return (r.start.line, r.start.character, r.end.line, r.end.character)


def uri_path(uri: str) -> pathlib.Path:
    parsed = urllib.parse.urlparse(uri)
    assert parsed.scheme == "file", f"not a file URI: {uri}"
    return pathlib.Path(urllib.request.url2pathname(parsed.path))


# ---------------------------------------------------------------------------------------------
# The example apps, read from their text (no hard-coded names).


def blank_comments_and_strings(text: str) -> str:
    """`text` with comments and string literals replaced by spaces (indices are kept)."""
    out = list(text)
    i, n = 0, len(text)
    while i < n:
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out[i:j] = " " * (j - i)
            i = j
        elif text[i] == '"':
            j = i + 1
            while j < n and text[j] != '"' and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out[i:j] = " " * (j - i)
            i = j
        else:
            i += 1
    return "".join(out)


@dataclasses.dataclass
class Use:
    name: str
    index: int  # code point index in the app's text


@dataclasses.dataclass
class Flow:
    name: str
    name_index: int
    open_index: int  # its `{`
    close_index: int  # its `}`
    streams: list[str]


@dataclasses.dataclass
class Example:
    name: str
    dir: pathlib.Path
    app: pathlib.Path
    text: str
    functions: dict[str, int]  # `fn NAME` declared in the app file -> index of NAME
    std_imports: dict[str, str]  # function imported from the standard library -> its module (io, window)
    module_imports: dict[str, tuple[pathlib.Path, int]]  # name imported from a module -> (file, index in the use)
    modules: list[pathlib.Path]
    flows: list[Flow]
    step_uses: list[Use]  # functions used as steps of a flow, in order

    def uses_of(self, name: str) -> list[Use]:
        return [u for u in self.step_uses if u.name == name]

    def used_functions(self) -> list[str]:
        return list(dict.fromkeys(u.name for u in self.step_uses if u.name in self.functions))

    def used_std_functions(self) -> list[str]:
        return list(dict.fromkeys(u.name for u in self.step_uses if u.name in self.std_imports))


def matching_brace(code: str, open_index: int) -> int:
    depth = 0
    for i in range(open_index, len(code)):
        if code[i] == "{":
            depth += 1
        elif code[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    raise AssertionError(f"unbalanced braces after {open_index}")


def load_example(app: pathlib.Path) -> Example:
    text = app.read_text(encoding="utf-8")
    code = blank_comments_and_strings(text)
    functions = {
        m.group(1): m.start(1) for m in re.finditer(r"^(?:source\s+|sink\s+)?fn\s+([a-z_][a-z0-9_]*)", code, re.M)
    }
    std_imports: dict[str, str] = {}
    module_imports: dict[str, tuple[pathlib.Path, int]] = {}
    modules: list[pathlib.Path] = []
    for m in re.finditer(r"^use\s+((?:[a-z_][a-z0-9_]*::)+)(\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*)", code, re.M):
        path = m.group(1)[:-2].split("::")
        names_start = m.start(2)
        names = [(n.group(0), names_start + n.start()) for n in re.finditer(r"[A-Za-z_]\w*(?:\s+as\s+\w+)?", m.group(2))]
        names = [(n.split()[0], i) for n, i in names]
        if path[0] == "std":
            for n, _ in names:
                if n[0].islower():
                    std_imports[n] = path[-1]
        else:
            module = app.parent.joinpath(*path[:-1], path[-1] + ".dyn")
            assert module.is_file(), f"{app}: `use {'::'.join(path)}` but {module} does not exist"
            modules.append(module)
            for n, i in names:
                module_imports[n] = (module, i)
    flows: list[Flow] = []
    uses: list[Use] = []
    for m in re.finditer(r"^flow\s+([a-z_][a-z0-9_]*)\s*\{", code, re.M):
        open_index = m.end() - 1
        close_index = matching_brace(code, open_index)
        body = code[open_index + 1 : close_index]
        streams = list(dict.fromkeys(re.findall(r"^\s*([a-z_][a-z0-9_]*)\s*=(?!=)", body, re.M)))
        flows.append(Flow(m.group(1), m.start(1), open_index, close_index, streams))
        for ident in IDENT.finditer(body):
            name = ident.group(0)
            if name not in functions and name not in std_imports:
                continue
            before = body[: ident.start()].rstrip(" \t")
            # a step: first on its line, or after `->` or `=`
            if before.endswith("->") or before.endswith("=") or before.endswith("\n") or before.endswith("{") or not before:
                uses.append(Use(name, open_index + 1 + ident.start()))
    assert flows, f"{app} has no flow"
    return Example(app.parent.name, app.parent, app, text, functions, std_imports, module_imports, modules, flows, uses)


def discover_examples() -> list[Example]:
    apps = sorted((REPO / "examples").glob("*/app.dyn"))
    assert apps, f"no examples/*/app.dyn under {REPO}"
    return [load_example(app) for app in apps]


EXAMPLES = discover_examples()
WITH_MODULES = [e for e in EXAMPLES if e.modules]


def flow_step_uses(example: Example) -> list[Use]:
    uses = [u for u in example.step_uses if u.name in example.functions]
    assert uses, f"{example.name}: no function of the app is used in a flow"
    return uses


def misspell(name: str) -> str:
    """`name` with its middle letter dropped (`decode` -> `decde`)."""
    middle = len(name) // 2
    return name[:middle] + name[middle + 1 :]
