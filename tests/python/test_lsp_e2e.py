"""End-to-end tests of the language server: `dync lsp` is started as a subprocess and driven
over stdio with pytest-lsp, as an editor would.

Every example app under examples/ (found by examples/*/app.dyn, with the module files its `use`
items reach) is opened and queried: diagnostics, hover, definition (also into the standard
library the server writes to $XDG_CACHE_HOME), references, document symbols, folding and
formatting. Then broken copies (syntax errors, an unknown function, an error in a module) are
opened from a pytest tmp_path, checked against `dync check --message-format json`, and fixed
with didChange until their diagnostics are empty again.

The server binary is $DYNC_BIN, by default target/debug/dync (`cargo build` first). Each test
gets its own server and its own $XDG_CACHE_HOME.
"""

from __future__ import annotations

import asyncio
import json
import os
import pathlib
import re
import shutil
import stat
import subprocess

import pytest
import pytest_asyncio
from lsprotocol import types as T
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, LanguageClientProtocol, client_capabilities
from pytest_lsp.client import register_lsp_features

from dyn_examples import (
    DYNC,
    EXAMPLES,
    REPO,
    WITH_MODULES,
    Example,
    apply_edits,
    flow_step_uses,
    key,
    misspell,
    range_text,
    to_position,
    to_range,
    uri_path,
)

TIMEOUT = 20.0  # seconds to wait for a notification; the server normally answers in milliseconds


def examples(items: list[Example]):
    return pytest.mark.parametrize("example", items, ids=[e.name for e in items])


def copy_example(example: Example, tmp_path: pathlib.Path) -> pathlib.Path:
    """A copy of the example's folder under tmp_path (module files must exist on disk)."""
    target = tmp_path / "apps" / example.name
    shutil.copytree(example.dir, target)
    return target


# ---------------------------------------------------------------------------------------------
# The client: pytest-lsp's LanguageClient, recording every publishDiagnostics with its version.


class RecordingProtocol(LanguageClientProtocol):
    def _handle_notification(self, method_name, params):
        if method_name == T.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS:
            self._server.publications.append(params)
        return super()._handle_notification(method_name, params)


class DyncClient(LanguageClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, protocol_cls=RecordingProtocol, converter_factory=default_converter, **kwargs)
        self.publications: list[T.PublishDiagnosticsParams] = []


def make_client() -> DyncClient:
    client = DyncClient()
    register_lsp_features(client)
    return client


