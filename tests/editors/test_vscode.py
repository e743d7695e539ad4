"""VS Code: the extension's own tests (`npm test`, which drives the real server over stdio with
vscode-languageserver-protocol) and its packaging (`npm run package` -> ent-ls.vsix)."""

from __future__ import annotations

import json
import re
import subprocess
import zipfile

import pytest

from ._support import EDITORS_DIR, missing_tool, run_bounded, tool_output, which

VSCODE_DIR = EDITORS_DIR / "vscode"
VSIX = VSCODE_DIR / "ent-ls.vsix"


@pytest.fixture(scope="module")
def npm() -> str:
    node, npm = which("node"), which("npm")
    if not node or not npm:
        missing_tool("node/npm not found")
    version = tool_output([node, "--version"]) or ""
    m = re.match(r"v(\d+)", version)
    if not m or int(m.group(1)) < 20:
        missing_tool(f"node 20+ is needed, found {version or 'nothing runnable'}")
    if not (VSCODE_DIR / "node_modules" / ".package-lock.json").exists():
        missing_tool("editors/vscode/node_modules is missing (npm ci in editors/vscode)")
    return npm


def test_vscode_npm_test_against_server(npm, server_cmd, editor_env):
    env = dict(editor_env)
    env["ENT_LS_SERVER_CMD"] = json.dumps(server_cmd)
    env["ENT_LS_REQUIRE_EDITORS"] = "1"  # the server test must run, not skip
    env["NO_COLOR"] = "1"
    proc = run_bounded([npm, "test"], timeout=300, cwd=VSCODE_DIR, env=env, stdin=subprocess.DEVNULL)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"npm test failed ({proc.returncode}):\n{output[-8000:]}"
    counts = {k: int(v) for k, v in re.findall(r"^# (pass|fail|skipped|cancelled) (\d+)$", proc.stdout, re.M)}
    assert counts.get("fail") == 0 and counts.get("cancelled") == 0, output[-8000:]
    assert counts.get("skipped") == 0, f"some extension tests were skipped:\n{output[-8000:]}"
    assert counts.get("pass", 0) >= 10, output[-8000:]
    assert re.search(
        r"^\s*ok \d+ - warns about allow-unsigned-executable-memory .*with codeAction/resolve", proc.stdout, re.M
    )
    assert re.search(
        r"^\s*ok \d+ - warns about allow-unsigned-executable-memory .*without resolve support", proc.stdout, re.M
    )


def test_vscode_package_builds_vsix(npm, editor_env):
    VSIX.unlink(missing_ok=True)
    proc = run_bounded([npm, "run", "package"], timeout=300, cwd=VSCODE_DIR, env=editor_env, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, f"npm run package failed ({proc.returncode}):\n{(proc.stdout + proc.stderr)[-8000:]}"
    assert VSIX.is_file(), "npm run package did not produce editors/vscode/ent-ls.vsix"
    with zipfile.ZipFile(VSIX) as z:
        names = set(z.namelist())
        for required in [
            "extension/package.json",
            "extension/dist/extension.js",
            "extension/language-configuration.json",
            "extension/syntaxes/entitlements.tmLanguage.json",
            "extension.vsixmanifest",
        ]:
            assert required in names, f"{required} missing from the .vsix: {sorted(names)}"
        assert not any(n.startswith("extension/node_modules/") for n in names), "dependencies are bundled, not shipped"
        manifest = json.loads(z.read("extension/package.json"))
    source = json.loads((VSCODE_DIR / "package.json").read_text())
    assert manifest["name"] == source["name"] and manifest["version"] == source["version"]
    assert manifest["main"] == "./dist/extension.js"
    assert [lang["id"] for lang in manifest["contributes"]["languages"]] == ["entitlements"]
