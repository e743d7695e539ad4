"""Static checks of the editor configs that have no runnable editor here (Helix, Sublime Text)
and of the pre-commit hook manifest."""

from __future__ import annotations

import json
import re
import sys

import pytest

from ._support import EDITORS_DIR, REPO_ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")

ENTITLEMENTS_NAMES = ["App.entitlements", "dir/My App.entitlements", "Entitlements.plist", "entitlements-debug.plist"]
OTHER_NAMES = ["Info.plist", "App.entitlements.bak", "entitlements/Info.plist", "notes.txt"]


def strip_json_comments(text: str) -> str:
    """Sublime settings are JSON with // and /* */ comments and trailing commas allowed."""
    out, i, in_string = [], 0, False
    while i < len(text):
        c = text[i]
        if in_string:
            out.append(c)
            if c == "\\":
                out.append(text[i + 1])
                i += 1
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
            out.append(c)
        elif text.startswith("//", i):
            while i < len(text) and text[i] != "\n":
                i += 1
            continue
        elif text.startswith("/*", i):
            i = text.index("*/", i) + 2
            continue
        else:
            out.append(c)
        i += 1
    return re.sub(r",(\s*[}\]])", r"\1", "".join(out))


def test_pre_commit_hook_manifest():
    yaml = pytest.importorskip("yaml")
    hooks = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())
    assert isinstance(hooks, list) and [h["id"] for h in hooks] == ["ent-ls", "ent-ls-fix"]
    assert [h["entry"] for h in hooks] == ["ent-ls check --format text", "ent-ls check --format text --fix"]
    for hook in hooks:
        assert hook["language"] == "python"
        files = re.compile(hook["files"])
        for name in ENTITLEMENTS_NAMES:
            assert files.search(name), name
        for name in OTHER_NAMES:
            assert not files.search(name), name


def test_helix_languages_toml():
    conf = tomllib.loads((EDITORS_DIR / "helix" / "languages.toml").read_text())
    server = conf["language-server"]["ent-ls"]
    assert [server["command"], *server["args"]] == ["ent-ls", "serve"]
    # Helix answers workspace/configuration by walking `config` with the section name.
    assert isinstance(server["config"]["entitlements"], dict)
    (lang,) = conf["language"]
    assert lang["name"] == "entitlements"
    assert lang["grammar"] == "xml"
    assert lang["language-servers"] == ["ent-ls"]
    assert "entitlements" in lang["file-types"]
    assert {"glob": "Entitlements*.plist"} in lang["file-types"]
    queries = EDITORS_DIR / "helix" / "runtime" / "queries" / "entitlements"
    assert (queries / "highlights.scm").read_text().strip() == "; inherits: xml"


def test_sublime_settings():
    lsp = json.loads(strip_json_comments((EDITORS_DIR / "sublime" / "LSP.sublime-settings").read_text()))
    client = lsp["clients"]["ent-ls"]
    assert client["command"] == ["ent-ls", "serve"]
    assert client["selector"] == "text.xml.entitlements"
    assert set(client["settings"]["entitlements"]) == {"platform", "severity", "select", "ignore"}
    ids = json.loads(strip_json_comments((EDITORS_DIR / "sublime" / "language-ids.sublime-settings").read_text()))
    assert ids == {"text.xml.entitlements": "entitlements"}
    syntax = (EDITORS_DIR / "sublime" / "Entitlements.sublime-syntax").read_text()
    assert "scope: text.xml.entitlements" in syntax
    yaml = pytest.importorskip("yaml")
    parsed = yaml.safe_load(syntax)
    assert parsed["file_extensions"] == ["entitlements"]


def test_vscode_file_patterns_match_the_contract():
    manifest = json.loads((EDITORS_DIR / "vscode" / "package.json").read_text())
    (lang,) = manifest["contributes"]["languages"]
    assert lang["id"] == "entitlements"
    assert lang["extensions"] == [".entitlements"]
    assert "entitlements*.plist" in lang["filenamePatterns"]
    lock = json.loads((EDITORS_DIR / "vscode" / "package-lock.json").read_text())
    assert lock["packages"][""]["name"] == manifest["name"]


def test_every_editor_has_a_readme():
    for name in ["vscode", "nvim", "helix", "emacs", "sublime"]:
        readme = EDITORS_DIR / name / "README.md"
        assert readme.is_file(), readme
        assert "ent-ls" in readme.read_text()
    index = (EDITORS_DIR / "README.md").read_text()
    for name in ["vscode", "nvim", "helix", "emacs", "sublime"]:
        assert f"{name}/" in index, name