class Editor:
    """An editor session: open documents with their text and version, and the requests."""

    def __init__(self, client: DyncClient, cache: pathlib.Path):
        self.client = client
        self.cache = cache
        self.texts: dict[str, str] = {}
        self.versions: dict[str, int] = {}

    # -- documents

    def open(self, path: pathlib.Path, text: str | None = None) -> str:
        uri = path.as_uri()
        text = path.read_text(encoding="utf-8") if text is None else text
        self.texts[uri], self.versions[uri] = text, 1
        self.client.text_document_did_open(
            T.DidOpenTextDocumentParams(text_document=T.TextDocumentItem(uri=uri, language_id="dyn", version=1, text=text))
        )
        return uri

    def change(self, uri: str, start: int, end: int, new_text: str) -> int:
        """Replaces text[start:end] (code point indices) by an incremental change."""
        text = self.texts[uri]
        return self.change_range(uri, to_range(text, start, end), new_text, text[:start] + new_text + text[end:])

    def change_range(self, uri: str, r: T.Range, new_text: str, expected: str | None) -> int:
        """Sends one incremental change with a raw range; `expected` is the text afterwards."""
        self.versions[uri] += 1
        if expected is not None:
            self.texts[uri] = expected
        self.client.text_document_did_change(
            T.DidChangeTextDocumentParams(
                text_document=T.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
                content_changes=[T.TextDocumentContentChangePartial(range=r, text=new_text)],
            )
        )
        return self.versions[uri]

    def change_many(self, uri: str, changes: list[tuple[int, int, str]]) -> int:
        """One didChange with several incremental changes, each on the text the previous left."""
        text = self.texts[uri]
        events = []
        for start, end, new_text in changes:
            events.append(T.TextDocumentContentChangePartial(range=to_range(text, start, end), text=new_text))
            text = text[:start] + new_text + text[end:]
        self.versions[uri] += 1
        self.texts[uri] = text
        self.client.text_document_did_change(
            T.DidChangeTextDocumentParams(
                text_document=T.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]), content_changes=events
            )
        )
        return self.versions[uri]

    def replace_all(self, uri: str, text: str) -> int:
        self.versions[uri] += 1
        self.texts[uri] = text
        self.client.text_document_did_change(
            T.DidChangeTextDocumentParams(
                text_document=T.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
                content_changes=[T.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )
        return self.versions[uri]

    # -- diagnostics

    def mark(self) -> int:
        return len(self.client.publications)

    def latest(self, uri: str, since: int = 0) -> T.PublishDiagnosticsParams | None:
        for p in reversed(self.client.publications[since:]):
            if p.uri == uri:
                return p
        return None

    def summary(self) -> str:
        return "\n".join(
            f"  {p.uri} v{p.version}: {[(d.code, key(d.range)) for d in p.diagnostics]}" for p in self.client.publications
        )

    async def wait(self, what: str, predicate):
        loop = asyncio.get_running_loop()
        deadline = loop.time() + TIMEOUT
        while True:
            result = predicate()
            if result is not None:
                return result
            if self.client._server is not None and self.client._server.returncode is not None:
                raise AssertionError(f"the server exited ({self.client._server.returncode}) while waiting for {what}")
            if loop.time() > deadline:
                raise AssertionError(f"timed out waiting for {what}; publications so far:\n{self.summary()}")
            await asyncio.sleep(0.01)

    async def diagnostics(self, uri: str) -> list[T.Diagnostic]:
        """The diagnostics of an open document for its current version."""
        version = self.versions[uri]

        def found():
            for p in reversed(self.client.publications):
                if p.uri == uri and p.version == version:
                    return list(p.diagnostics)
            return None

        return await self.wait(f"diagnostics of {uri} version {version}", found)

    async def diagnostics_since(self, uri: str, since: int, predicate=lambda ds: True) -> list[T.Diagnostic]:
        """The latest diagnostics of `uri` (open or not) published after `mark()` returned `since`,
        once they satisfy `predicate`."""

        def found():
            p = self.latest(uri, since)
            return list(p.diagnostics) if p is not None and predicate(p.diagnostics) else None

        return await self.wait(f"diagnostics of {uri}", found)

    # -- requests

    def ident(self, uri: str) -> T.TextDocumentIdentifier:
        return T.TextDocumentIdentifier(uri=uri)

    async def hover(self, uri: str, index: int) -> T.Hover | None:
        return await self.client.text_document_hover_async(
            T.HoverParams(text_document=self.ident(uri), position=to_position(self.texts[uri], index))
        )

    async def definition(self, uri: str, index: int) -> list[T.Location]:
        result = await self.client.text_document_definition_async(
            T.DefinitionParams(text_document=self.ident(uri), position=to_position(self.texts[uri], index))
        )
        if result is None:
            return []
        if isinstance(result, list):
            return [r if isinstance(r, T.Location) else T.Location(uri=r.target_uri, range=r.target_selection_range) for r in result]
        return [result]

    async def references(self, uri: str, index: int, include_declaration: bool) -> list[T.Location]:
        result = await self.client.text_document_references_async(
            T.ReferenceParams(
                text_document=self.ident(uri),
                position=to_position(self.texts[uri], index),
                context=T.ReferenceContext(include_declaration=include_declaration),
            )
        )
        return list(result or [])

    async def symbols(self, uri: str) -> list[T.DocumentSymbol]:
        result = await self.client.text_document_document_symbol_async(T.DocumentSymbolParams(text_document=self.ident(uri)))
        assert result is not None, "documentSymbol answered null"
        assert all(isinstance(s, T.DocumentSymbol) for s in result), "expected hierarchical DocumentSymbol[]"
        return list(result)

    async def formatting(self, uri: str) -> list[T.TextEdit] | None:
        """The edits, or None when the server answers null."""
        result = await self.client.text_document_formatting_async(
            T.DocumentFormattingParams(text_document=self.ident(uri), options=T.FormattingOptions(tab_size=4, insert_spaces=True))
        )
        return None if result is None else list(result)

    async def folding(self, uri: str) -> list[T.FoldingRange]:
        return list(await self.client.text_document_folding_range_async(T.FoldingRangeParams(text_document=self.ident(uri))) or [])

    def alive(self) -> bool:
        return self.client._server is not None and self.client._server.returncode is None


@pytest.fixture(scope="session", autouse=True)
def dync_binary():
    assert os.access(DYNC, os.X_OK), f"{DYNC} is not an executable: run `cargo build` (or set DYNC_BIN)"
    return DYNC


@pytest_asyncio.fixture
async def editor(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    config = ClientServerConfig(
        server_command=[DYNC, "lsp"],
        client_factory=make_client,
        server_env={**os.environ, "XDG_CACHE_HOME": str(cache), "NO_COLOR": "1"},
    )
    client = await config.start()
    try:
        result = await client.initialize_session(
            T.InitializeParams(
                capabilities=client_capabilities("visual-studio-code"),
                root_uri=REPO.as_uri(),
                workspace_folders=[T.WorkspaceFolder(uri=REPO.as_uri(), name="dync")],
            )
        )
        assert result.server_info is not None and result.server_info.name == "dync"
        yield Editor(client, cache)
        assert client._server is not None and client._server.returncode is None, "the server died during the test"
        await client.shutdown_session()
        assert client._server.returncode == 0, f"the server exited with {client._server.returncode} after shutdown/exit"
    finally:
        await client.stop()


# ---------------------------------------------------------------------------------------------
# Checks shared by the tests.


def check_diagnostic(editor: Editor, d: T.Diagnostic):
    """Every diagnostic: a code, `source: dync`, a link to the code's explanation in the cache."""
    assert d.source == "dync"
    assert isinstance(d.code, str) and re.fullmatch(r"[EW]\d{4}", d.code), d.code
    assert d.severity in (T.DiagnosticSeverity.Error, T.DiagnosticSeverity.Warning)
    assert (d.severity == T.DiagnosticSeverity.Error) == d.code.startswith("E")
    assert d.code_description is not None, f"{d.code} has no codeDescription"
    page = uri_path(d.code_description.href)
    assert page.name == f"{d.code}.md" and page.parent.name == "explain", page
    assert page.is_relative_to(editor.cache / "dync"), f"{page} is not in the cache {editor.cache}"
    assert page.is_file(), f"{page} does not exist"
    assert stat.S_IMODE(page.stat().st_mode) & 0o222 == 0, f"{page} is writable"
    assert d.code in page.read_text(encoding="utf-8")
    assert d.message.strip()


def cli_diagnostics(app: pathlib.Path) -> set[tuple[str, str, int, tuple[int, int, int, int]]]:
    """What `dync check --message-format json` reports for the app on disk: (uri, code, severity,
    range) of each diagnostic's primary label."""
    run = subprocess.run(
        [DYNC, "check", "--message-format", "json", "--color", "never", app.name],
        cwd=app.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode in (0, 1), run.stderr
    found = set()
    for line in run.stdout.splitlines():
        d = json.loads(line)
        label = next(label for label in d["labels"] if label["primary"])
        path = (app.parent / label["file"]).resolve()
        raw = path.read_bytes()
        text = raw.decode("utf-8")
        start = len(raw[: label["start"]].decode("utf-8"))
        end = len(raw[: label["end"]].decode("utf-8"))
        severity = 1 if d["severity"] == "error" else 2
        found.add((path.as_uri(), d["code"], severity, key(to_range(text, start, end))))
    return found


async def lsp_diagnostics_match_cli(editor: Editor, app: pathlib.Path, uris: list[str], since: int):
    expected = cli_diagnostics(app)
    got = set()
    for uri in uris:
        if uri in editor.versions:
            ds = await editor.diagnostics(uri)
        else:
            ds = await editor.diagnostics_since(uri, since)
        got |= {(uri, d.code, int(d.severity), key(d.range)) for d in ds}
    assert got == expected, f"LSP and `dync check` differ:\n  only LSP: {got - expected}\n  only CLI: {expected - got}"


async def check_still_answers(editor: Editor, example: Example, uri: str):
    """Hover and symbols still answer on a broken file."""
    text = editor.texts[uri]
    symbols = {s.name: s for s in await editor.symbols(uri)}
    for fn in example.functions:
        assert fn in symbols, f"function {fn} missing from the outline of the broken file: {list(symbols)}"
    for flow in example.flows:
        assert flow.name in symbols
    fn = example.used_functions()[0]
    declaration = text.index(f"fn {fn}") + 3
    hover = await editor.hover(uri, declaration)
    assert hover is not None and f"fn {fn}" in hover.contents.value


# ---------------------------------------------------------------------------------------------
# The examples, as they are.


@examples(EXAMPLES)
async def test_example_diagnostics_are_empty(editor: Editor, example: Example):
    since = editor.mark()
    uri = editor.open(example.app)
    assert await editor.diagnostics(uri) == []
    for module in example.modules:
        # modules reached by `use` get their (empty) diagnostics too, without being opened
        assert await editor.diagnostics_since(module.as_uri(), since) == []
    for p in editor.client.publications:
        assert list(p.diagnostics) == [], editor.summary()
        if p.uri == uri:
            assert p.version == 1


@examples(EXAMPLES)
async def test_hover_on_flow_steps(editor: Editor, example: Example):
    uri = editor.open(example.app)
    names = example.used_functions() + example.used_std_functions()
    assert example.used_functions() and example.used_std_functions()
    for name in names:
        use = example.uses_of(name)[0]
        hover = await editor.hover(uri, use.index + 1)
        assert hover is not None, f"no hover on {name} at {to_position(example.text, use.index)}"
        assert isinstance(hover.contents, T.MarkupContent) and hover.contents.kind == T.MarkupKind.Markdown
        assert f"fn {name}" in hover.contents.value, hover.contents.value
        if hover.range is not None:
            assert range_text(example.text, hover.range) == name


@examples(EXAMPLES)
async def test_definition_of_flow_steps(editor: Editor, example: Example):
    uri = editor.open(example.app)
    for use in flow_step_uses(example):
        locations = await editor.definition(uri, use.index + len(use.name) - 1)  # at the name's last character
        assert len(locations) == 1, f"definition of {use.name}: {locations}"
        (location,) = locations
        assert location.uri == uri
        declaration = example.functions[use.name]
        assert key(location.range) == key(to_range(example.text, declaration, declaration + len(use.name)))
        assert example.text.splitlines()[location.range.start.line].lstrip().split("(")[0].endswith(f"fn {use.name}")


@examples(EXAMPLES)
async def test_definition_into_standard_library(editor: Editor, example: Example):
    uri = editor.open(example.app)
    std = example.used_std_functions()
    assert std, f"{example.name} uses no standard library function in a flow"
    for name in std:
        use = example.uses_of(name)[0]
        (location,) = await editor.definition(uri, use.index)
        path = uri_path(location.uri)
        assert path.is_relative_to(editor.cache / "dync"), f"{path} is not in the cache {editor.cache}"
        assert path.parent.name == "std" and path.name == f"{example.std_imports[name]}.dyn", path
        assert path.is_file()
        assert stat.S_IMODE(path.stat().st_mode) & 0o222 == 0, f"{path} is writable"
        std_text = path.read_text(encoding="utf-8")
        assert range_text(std_text, location.range) == name
        assert f"fn {name}" in std_text.splitlines()[location.range.start.line]


@examples(WITH_MODULES)
async def test_definition_into_module_files(editor: Editor, example: Example):
    uri = editor.open(example.app)
    assert example.module_imports
    for name, (module, index) in example.module_imports.items():
        (location,) = await editor.definition(uri, index)
        assert location.uri == module.as_uri(), f"definition of {name}"
        module_text = module.read_text(encoding="utf-8")
        assert range_text(module_text, location.range) == name
        assert re.match(rf"\s*(type|enum)\s+{name}\b", module_text.splitlines()[location.range.start.line])


@examples(EXAMPLES)
async def test_references_include_declaration_and_uses(editor: Editor, example: Example):
    uri = editor.open(example.app)
    for name in example.used_functions():
        declaration = example.functions[name]
        decl = (uri, key(to_range(example.text, declaration, declaration + len(name))))
        uses = {(uri, key(to_range(example.text, u.index, u.index + len(name)))) for u in example.uses_of(name)}
        first = example.uses_of(name)[0]
        with_decl = await editor.references(uri, first.index, include_declaration=True)
        got = {(loc.uri, key(loc.range)) for loc in with_decl}
        assert len(got) == len(with_decl), f"duplicate references: {with_decl}"
        assert decl in got and uses <= got, f"references of {name}: {sorted(got)}"
        assert len(got) >= 2
        for loc in with_decl:
            if loc.uri == uri:
                assert range_text(example.text, loc.range) == name
        without = {(loc.uri, key(loc.range)) for loc in await editor.references(uri, first.index, include_declaration=False)}
        assert decl not in without and uses <= without
        assert without == got - {decl}
        # from the declaration: the same set
        from_decl = {(loc.uri, key(loc.range)) for loc in await editor.references(uri, declaration, include_declaration=True)}
        assert from_decl == got


@examples(EXAMPLES)
async def test_document_symbols(editor: Editor, example: Example):
    uri = editor.open(example.app)
    symbols = await editor.symbols(uri)
    top = {}
    for s in symbols:
        top.setdefault(s.name, s)
    for name, index in example.functions.items():
        assert name in top, f"function {name} missing from {list(top)}"
        assert top[name].kind == T.SymbolKind.Function
        assert key(top[name].selection_range) == key(to_range(example.text, index, index + len(name)))
    for flow in example.flows:
        assert flow.name in top, f"flow {flow.name} missing from {list(top)}"
        symbol = top[flow.name]
        assert symbol.range.start.line == to_position(example.text, flow.name_index).line
        assert symbol.range.end.line == to_position(example.text, flow.close_index).line
        children = [c.name for c in symbol.children or []]
        for stream in flow.streams:
            assert stream in children, f"stream {stream} missing from flow {flow.name}: {children}"
    # every symbol's selection range lies in its range
    def within(s: T.DocumentSymbol):
        assert key(s.range)[:2] <= key(s.selection_range)[:2] and key(s.selection_range)[2:] <= key(s.range)[2:], s.name
        for c in s.children or []:
            within(c)

    for s in symbols:
        within(s)


@examples(WITH_MODULES)
async def test_module_files_outline_and_diagnostics(editor: Editor, example: Example):
    """Opening a module on its own: the server finds its app and checks it whole."""
    for module in example.modules:
        uri = editor.open(module)
        assert await editor.diagnostics(uri) == []
        names = {s.name for s in await editor.symbols(uri)}
        text = module.read_text(encoding="utf-8")
        for declared in re.findall(r"^(?:type|enum)\s+([A-Za-z_]\w*)", text, re.M):
            assert declared in names


@examples(EXAMPLES)
async def test_folding_ranges(editor: Editor, example: Example):
    uri = editor.open(example.app)
    ranges = await editor.folding(uri)
    spans = {(r.start_line, r.end_line) for r in ranges}
    for flow in example.flows:
        start = to_position(example.text, flow.open_index).line
        end = to_position(example.text, flow.close_index).line
        assert (start, end) in spans or (start, end - 1) in spans, f"no fold for flow {flow.name}: {sorted(spans)}"


@examples(EXAMPLES)
async def test_formatting_a_formatted_example_changes_nothing(editor: Editor, example: Example):
    uri = editor.open(example.app)
    assert await editor.formatting(uri) == []
    for module in example.modules:
        assert await editor.formatting(editor.open(module)) == []


def misindent(text: str) -> str:
    """The same program with every indented line moved three columns right and tabs mixed in."""
    out = []
    for i, line in enumerate(text.split("\n")):
        if line.startswith("    "):
            line = ("\t" if i % 2 else "   ") + line
        out.append(line)
    return "\n".join(out)


@examples(EXAMPLES)
async def test_formatting_a_misindented_copy(editor: Editor, example: Example, tmp_path: pathlib.Path):
    folder = copy_example(example, tmp_path)
    app = folder / "app.dyn"
    bad = misindent(example.text)
    assert bad != example.text
    app.write_text(bad, encoding="utf-8")
    fmt = subprocess.run([DYNC, "fmt", "-"], input=bad, capture_output=True, text=True, timeout=60)
    assert fmt.returncode == 0, fmt.stderr
    uri = editor.open(app)
    edits = await editor.formatting(uri)
    assert edits is not None and len(edits) == 1, edits
    (edit,) = edits
    assert edit.new_text == fmt.stdout
    assert apply_edits(bad, edits) == fmt.stdout  # the edit replaces the whole document
    assert fmt.stdout == example.text  # the examples are formatted
    # after applying the edit, the document is formatted
    editor.replace_all(uri, fmt.stdout)
    assert await editor.formatting(uri) == []


# ---------------------------------------------------------------------------------------------
# Broken copies.


async def open_broken(editor: Editor, example: Example, tmp_path: pathlib.Path, text: str) -> tuple[pathlib.Path, str, int]:
    folder = copy_example(example, tmp_path)
    app = folder / "app.dyn"
    app.write_text(text, encoding="utf-8")
    since = editor.mark()
    return app, editor.open(app), since


def module_uris(example: Example, folder: pathlib.Path) -> list[str]:
    return [(folder / m.relative_to(example.dir)).as_uri() for m in example.modules]


@examples(EXAMPLES)
async def test_syntax_error_dangling_arrow(editor: Editor, example: Example, tmp_path: pathlib.Path):
    flow = example.flows[0]
    # the flow's last statement ends with ` ->`: the arrow leads nowhere
    line_end = len(example.text[: flow.close_index].rstrip())
    text = example.text[:line_end] + " ->" + example.text[line_end:]
    app, uri, since = await open_broken(editor, example, tmp_path, text)
    diagnostics = await editor.diagnostics(uri)
    for d in diagnostics:
        check_diagnostic(editor, d)
    arrow = to_range(text, line_end + 1, line_end + 3)
    errors = [d for d in diagnostics if d.code == "E0004"]
    assert len(errors) == 1, [(d.code, d.message) for d in diagnostics]
    assert key(errors[0].range) == key(arrow)
    assert errors[0].severity == T.DiagnosticSeverity.Error
    await lsp_diagnostics_match_cli(editor, app, [uri] + module_uris(example, app.parent), since)
    await check_still_answers(editor, example, uri)
    assert await editor.formatting(uri) is None  # a file with syntax errors is left as it is
    # fix it: delete the arrow
    editor.change(uri, line_end, line_end + 3, "")
    assert editor.texts[uri] == example.text
    assert await editor.diagnostics(uri) == []
    assert await editor.formatting(uri) == []
    for module in module_uris(example, app.parent):
        assert list(editor.latest(module).diagnostics) == []


@examples(EXAMPLES)
async def test_syntax_error_deleted_brace(editor: Editor, example: Example, tmp_path: pathlib.Path):
    flow = example.flows[0]
    text = example.text[: flow.close_index] + example.text[flow.close_index + 1 :]
    app, uri, since = await open_broken(editor, example, tmp_path, text)
    diagnostics = await editor.diagnostics(uri)
    for d in diagnostics:
        check_diagnostic(editor, d)
    unclosed = [d for d in diagnostics if d.code == "E0003"]
    assert len(unclosed) == 1, [(d.code, d.message) for d in diagnostics]
    assert key(unclosed[0].range) == key(to_range(text, flow.open_index, flow.open_index + 1))  # the `{` left open
    await lsp_diagnostics_match_cli(editor, app, [uri] + module_uris(example, app.parent), since)
    await check_still_answers(editor, example, uri)
    assert await editor.formatting(uri) is None
    editor.change(uri, flow.close_index, flow.close_index, "}")
    assert editor.texts[uri] == example.text
    assert await editor.diagnostics(uri) == []


@examples(EXAMPLES)
async def test_unknown_function_in_flow_did_you_mean(editor: Editor, example: Example, tmp_path: pathlib.Path):
    use = flow_step_uses(example)[0]
    typo = misspell(use.name)
    assert typo not in example.functions and typo not in example.std_imports
    text = example.text[: use.index] + typo + example.text[use.index + len(use.name) :]
    app, uri, since = await open_broken(editor, example, tmp_path, text)
    diagnostics = await editor.diagnostics(uri)
    for d in diagnostics:
        check_diagnostic(editor, d)
    unknown = [d for d in diagnostics if d.code == "E0111"]
    assert len(unknown) == 1, [(d.code, d.message) for d in diagnostics]
    (d,) = unknown
    assert key(d.range) == key(to_range(text, use.index, use.index + len(typo)))
    assert typo in d.message
    assert f"did you mean `{use.name}`?" in d.message, d.message
    await lsp_diagnostics_match_cli(editor, app, [uri] + module_uris(example, app.parent), since)
    await check_still_answers(editor, example, uri)
    # a type error is not a syntax error: formatting still answers
    assert await editor.formatting(uri) == []
    editor.change(uri, use.index, use.index + len(typo), use.name)
    assert editor.texts[uri] == example.text
    assert await editor.diagnostics(uri) == []


def break_module(text: str) -> tuple[str, int, str, str]:
    """A module's text with its first `String` misspelt: (text, index, typo, right name)."""
    m = re.search(r":\s*(String|Float|Int)\b", text)
    assert m, "no String, Float or Int field in the module"
    right = m.group(1)
    typo = right[:-1] + right[-1] * 2 if right != "Int" else "Intt"
    return text[: m.start(1)] + typo + text[m.end(1) :], m.start(1), typo, right


def check_module_error(editor: Editor, diagnostics: list[T.Diagnostic], text: str, index: int, typo: str, right: str):
    for d in diagnostics:
        check_diagnostic(editor, d)
    assert [d.code for d in diagnostics] == ["E0111"], [(d.code, d.message) for d in diagnostics]
    assert key(diagnostics[0].range) == key(to_range(text, index, index + len(typo)))
    assert f"did you mean `{right}`?" in diagnostics[0].message


@examples(WITH_MODULES)
async def test_module_error_on_disk_reported_on_its_uri(editor: Editor, example: Example, tmp_path: pathlib.Path):
    folder = copy_example(example, tmp_path)
    module = folder / example.modules[0].relative_to(example.dir)
    good = module.read_text(encoding="utf-8")
    bad, index, typo, right = break_module(good)
    module.write_text(bad, encoding="utf-8")
    since = editor.mark()
    uri = editor.open(folder / "app.dyn")  # only the app is open
    module_uri = module.as_uri()
    check_module_error(editor, await editor.diagnostics_since(module_uri, since), bad, index, typo, right)
    assert editor.latest(module_uri).version is None  # not open: no version
    await lsp_diagnostics_match_cli(editor, folder / "app.dyn", [uri] + module_uris(example, folder), since)
    await check_still_answers(editor, example, uri)
    # the module opened in the editor: its buffer, not the disk, counts from now on
    editor.open(module, bad)
    check_module_error(editor, await editor.diagnostics(module_uri), bad, index, typo, right)
    editor.change(module_uri, index, index + len(typo), right)
    assert editor.texts[module_uri] == good
    assert await editor.diagnostics(module_uri) == []
    since = editor.mark()
    await editor.symbols(uri)  # answers once the edit is analysed
    assert list(editor.latest(uri).diagnostics) == []
    assert list(editor.latest(module_uri).diagnostics) == []


@examples(WITH_MODULES)
async def test_module_error_typed_while_the_app_is_open(editor: Editor, example: Example, tmp_path: pathlib.Path):
    folder = copy_example(example, tmp_path)
    module = folder / example.modules[0].relative_to(example.dir)
    good = module.read_text(encoding="utf-8")
    bad, index, typo, right = break_module(good)
    uri = editor.open(folder / "app.dyn")
    module_uri = editor.open(module)
    assert await editor.diagnostics(uri) == []
    assert await editor.diagnostics(module_uri) == []
    # typed, not saved: the whole app sees it
    editor.change(module_uri, index, index + len(right), typo)
    assert editor.texts[module_uri] == bad
    check_module_error(editor, await editor.diagnostics(module_uri), bad, index, typo, right)
    hover = await editor.hover(uri, example.functions[example.used_functions()[0]])
    assert hover is not None
    editor.change(module_uri, index, index + len(typo), right)
    assert await editor.diagnostics(module_uri) == []
    await editor.symbols(uri)
    assert list(editor.latest(uri).diagnostics) == []


# ---------------------------------------------------------------------------------------------
# Edits the server must survive: surrogate pairs, positions past the end.


@examples(EXAMPLES[:1])
async def test_utf16_positions_and_out_of_range_edits(editor: Editor, example: Example, tmp_path: pathlib.Path):
    folder = copy_example(example, tmp_path)
    uri = editor.open(folder / "app.dyn")
    assert await editor.diagnostics(uri) == []
    # a function whose string holds emoji (surrogate pairs in UTF-16) before an unknown name
    text = editor.texts[uri]
    addition = '\nfn shout(s: String) -> String = "🔥🔥 ${s} ${nope} °C"\n'
    editor.change(uri, len(text), len(text), addition)
    text = editor.texts[uri]
    nope = text.index("nope")
    diagnostics = await editor.diagnostics(uri)
    unknown = [d for d in diagnostics if d.code == "E0111"]
    assert len(unknown) == 1, [(d.code, d.message) for d in diagnostics]
    # 33 code points + 2 emoji: UTF-16 counts each emoji twice
    assert key(unknown[0].range) == key(to_range(text, nope, nope + 4))
    assert unknown[0].range.start.character == nope - text.rindex("\n", 0, nope) - 1 + 2
    # replace `nope` by `s` at its UTF-16 position: the error goes (only right if the server
    # counts UTF-16 units: by code points or bytes the edit would land elsewhere)
    editor.change(uri, nope, nope + 4, "s")
    diagnostics = await editor.diagnostics(uri)
    assert [d.code for d in diagnostics] == ["W0103"], [(d.code, d.message) for d in diagnostics]  # `shout` is unused
    hover = await editor.hover(uri, editor.texts[uri].index("fn shout") + 3)
    assert hover is not None and "fn shout" in hover.contents.value
    # a change whose range splits the surrogate pair of the first emoji
    text = editor.texts[uri]
    emoji = text.index("🔥")
    p = to_position(text, emoji)
    split = T.Range(start=T.Position(line=p.line, character=p.character + 1), end=T.Position(line=p.line, character=p.character + 3))
    editor.change_range(uri, split, "x", None)
    await editor.diagnostics(uri)  # published for this version: the server lives
    assert editor.alive()
    await editor.hover(uri, 0)
    await editor.client.text_document_hover_async(T.HoverParams(text_document=editor.ident(uri), position=split.start))
    # ranges past the end of the line and of the document, and a reversed range
    for r in [
        T.Range(start=T.Position(line=p.line, character=10_000), end=T.Position(line=p.line, character=20_000)),
        T.Range(start=T.Position(line=100_000, character=0), end=T.Position(line=100_000, character=5)),
        T.Range(start=T.Position(line=5, character=3), end=T.Position(line=2, character=0)),
    ]:
        editor.change_range(uri, r, "", None)
        await editor.diagnostics(uri)
        assert editor.alive()
    # requests at positions past the end answer (with nothing)
    far = T.Position(line=100_000, character=100_000)
    assert await editor.client.text_document_hover_async(T.HoverParams(text_document=editor.ident(uri), position=far)) is None
    assert not await editor.client.text_document_definition_async(T.DefinitionParams(text_document=editor.ident(uri), position=far))
    assert not await editor.client.text_document_references_async(
        T.ReferenceParams(text_document=editor.ident(uri), position=far, context=T.ReferenceContext(include_declaration=True))
    )
    # and the document can be set whole again, clean
    editor.replace_all(uri, example.text)
    assert await editor.diagnostics(uri) == []
    assert await editor.formatting(uri) == []
    assert [s.name for s in await editor.symbols(uri)]


@examples(EXAMPLES)
async def test_several_changes_in_one_notification(editor: Editor, example: Example, tmp_path: pathlib.Path):
    """Changes of one didChange apply in order, each to the text the one before left."""
    folder = copy_example(example, tmp_path)
    uri = editor.open(folder / "app.dyn")
    assert await editor.diagnostics(uri) == []
    uses = flow_step_uses(example)
    first, last = uses[0], uses[-1]
    assert first.index < last.index
    # misspell the last step, then insert a line at the top: the typo's position moves down
    editor.change_many(uri, [(last.index, last.index + len(last.name), misspell(last.name)), (0, 0, "// moved\n")])
    text = editor.texts[uri]
    typo_at = last.index + len("// moved\n")
    unknown = [d for d in await editor.diagnostics(uri) if d.code == "E0111"]
    assert [key(d.range) for d in unknown] == [key(to_range(text, typo_at, typo_at + len(misspell(last.name))))]
    # undo both in one notification, in the other order
    editor.change_many(uri, [(0, len("// moved\n"), ""), (last.index, last.index + len(misspell(last.name)), last.name)])
    assert editor.texts[uri] == example.text
    assert await editor.diagnostics(uri) == []
    assert await editor.formatting(uri) == []


@examples(EXAMPLES)
async def test_crlf_copy_has_the_same_positions(editor: Editor, example: Example, tmp_path: pathlib.Path):
    """A CRLF file: positions count lines as in the LF file, and formatting keeps its line ends."""
    use = flow_step_uses(example)[-1]
    typo = misspell(use.name)
    lf = example.text[: use.index] + typo + example.text[use.index + len(use.name) :]
    crlf = lf.replace("\n", "\r\n")
    folder = copy_example(example, tmp_path)
    (folder / "app.dyn").write_text(crlf, encoding="utf-8", newline="")
    uri = editor.open(folder / "app.dyn", crlf)
    unknown = [d for d in await editor.diagnostics(uri) if d.code == "E0111"]
    assert [key(d.range) for d in unknown] == [key(to_range(lf, use.index, use.index + len(typo)))]
    first = flow_step_uses(example)[0]
    assert first.index < use.index, "the example's flow has a single step function"
    (location,) = await editor.definition(uri, first.index + lf.count("\n", 0, first.index))  # shifted by the \r before it
    declaration = example.functions[first.name]
    assert key(location.range) == key(to_range(lf, declaration, declaration + len(first.name)))
    assert await editor.formatting(uri) == []


# ---------------------------------------------------------------------------------------------
# Known checker bugs (strict: these fail once fixed, to be turned into ordinary tests).

MINI_APP = """app mini { dync = "0.1", namespace = "mini" }

use std::io::{http_in, log}
use std::window::tumbling

type Reading { room: String, celsius: Float }
type RoomAverage { key: String, avg: Float }
type Alert { message: String }

fn decode(raw: Bytes) -> Reading {
    exec = "python3 decode.py"
    image = "registry.example.com/decode:1.0"
}

fn keep(r: Reading) -> Reading = r

fn report(w: RoomAverage) -> RoomAverage = w

fn alert(w: RoomAverage) -> Alert = Alert(message: w.key)

flow main {
    http_in(path: "/in") -> decode -> keep -> tumbling(10s, key: room, value: celsius) -> report -> alert -> log
}
"""


async def open_mini(editor: Editor, tmp_path: pathlib.Path, old: str, new: str) -> tuple[str, list[T.Diagnostic]]:
    app = tmp_path / "mini" / "app.dyn"
    app.parent.mkdir()
    app.write_text(MINI_APP, encoding="utf-8")
    uri = editor.open(app)
    assert await editor.diagnostics(uri) == []
    start = MINI_APP.index(old)
    editor.change(uri, start, start + len(old), new)
    return uri, await editor.diagnostics(uri)


async def test_did_you_mean_for_a_flow_step_offers_a_function(editor: Editor, tmp_path: pathlib.Path):
    uri, diagnostics = await open_mini(editor, tmp_path, "-> alert ->", "-> alrt ->")
    (unknown,) = [d for d in diagnostics if d.code == "E0111"]
    assert "did you mean `alert`?" in unknown.message, unknown.message


async def test_unknown_step_does_not_cascade(editor: Editor, tmp_path: pathlib.Path):
    uri, diagnostics = await open_mini(editor, tmp_path, "-> keep ->", "-> kep ->")
    assert sorted(d.code for d in diagnostics if d.severity == T.DiagnosticSeverity.Error) == ["E0111"], [
        (d.code, d.message.splitlines()[0]) for d in diagnostics
    ]
