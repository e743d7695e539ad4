"""VS Code: the extension's own tests (`npm test`, which drives the real server over stdio with
vscode-languageserver-protocol), its packaging (`npm run package` -> ent-ls.vsix, server bundled)
and its manifest. test_vscode_e2e.py installs the same .vsix in a real VS Code."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ent_ls import __version__

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


@pytest.fixture(scope="session")
def packaged_vsix(tmp_path_factory, editor_env) -> Path:
    """`npm run package` once per run: bundles the server from this checkout and packs ent-ls.vsix.
    Returns a copy in a temp folder (the checkout's copy is rebuilt by every run)."""
    node, npm = which("node"), which("npm")
    if not node or not npm or not (VSCODE_DIR / "node_modules" / ".package-lock.json").exists():
        missing_tool("node/npm or editors/vscode/node_modules not found")
    VSIX.unlink(missing_ok=True)
    env = dict(editor_env, ENT_LS_PYTHON=sys.executable)  # runs pip for bundled/
    proc = run_bounded([npm, "run", "package"], timeout=600, cwd=VSCODE_DIR, env=env, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, f"npm run package failed ({proc.returncode}):\n{(proc.stdout + proc.stderr)[-8000:]}"
    assert VSIX.is_file(), "npm run package did not produce editors/vscode/ent-ls.vsix"
    out = tmp_path_factory.mktemp("vsix") / "ent-ls.vsix"
    shutil.copy(VSIX, out)
    return out


# Every file the .vsix carries outside bundled/, and why (the .vscodeignore says the same).
INTENDED = {
    "package.json": "the manifest",
    "README.md": "the extension's page",
    "CHANGELOG.md": "the changelog tab",
    "LICENSE": "the licence",
    "images/icon.png": "the icon",
    "images/warning.png": "screenshot in the README",
    "images/hover.png": "screenshot in the README",
    "images/quick-fix.png": "screenshot in the README",
    "dist/extension.js": "the extension, vscode-languageclient bundled in by esbuild",
    "language-configuration.json": "comments, brackets, indentation",
    "syntaxes/entitlements.tmLanguage.json": "highlighting",
    "launcher/ent_ls_launcher.py": "starts the bundled server",
}
# vsce renames these inside the .vsix
PACKED_AS = {"README.md": "readme.md", "CHANGELOG.md": "changelog.md", "LICENSE": "LICENSE.txt"}
BUNDLED_FILE = re.compile(r"bundled/(?:[\w./-]+\.(?:py|json)|[\w.-]+\.dist-info/(?:METADATA|licenses/[\w.-]+))")


def bundle_pins() -> dict[str, str]:
    pins = {}
    for line in (VSCODE_DIR / "bundle-requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.replace("-", "_")] = version
    return pins


def test_bundle_pins_every_runtime_dependency():
    # a dependency added to pyproject.toml but not to the bundle breaks the extension on a machine
    # with only python3 (that happened once: pathspec)
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        import tomli as tomllib
    deps = tomllib.loads((EDITORS_DIR.parent / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {re.split(r"[<>=!~;\s\[]", d, 1)[0].lower().replace("-", "_") for d in deps}
    assert names <= {n.lower() for n in bundle_pins()}, names - {n.lower() for n in bundle_pins()}


def test_vscode_package_builds_vsix(packaged_vsix):
    assert packaged_vsix.stat().st_size < 2 * 1024 * 1024, f"the .vsix is {packaged_vsix.stat().st_size} bytes"
    with zipfile.ZipFile(packaged_vsix) as z:
        names = set(z.namelist())
        for required in ["extension.vsixmanifest", *(f"extension/{PACKED_AS.get(f, f)}" for f in INTENDED)]:
            assert required in names, f"{required} missing from the .vsix: {sorted(names)}"
        assert not any(n.startswith("extension/node_modules/") for n in names), "dependencies are bundled, not shipped"
        files = {n[len("extension/"):] for n in names if n.startswith("extension/")}
        extra = sorted(f for f in files - {PACKED_AS.get(f, f) for f in INTENDED} if not BUNDLED_FILE.fullmatch(f))
        assert not extra, f"files nobody meant to ship: {extra}"
        assert not [f for f in files if "__pycache__" in f or f.endswith((".pyc", ".so", ".pyd", "direct_url.json"))]
        dists = {f.split("/")[1].rsplit(".dist-info", 1)[0] for f in files if ".dist-info/METADATA" in f}
        expected = {f"{name}-{version}" for name, version in bundle_pins().items()} | {f"ent_ls-{__version__}"}
        assert {d.lower() for d in dists} == {d.lower() for d in expected}
        assert "extension/bundled/ent_ls/schema/entitlements/hardened-runtime.json" in names, "the catalog travels"
        manifest = json.loads(z.read("extension/package.json"))
    source = json.loads((VSCODE_DIR / "package.json").read_text())
    assert manifest["name"] == source["name"] and manifest["version"] == source["version"]
    assert manifest["main"] == "./dist/extension.js"
    assert [lang["id"] for lang in manifest["contributes"]["languages"]] == ["entitlements"]


def test_vscode_vsce_ls_shows_exactly_the_intended_files(packaged_vsix, editor_env):
    proc = run_bounded(["npx", "--no-install", "vsce", "ls", "--no-dependencies"], timeout=120, cwd=VSCODE_DIR,
                       env=editor_env, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    listed = set(proc.stdout.split())
    assert set(INTENDED) <= listed, sorted(set(INTENDED) - listed)
    assert sorted(f for f in listed - set(INTENDED) if not BUNDLED_FILE.fullmatch(f)) == []
    with zipfile.ZipFile(packaged_vsix) as z:
        packed = {n[len("extension/"):] for n in z.namelist() if n.startswith("extension/")}
    # the .vsix holds what `vsce ls` showed, nothing more
    assert {PACKED_AS.get(f, f) for f in listed} == packed, sorted({PACKED_AS.get(f, f) for f in listed} ^ packed)


def pythons_to_try() -> list[str]:
    """The interpreters a user may have: this machine's python3 and, where found, 3.9 (the oldest supported)."""
    found = [p for p in ["/usr/bin/python3", shutil.which("python3.9")]
             if p and os.access(p, os.X_OK) and "/shims/" not in p]  # a pyenv shim may lead nowhere
    found += [str(p) for p in sorted(Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")).glob("versions/3.9*/bin/python3.9"))]
    return list(dict.fromkeys(found))


def test_vsix_server_runs_with_only_python3(packaged_vsix, tmp_path, sample_file):
    """Unpacked as VS Code installs it, the bundled server needs nothing but an interpreter."""
    with zipfile.ZipFile(packaged_vsix) as z:
        z.extractall(tmp_path / "vsix")
    launcher = tmp_path / "vsix" / "extension" / "launcher" / "ent_ls_launcher.py"
    pythons = pythons_to_try()
    if not pythons:
        missing_tool("no /usr/bin/python3 or python3.9 to run the bundled server with")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}  # no PYTHONPATH, no venv
    for python in pythons:
        proc = subprocess.run([python, "-I", str(launcher), "--version"], capture_output=True, text=True,
                              timeout=60, env=env, cwd=tmp_path)
        assert proc.returncode == 0 and proc.stdout.strip() == f"ent-ls {__version__}", (python, proc.stderr)
        proc = subprocess.run([python, "-I", str(launcher), "check", str(sample_file)], capture_output=True,
                              text=True, timeout=60, env=env, cwd=tmp_path)
        assert proc.returncode == 1, (python, proc.stdout, proc.stderr)
        assert "warning[unsigned-executable-memory]" in proc.stdout, (python, proc.stdout)
        where = subprocess.run(
            [python, "-I", "-c", f"import sys; sys.path.insert(0, {str(launcher.parent.parent / 'bundled')!r}); "
             "import ent_ls, pygls; print(ent_ls.__file__); print(pygls.__file__)"],
            capture_output=True, text=True, timeout=60, env=env)
        assert all(str(tmp_path / "vsix") in line for line in where.stdout.split()), where.stdout + where.stderr


def test_vscode_manifest_is_marketplace_and_open_vsx_ready():
    m = json.loads((VSCODE_DIR / "package.json").read_text())
    for field in ("name", "publisher", "version", "displayName", "description", "license", "engines", "categories"):
        assert m.get(field), f"{field} is needed by the Marketplace and Open VSX"
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", m["name"]) and re.fullmatch(r"[a-z0-9][a-z0-9-]*", m["publisher"])
    assert (VSCODE_DIR / m["icon"]).is_file() and m["icon"].endswith(".png")
    assert m["galleryBanner"]["theme"] in ("dark", "light")
    assert 5 <= len(m["keywords"]) <= 30  # vsce refuses more than 30
    assert not m.get("enabledApiProposals"), "proposed APIs cannot be published"
    # No public home yet: no invented URLs (vsce runs with --allow-missing-repository).
    assert not any(k in m for k in ("repository", "bugs", "homepage"))
    caps = m["capabilities"]
    assert caps["untrustedWorkspaces"]["supported"] == "limited"
    assert set(caps["untrustedWorkspaces"]["restrictedConfigurations"]) == {
        "entitlements.server.path", "entitlements.server.args"}
    for key in caps["untrustedWorkspaces"]["restrictedConfigurations"]:
        assert key in m["contributes"]["configuration"]["properties"]
    assert caps["virtualWorkspaces"]["supported"] == "limited" and caps["virtualWorkspaces"]["description"]
    assert (VSCODE_DIR / "CHANGELOG.md").read_text().startswith("# Changelog\n\n## " + m["version"])
