"""`dync lsp` in a real editor: headless Neovim (0.7.2, what Debian installs; `.ci/setup` installs
it) runs tests/nvim/lsp_test.lua, which sets the server up as docs/editors.md tells Neovim 0.7
users to, opens every example app and one broken copy, and writes what the server answered as
JSON. This test fails (it does not skip) when `nvim` is missing.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import signal
import subprocess

from dyn_examples import DYNC, EXAMPLES, REPO, flow_step_uses, misspell, to_position, uri_path

LUA = REPO / "tests" / "nvim" / "lsp_test.lua"
TIMEOUT = 90  # seconds for the whole Neovim run


def byte_position(text: str, index: int) -> list[int]:
    """[line, byte column], both 0-based, as nvim_win_set_cursor wants them (line + 1)."""
    line_start = text.rfind("\n", 0, index) + 1
    return [text.count("\n", 0, index), len(text[line_start:index].encode("utf-8"))]


def run_nvim(tmp_path: pathlib.Path, cases: dict) -> dict:
    nvim = shutil.which("nvim")
    assert nvim is not None, "nvim is not on PATH: run `bash .ci/setup` (it installs Neovim 0.7.2 with apt-get)"
    cases_file = tmp_path / "cases.json"
    cases_file.write_text(json.dumps(cases), encoding="utf-8")
    result_file = tmp_path / "result.json"
    home = tmp_path / "xdg"
    env = {
        **os.environ,
        "DYNC_BIN": DYNC,
        "DYNC_NVIM_CASES": str(cases_file),
        "DYNC_NVIM_RESULT": str(result_file),
        # Neovim's own files (lsp.log, ...) and the server's cache (std/, explain/) go here
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"),
        "NO_COLOR": "1",
    }
    command = [nvim, "--headless", "--clean", "-u", "NONE", "-i", "NONE", "-n", "-c", f"luafile {LUA}"]
    process = subprocess.Popen(
        command,
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # on a timeout, the server goes down with Neovim
    )
    try:
        stdout, stderr = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        raise AssertionError(f"nvim did not finish in {TIMEOUT} s\nstdout: {stdout}\nstderr: {stderr}")
    assert result_file.is_file(), f"nvim wrote no result (exit {process.returncode})\nstdout: {stdout}\nstderr: {stderr}"
    result = json.loads(result_file.read_text(encoding="utf-8"))
    assert "error" not in result, f"{result['error']}\nstderr: {stderr}"
    assert process.returncode == 0, f"nvim exited with {process.returncode}\nstderr: {stderr}"
    result["cache"] = home / "cache"
    return result


def locations(answer) -> list[dict]:
    if answer is None:
        return []
    if isinstance(answer, dict):
        answer = [answer]
    return [{"uri": a.get("targetUri", a.get("uri")), "range": a.get("targetSelectionRange", a.get("range"))} for a in answer]


def symbol_names(symbols: list[dict]) -> set[str]:
    names = set()
    for s in symbols or []:
        names.add(s["name"])
        names |= symbol_names(s.get("children"))
    return names


def test_neovim_07_headless(tmp_path: pathlib.Path):
    assert LUA.is_file()
    assert os.access(DYNC, os.X_OK), f"{DYNC} is not an executable: run `cargo build` (or set DYNC_BIN)"
    files = []
    expected = []
    for example in EXAMPLES:
        use = flow_step_uses(example)[0]
        files.append({"path": str(example.app), "expect_errors": False, "position": byte_position(example.text, use.index + 1)})
        expected.append((example, use, example.text, False))
    # one broken file: a copy of the first example whose last step function is misspelt
    example = EXAMPLES[0]
    broken_use = flow_step_uses(example)[-1]
    use = flow_step_uses(example)[0]
    assert use.index < broken_use.index
    typo = misspell(broken_use.name)
    text = example.text[: broken_use.index] + typo + example.text[broken_use.index + len(broken_use.name) :]
    copy = tmp_path / "broken" / example.name
    shutil.copytree(example.dir, copy)
    (copy / "app.dyn").write_text(text, encoding="utf-8")
    files.append({"path": str(copy / "app.dyn"), "expect_errors": True, "position": byte_position(text, use.index + 1)})
    expected.append((example, use, text, True))

    result = run_nvim(tmp_path, {"root": str(REPO), "files": files})

    assert result["nvim"].startswith("0."), result["nvim"]
    assert result["server_capabilities"]["hoverProvider"] is True
    assert len(result["files"]) == len(files)
    for got, (example, use, text, broken), case in zip(result["files"], expected, files):
        name = use.name
        where = f"{case['path']}: "
        path = pathlib.Path(case["path"])
        assert uri_path(got["uri"]) == path
        assert got["diagnostics_arrived"], where + "no diagnostics arrived"
        # the position Neovim computed is the one we meant (UTF-16, 0-based)
        meant = to_position(text, use.index + 1)
        assert got["position"] == {"line": meant.line, "character": meant.character}, got["position"]
        if broken:
            codes = [d["code"] for d in got["diagnostics"]]
            assert "E0111" in codes, where + str(got["diagnostics"])
            (d,) = [d for d in got["diagnostics"] if d["code"] == "E0111"]
            start = to_position(text, broken_use.index)
            assert (d["lnum"], d["col"]) == (start.line, start.character), d
            assert d["end_col"] - d["col"] == len(typo)
            assert d["source"] == "dync"
            assert typo in d["message"]
            page = uri_path(d["href"])
            assert page.is_file() and page.name == "E0111.md" and page.is_relative_to(result["cache"]), page
        else:
            assert got["diagnostics"] == [], where + str(got["diagnostics"])
        # hover
        assert got["hover"].get("answered"), where + str(got["hover"])
        hover = got["hover"]["result"]
        assert hover is not None, where + "no hover"
        contents = hover["contents"]
        value = contents["value"] if isinstance(contents, dict) else str(contents)
        assert f"fn {name}" in value, value
        # definition: the `fn` declaration in the same file
        (location,) = locations(got["definition"]["result"])
        assert uri_path(location["uri"]) == path
        declaration = to_position(text, example.functions[name])
        assert location["range"]["start"] == {"line": declaration.line, "character": declaration.character}
        # references: the declaration and at least one use
        refs = locations(got["references"]["result"])
        assert len(refs) >= 2, refs
        assert {"line": declaration.line, "character": declaration.character} in [r["range"]["start"] for r in refs]
        assert all(uri_path(r["uri"]) == path for r in refs)
        # symbols: the functions and the flows
        names = symbol_names(got["symbols"]["result"])
        for flow in example.flows:
            assert flow.name in names, where + str(sorted(names))
        for fn in example.functions:
            assert fn in names
        # formatting: the examples are formatted (a type error is not a syntax error either)
        assert got["formatting"].get("answered") and not got["formatting"].get("error"), got["formatting"]
        assert got["formatting"].get("result") == [], got["formatting"]  # `[]`, not null
    assert result["stopped"], "the server did not exit after shutdown"
    assert result["exit"]["code"] == 0, result["exit"]
