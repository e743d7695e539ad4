"""Helpers shared by the editor-integration tests (fixtures are in conftest.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
EDITORS_DIR = REPO_ROOT / "editors"

# Every wait in these tests is bounded by this many seconds.
WAIT_SECONDS = 60

UNSIGNED = "com.apple.security.cs.allow-unsigned-executable-memory"
JIT = "com.apple.security.cs.allow-jit"
FIX_TITLE = f"Switch to {JIT}"

SAMPLE = f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
\t<key>com.apple.security.app-sandbox</key>
\t<true/>
\t<key>{UNSIGNED}</key>
\t<true/>
</dict>
</plist>
"""


def editors_required() -> bool:
    return os.environ.get("ENT_LS_REQUIRE_EDITORS") == "1"


def missing_tool(reason: str) -> None:
    """Skips the test, or fails it when ENT_LS_REQUIRE_EDITORS=1."""
    if editors_required():
        pytest.fail(f"{reason} (ENT_LS_REQUIRE_EDITORS=1; run scripts/install-editor-deps.sh)")
    pytest.skip(f"{reason}; run scripts/install-editor-deps.sh")


def tool_output(cmd: list[str], env: dict[str, str] | None = None) -> str | None:
    """Output of `cmd` (stdout, else stderr), or None when it cannot run or fails."""
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=WAIT_SECONDS, env=env)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    return (proc.stdout or proc.stderr).strip()


def which(name: str) -> str | None:
    return shutil.which(name)


def run_bounded(cmd: list[str], *, timeout: float, **kwargs) -> subprocess.CompletedProcess:
    """subprocess.run with a time limit that fails the test (with the output so far) instead of hanging."""
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kwargs)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        err = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else (e.stderr or "")
        pytest.fail(f"{' '.join(cmd)} did not finish within {timeout} s\nstdout:\n{out}\nstderr:\n{err}")
