"""Emacs + Eglot: editors/emacs/entitlements-mode.el against the real server, in --batch."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from ._support import EDITORS_DIR, JIT, SAMPLE, UNSIGNED, WAIT_SECONDS, missing_tool, run_bounded, tool_output, which

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def emacs() -> str:
    path = which("emacs")
    if not path:
        missing_tool("emacs not found (apt-get install emacs-nox elpa-eglot)")
    version = tool_output([path, "--version"]) or ""
    m = re.search(r"GNU Emacs (\d+)\.(\d+)", version)
    if not m or int(m.group(1)) < 27:
        missing_tool(f"Emacs 27+ is needed, found: {version.splitlines()[0] if version else 'nothing runnable'}")
    # Eglot is built in from Emacs 29, and packaged as elpa-eglot before that.
    probe = f'(progn (load {json.dumps(str(HERE / "emacs" / "activate-eglot.el"))}) (require \'eglot) (princ "ok"))'
    if tool_output([path, "--batch", "-Q", "--eval", probe]) != "ok":
        missing_tool("Eglot is not available to emacs (apt-get install elpa-eglot)")
    return path


def emacs_env(editor_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    env = dict(editor_env)
    env["HOME"] = str(tmp_path / "home")  # no user init, no ~/.emacs.d writes
    (tmp_path / "home").mkdir(exist_ok=True)
    return env


def test_emacs_eglot_reports_warning_and_applies_fix(emacs, server_cmd, editor_env, sample_file, tmp_path):
    result_file = tmp_path / "result.json"
    env = emacs_env(editor_env, tmp_path)
    env.update(
        ENT_LS_EMACS_DIR=str(EDITORS_DIR / "emacs"),
        ENT_LS_TEST_SERVER_CMD=json.dumps(server_cmd),
        ENT_LS_RESULT=str(result_file),
        ENT_LS_WAIT_SECONDS=str(WAIT_SECONDS),
    )
    cmd = [emacs, "--batch", "-Q", "-l", str(HERE / "emacs" / "check-warning.el"), str(sample_file)]
    proc = run_bounded(cmd, timeout=3 * WAIT_SECONDS + 30, cwd=sample_file.parent, env=env, stdin=subprocess.DEVNULL)
    assert result_file.exists(), f"emacs wrote no result (exit {proc.returncode})\n{proc.stdout}\n{proc.stderr}"
    result = json.loads(result_file.read_text())
    assert result["ok"] is True, (
        f"{result.get('error')}\nevents:\n{result.get('events')}\nserver stderr:\n{result.get('stderr')}\n"
        f"emacs stderr:\n{proc.stderr[-4000:]}"
    )
    assert result["major_mode"] == "entitlements-mode"
    assert result["language_id"] in ("entitlements", None)  # None: this Eglot does not expose it
    assert result["shipped_contact"] == ["ent-ls", "serve"]
    d = result["diagnostic"]
    assert d["type"] == "eglot-warning"
    assert d["covered"] == UNSIGNED
    if d["code"] is not None:
        assert d["code"] == "unsigned-executable-memory"
    assert result["text"] == SAMPLE.replace(UNSIGNED, JIT)
    assert result["cleared"] is True, "the warning did not go away after the fix"


@pytest.mark.parametrize(
    "name, expected",
    [
        ("App.entitlements", "entitlements-mode"),
        ("Entitlements.plist", "entitlements-mode"),
        ("entitlements-debug.plist", "entitlements-mode"),
        ("ENTITLEMENTS.PLIST", "entitlements-mode"),
        ("Info.plist", None),
    ],
)
def test_emacs_auto_mode(emacs, editor_env, tmp_path, name, expected):
    env = emacs_env(editor_env, tmp_path)
    file = tmp_path / name
    file.write_text(SAMPLE, encoding="utf-8")
    lisp = f"""
      (progn
        (add-to-list 'load-path {json.dumps(str(EDITORS_DIR / "emacs"))})
        (require 'entitlements-mode)
        (find-file {json.dumps(str(file))})
        (princ major-mode))
    """
    proc = run_bounded([emacs, "--batch", "-Q", "--eval", lisp], timeout=WAIT_SECONDS, env=env)
    got = proc.stdout.strip()
    if expected is None:
        assert got != "entitlements-mode"
    else:
        assert got == expected, proc.stderr


def test_emacs_mode_byte_compiles_cleanly(emacs, editor_env, tmp_path):
    src = tmp_path / "entitlements-mode.el"
    src.write_text((EDITORS_DIR / "emacs" / "entitlements-mode.el").read_text())
    env = emacs_env(editor_env, tmp_path)
    proc = run_bounded(
        [emacs, "--batch", "-Q", "--eval", "(setq byte-compile-error-on-warn t)", "-f", "batch-byte-compile", str(src)],
        timeout=WAIT_SECONDS,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "entitlements-mode.elc").is_file()
