"""Shared fixtures for the editor-integration tests.

Each test drives a real editor (or the VS Code protocol client) against the real
`ent-ls serve`.  A test whose editor is missing is skipped, unless
ENT_LS_REQUIRE_EDITORS=1, in which case it fails (CI sets that after running
scripts/install-editor-deps.sh).

ENT_LS_SERVER_CMD (a JSON array) replaces the server command, e.g. to try the
clients against another build of the server.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ._support import REPO_ROOT, SAMPLE, WAIT_SECONDS


@pytest.fixture(scope="session")
def editor_env() -> dict[str, str]:
    """Environment for editor processes: the checkout is importable even without `pip install`."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in [str(REPO_ROOT), env.get("PYTHONPATH", "")] if p)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


@pytest.fixture(scope="session")
def server_cmd(editor_env: dict[str, str]) -> list[str]:
    """The command that starts the language server, using the interpreter running pytest."""
    override = os.environ.get("ENT_LS_SERVER_CMD")
    if override:
        cmd = json.loads(override)
        assert isinstance(cmd, list) and cmd and all(isinstance(c, str) for c in cmd), (
            "ENT_LS_SERVER_CMD must be a JSON array of strings"
        )
        return cmd
    probe = [sys.executable, "-m", "ent_ls", "serve", "--help"]
    try:
        proc = subprocess.run(probe, env=editor_env, capture_output=True, text=True, timeout=WAIT_SECONDS)
    except subprocess.TimeoutExpired:
        pytest.fail("`python -m ent_ls serve --help` did not finish")
    if proc.returncode != 0:
        pytest.fail(f"`python -m ent_ls serve --help` failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return [sys.executable, "-m", "ent_ls", "serve"]


@pytest.fixture
def sample_file(tmp_path: Path) -> Path:
    """A project folder with one .entitlements file that triggers the unsigned-executable-memory warning."""
    project = tmp_path / "project"
    project.mkdir()
    (project / ".git").mkdir()  # a root marker, so clients take this folder as the workspace root
    path = project / "App.entitlements"
    path.write_text(SAMPLE, encoding="utf-8")
    return path
