"""The command line as a newcomer meets it: each row of issue 14's table,
through the installed `ent-ls` command, with the exact output asserted."""

import json
import os
import plistlib
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, plist
from sarif_check import validate_sarif

BIN = Path(sys.executable).parent
ENT_LS = BIN / "ent-ls"
UNSIGNED = "com.apple.security.cs.allow-unsigned-executable-memory"
RISKY = plist(f"\t<key>{UNSIGNED}</key>\n\t<true/>\n")
CLEAN = plist("\t<key>com.apple.security.app-sandbox</key>\n\t<true/>\n")
UNSIGNED_LINE = ("warning[unsigned-executable-memory] writable and executable memory without MAP_JIT invites "
                 "exploits; use allow-jit with MAP_JIT [unsafe fix]")


def ent_ls(*args, cwd, input=None, env=None):
    """The installed command, as a user runs it (no colour: not a terminal)."""
    assert ENT_LS.exists(), f"{ENT_LS} is missing: pip install -e . into this Python"
    full_env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    full_env.update({"PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", **(env or {})})
    r = subprocess.run([str(ENT_LS), *args], cwd=cwd, input=input, capture_output=True, timeout=120, env=full_env)
    return r.returncode, r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")


def write(path: Path, text) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


# --- row: the README's code-scanning snippet ----------------------------------------------------

def readme_ci_steps():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", readme, re.S)
    block = next(b for b in blocks if "upload-sarif" in b and "- run: ent-ls" in b)
    return block, [m.group(1) for m in re.finditer(r"^- run: (ent-ls .*)$", block, re.M)]


def test_readme_snippet_uploads_whatever_is_found_then_fails(tmp_path):
    block, runs = readme_ci_steps()
    upload = block[block.index("upload-sarif"):]
    assert "if: always()" in upload.split("- run:")[0]
    write(tmp_path / "App" / "App.entitlements", RISKY.replace("<true/>", "<true/>\n\t<key>x</key>", 1))
    sarif_step, fail_step = runs
    r = subprocess.run(sarif_step, shell=True, cwd=tmp_path, capture_output=True, timeout=120,
                       env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"})
    assert r.returncode == 0, r.stderr  # the upload step that follows runs
    log = validate_sarif((tmp_path / "ent-ls.sarif").read_text(encoding="utf-8"), tmp_path)
    assert [res["ruleId"] for res in log["runs"][0]["results"]] == [
        "unsigned-executable-memory", "plist-structure", "unknown-key", "codesign-parse"]
    r = subprocess.run(fail_step, shell=True, cwd=tmp_path, capture_output=True, timeout=120,
                       env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"})
    assert r.returncode == 1
    assert r.stdout.decode().splitlines()[1] == (
        "::error file=App/App.entitlements,line=7,col=2,endLine=7,endColumn=14,title=ent-ls (plist-structure)::"
        "key 'x' has no value after it")


def test_fail_level(tmp_path):
    write(tmp_path / "App.entitlements", RISKY)
    assert ent_ls("check", "-q", "App.entitlements", cwd=tmp_path)[:2] == (1, f"App.entitlements:5:7: {UNSIGNED_LINE}\n")
    assert ent_ls("check", "-q", "--fail-level", "error", "App.entitlements", cwd=tmp_path)[0] == 0
    assert ent_ls("check", "-q", "--fail-level", "never", "App.entitlements", cwd=tmp_path)[0] == 0
    write(tmp_path / "Info.entitlements", plist("\t<key>com.apple.developer.playable-content</key>\n\t<false/>\n"
                                                "\t<key>com.apple.private.foo</key>\n\t<true/>\n"))
    assert ent_ls("check", "--fail-level", "warning", "--ignore", "deprecated-key", "Info.entitlements",
                  cwd=tmp_path)[0] == 0
    assert ent_ls("check", "--fail-level", "information", "--ignore", "deprecated-key", "Info.entitlements",
                  cwd=tmp_path)[0] == 1


# --- row: SARIF for awkward paths ------------------------------------------------------------------

def test_sarif_uris_for_spaces_hash_percent_and_non_ascii(tmp_path):
    names = ["My App.entitlements", "dir #1/App.entitlements", "100%/App.entitlements", "Café/Ünïcødé.entitlements"]
    for name in names:
        write(tmp_path / name, RISKY)
    outside = write(tmp_path.parent / f"{tmp_path.name}-other dir" / "A #b.entitlements", RISKY)
    code, out, err = ent_ls("check", "--format", "sarif", ".", str(outside), cwd=tmp_path)
    assert code == 1 and err == ""
    log = validate_sarif(out, tmp_path)
    run = log["runs"][0]
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": tmp_path.resolve().as_uri() + "/"}}
    locations = [res["locations"][0]["physicalLocation"]["artifactLocation"] for res in run["results"]]
    assert locations == [
        {"uri": "100%25/App.entitlements", "uriBaseId": "%SRCROOT%"},
        {"uri": "Caf%C3%A9/%C3%9Cn%C3%AFc%C3%B8d%C3%A9.entitlements", "uriBaseId": "%SRCROOT%"},
        {"uri": "My%20App.entitlements", "uriBaseId": "%SRCROOT%"},
        {"uri": "dir%20%231/App.entitlements", "uriBaseId": "%SRCROOT%"},
        {"uri": outside.resolve().as_uri()},
    ]
    assert outside.resolve().as_uri().endswith("-other%20dir/A%20%23b.entitlements")
    rule = run["tool"]["driver"]["rules"][run["results"][0]["ruleIndex"]]
    assert rule["id"] == "unsigned-executable-memory"
    assert rule["defaultConfiguration"] == {"level": "warning"}
    assert rule["properties"]["tags"] == ["entitlements", "security", "hardened-runtime"]
    assert rule["fullDescription"]["text"].startswith("allow-unsigned-executable-memory lets the app map writable")
    assert "helpUri" not in rule and "informationUri" not in run["tool"]["driver"]  # no made-up address
    assert run["tool"]["driver"]["version"] == run["tool"]["driver"]["semanticVersion"]


def test_sarif_links_when_told_where_the_docs_are(tmp_path):
    write(tmp_path / "App.entitlements", RISKY)
    code, out, _ = ent_ls("check", "--format", "sarif", "--project-url", "https://example.invalid/ent-ls",
                          "App.entitlements", cwd=tmp_path,
                          env={"ENT_LS_RULES_URL": "https://example.invalid/ent-ls/docs/rules.md"})
    log = validate_sarif(out, tmp_path)
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == "https://example.invalid/ent-ls"
    assert driver["rules"][0]["helpUri"] == f"https://example.invalid/ent-ls/docs/rules.md#{driver['rules'][0]['id']}"


def test_sarif_fingerprints_survive_moved_lines(tmp_path):
    p = write(tmp_path / "App.entitlements", RISKY)
    first = json.loads(ent_ls("check", "--format", "sarif", "App.entitlements", cwd=tmp_path)[1])
    write(p, RISKY.replace("<dict>\n", "<dict>\n\t<key>com.apple.security.app-sandbox</key>\n\t<true/>\n\n"))
    second = validate_sarif(ent_ls("check", "--format", "sarif", "App.entitlements", cwd=tmp_path)[1], tmp_path)
    a, b = first["runs"][0]["results"][0], second["runs"][0]["results"][0]
    assert a["locations"][0]["physicalLocation"]["region"]["startLine"] == 5
    assert b["locations"][0]["physicalLocation"]["region"]["startLine"] == 8
    assert a["partialFingerprints"] == b["partialFingerprints"]
    assert len(a["partialFingerprints"]["entLsFinding/v1"]) == 32


# --- row: installs that work as written -------------------------------------------------------------

def test_no_text_tells_users_to_install_a_package_that_does_not_exist():
    texts = [p for p in ROOT.rglob("*") if p.is_file() and p.suffix in (".md", ".yml", ".yaml", ".el", ".lua", ".py",
                                                                         ".toml", ".sh", ".json", ".ts")
             and not any(part in ("node_modules", ".tools", ".git", "bundled", "out", "dist") for part in p.parts)
             and p.name != "test_newcomer.py"]
    assert len(texts) > 30
    offenders = [str(p.relative_to(ROOT)) for p in texts
                 if re.search(r"(?<!/)pip install ent-ls(?!` would|/)", p.read_text(encoding="utf-8", errors="replace"))]
    assert offenders == []
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "github.com/ent-ls" not in readme and readme.count("## Install\n") == 1


def test_version_lives_in_one_place():
    from ent_ls import __version__

    code, out, _ = ent_ls("--version", cwd=ROOT)
    assert out == f"ent-ls {__version__}\n"
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject and __version__ not in pyproject


# --- row: configuration read as TOML -------------------------------------------------------------------

def test_quoted_table_name_in_pyproject_is_read(tmp_path):
    write(tmp_path / "pyproject.toml", '[project]\nname = "app"\n\n[tool."ent-ls"]\nignore = ["unsigned-executable-memory"]\n')
    write(tmp_path / "App.entitlements", RISKY)
    assert ent_ls("check", "App.entitlements", cwd=tmp_path) == (
        0, "All clear: 1 file checked, no problems.\n", "")
    write(tmp_path / "pyproject.toml", '[tool]\n"ent-ls" = { ignore = ["unsigned-executable-memory"] }\n')
    assert ent_ls("check", "App.entitlements", cwd=tmp_path)[0] == 0


def test_broken_pyproject_header_is_reported_with_file_and_line(tmp_path):
    write(tmp_path / "pyproject.toml", '[project]\nname = "app"\n[tool.ent-ls\nplatform = "ios"\n')
    write(tmp_path / "App.entitlements", RISKY)
    code, out, err = ent_ls("check", "-q", "App.entitlements", cwd=tmp_path)
    where = tmp_path.resolve() / "pyproject.toml"
    assert err == (f"ent-ls: config: {where}:3:13: invalid TOML: Expected ']' at the end of a table declaration "
                   "(defaults apply)\n")
    assert (code, out) == (1, f"App.entitlements:5:7: {UNSIGNED_LINE}\n")


def test_unknown_option_says_did_you_mean(tmp_path):
    write(tmp_path / ".ent-ls.toml", 'platfrom = "ios"\nextend-exclud = ["Vendor"]\nzzz = 1\n')
    write(tmp_path / "App.entitlements", CLEAN)
    code, out, err = ent_ls("check", "App.entitlements", cwd=tmp_path)
    where = tmp_path.resolve() / ".ent-ls.toml"
    assert err.splitlines() == [
        f"ent-ls: config: {where}:1: unknown option 'platfrom'; did you mean 'platform'? (defaults apply)",
        f"ent-ls: config: {where}:2: unknown option 'extend-exclud'; did you mean 'extend-exclude'? (defaults apply)",
        f"ent-ls: config: {where}:3: unknown option 'zzz' (known: platform, select, ignore, severity, extend-keys, "
        "debug-files, exclude, extend-exclude, respect-gitignore) (defaults apply)",
    ]
    assert code == 0


# --- row: walking a real project ---------------------------------------------------------------------

def xcode_project(root: Path) -> Path:
    for rel in ["App/App.entitlements", "build/Release/App.entitlements", "DerivedData/x/App.entitlements",
                "Pods/Lib/Lib.entitlements", "Carthage/Checkouts/A.entitlements",
                "node_modules/react-native/x.entitlements", ".build/checkouts/y.entitlements",
                ".git/z.entitlements", ".hidden/h.entitlements", "Generated/Gen.entitlements",
                "Vendor/V.entitlements", "ios/Widget/Entitlements.plist"]:
        write(root / rel, RISKY)
    write(root / ".gitignore", "Generated/\n")
    return root


def test_build_dependency_hidden_and_ignored_folders_are_skipped(tmp_path):
    root = xcode_project(tmp_path)
    code, out, err = ent_ls("check", "-q", ".", cwd=root)
    assert (code, err) == (1, "")
    assert out == (f"App/App.entitlements:5:7: {UNSIGNED_LINE}\n"
                   f"Vendor/V.entitlements:5:7: {UNSIGNED_LINE}\n"
                   f"ios/Widget/Entitlements.plist:5:7: {UNSIGNED_LINE}\n")
    write(root / ".ent-ls.toml", 'extend-exclude = ["Vendor/"]\n')
    files = [line.split(":")[0] for line in ent_ls("check", "-q", ".", cwd=root)[1].splitlines()]
    assert files == ["App/App.entitlements", "ios/Widget/Entitlements.plist"]
    write(root / ".ent-ls.toml", 'exclude = []\nrespect-gitignore = false\n')
    files = [line.split(":")[0] for line in ent_ls("check", "-q", ".", cwd=root)[1].splitlines()]
    assert files == ["App/App.entitlements", "Carthage/Checkouts/A.entitlements", "DerivedData/x/App.entitlements",
                     "Generated/Gen.entitlements", "Pods/Lib/Lib.entitlements", "Vendor/V.entitlements",
                     "build/Release/App.entitlements", "ios/Widget/Entitlements.plist",
                     "node_modules/react-native/x.entitlements"]
    (root / ".ent-ls.toml").unlink()
    files = [line.split(":")[0] for line in ent_ls("check", "-q", "--no-ignore", ".", cwd=root)[1].splitlines()]
    assert len(files) == 12 and ".git/z.entitlements" in files and ".hidden/h.entitlements" in files
    # a file named on the command line is always checked
    assert ent_ls("check", "-q", "build/Release/App.entitlements", cwd=root)[1] == (
        f"build/Release/App.entitlements:5:7: {UNSIGNED_LINE}\n")


def test_gitignore_of_the_repository_and_negations(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    write(tmp_path / ".gitignore", "*.local.entitlements\n!Keep.local.entitlements\n")
    write(tmp_path / "sub" / "A.local.entitlements", RISKY)
    write(tmp_path / "sub" / "Keep.local.entitlements", RISKY)
    write(tmp_path / "sub" / "deeper" / ".gitignore", "B.entitlements\n")
    write(tmp_path / "sub" / "deeper" / "B.entitlements", RISKY)
    write(tmp_path / "sub" / "deeper" / "C.entitlements", RISKY)
    code, out, _ = ent_ls("check", "-q", "sub", cwd=tmp_path)
    assert [line.split(":")[0] for line in out.splitlines()] == ["sub/Keep.local.entitlements",
                                                                  "sub/deeper/C.entitlements"]


def test_no_files_found(tmp_path):
    (tmp_path / "empty").mkdir()
    assert ent_ls("check", "empty", cwd=tmp_path) == (
        2, "", "ent-ls: error: no entitlements files (*.entitlements, entitlements*.plist) found in empty\n")
    code, out, err = ent_ls("check", "--format", "sarif", "empty", cwd=tmp_path)
    assert code == 2 and validate_sarif(out, tmp_path)["runs"][0]["results"] == []
    assert ent_ls("check", cwd=tmp_path / "empty") == (
        0, "", "ent-ls: warning: no entitlements files (*.entitlements, entitlements*.plist) found in .\n")


# --- rows: random bytes, binary plists and --fix -----------------------------------------------------------

def test_random_bytes_get_one_finding(tmp_path):
    write(tmp_path / "Random.entitlements", bytes(range(256)) * 8)
    write(tmp_path / "App.entitlements", b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + bytes(4000))
    write(tmp_path / "Zip.entitlements", b"PK\x03\x04" + bytes(100))
    code, out, err = ent_ls("check", ".", cwd=tmp_path)
    assert (code, err) == (1, "")
    assert out == (
        "App.entitlements:1:1: error[not-a-plist] not a property list (a Mach-O binary); "
        "point ent-ls at an entitlements file\n"
        "Random.entitlements:1:1: error[not-a-plist] not a property list (binary data); "
        "point ent-ls at an entitlements file\n"
        "Zip.entitlements:1:1: error[not-a-plist] not a property list (a zip archive); "
        "point ent-ls at an entitlements file\n"
        "Found 3 problems (3 errors) in 3 files.\n")
    assert ent_ls("check", "--fix", ".", cwd=tmp_path)[1] == out


def test_identical_findings_at_one_place_are_reported_once(tmp_path):
    write(tmp_path / "A.entitlements", "<plist><dict><key>a</key><<<<<< <key>b")
    code, out, _ = ent_ls("check", "-q", "A.entitlements", cwd=tmp_path)
    lines = out.splitlines()
    assert len(lines) == len(set(lines)) and "<>" not in out and "</>" not in out


def test_fix_on_a_binary_plist_promises_nothing(tmp_path):
    write(tmp_path / "Bin.entitlements", plistlib.dumps({UNSIGNED: True, "com.apple.security.network.server": False},
                                                       fmt=plistlib.FMT_BINARY))
    code, out, err = ent_ls("check", "--fix", "Bin.entitlements", cwd=tmp_path)
    assert (code, err) == (1, "ent-ls: Bin.entitlements: binary property lists are not fixed in place\n")
    assert out == (
        "Bin.entitlements: error[codesign-parse] codesign rejects this: AMFIUnserializeXML: syntax "
        "error near line 1 (a binary plist: plutil -convert xml1 it)\n"
        "Bin.entitlements: warning[unsigned-executable-memory] com.apple.security.cs.allow-unsigned-executable-memory: "
        "writable and executable memory without MAP_JIT "
        "invites exploits; use allow-jit with MAP_JIT\n"
        "Bin.entitlements: hint[false-value] com.apple.security.network.server: false is the same as leaving the key "
        "out; remove it\n"
        "Found 3 problems (1 error, 1 warning, 1 hint) in 1 file.\n")


# --- rows: messages, explain, serve and colour ---------------------------------------------------------

def test_every_message_is_short(tmp_path):
    from test_rule_examples import PROJECT_RULES, RULES, write_examples

    write_examples(tmp_path, "example")
    code, out, _ = ent_ls("check", "--format", "json", ".", cwd=tmp_path)
    found = json.loads(out)
    assert {d["rule"] for d in found} >= {r.id for r in RULES if r.id not in PROJECT_RULES}
    long = [(d["rule"], d["message"]) for d in found if len(d["message"]) > 100]
    assert long == []


def test_explain_renders_for_terminals_and_keeps_markdown_on_request(tmp_path):
    code, out, _ = ent_ls("explain", "duplicate-key", cwd=tmp_path)
    assert out.startswith("duplicate-key\n=============\n\nDefault severity: error. A key appears more than once")
    assert "`" not in out and "**" not in out and "```" not in out and "\n    <key>" in out
    assert max(len(line) for line in out.splitlines()) <= 100
    code, md, _ = ent_ls("explain", "--format", "markdown", "duplicate-key", cwd=tmp_path)
    assert md.startswith("## duplicate-key\n\n**Default severity:** error.") and "```xml" in md


def run_on_a_tty(args, cwd, seconds=20, env=None):
    """Run the installed command with a pseudo-terminal as stdin, stdout and stderr."""
    pty = pytest.importorskip("pty")
    import select

    master, slave = pty.openpty()
    full_env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    full_env.update({"PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "COLUMNS": "80", **(env or {})})
    proc = subprocess.Popen([str(ENT_LS), *args], cwd=cwd, stdin=slave, stdout=slave, stderr=slave, env=full_env)
    os.close(slave)
    chunks = []
    try:
        while True:
            ready, _, _ = select.select([master], [], [], seconds)
            if not ready:
                break
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
            if args[0] == "serve" and b"\n" in b"".join(chunks):
                break
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=20)
        os.close(master)
    return b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")


def test_serve_on_a_terminal_says_what_it_is(tmp_path):
    out = run_on_a_tty(["serve"], tmp_path)
    assert out == ("ent-ls serve is a language server: editors start it and talk to it on stdin. "
                   "To lint files, run 'ent-ls check'.\n")


def test_explain_on_a_terminal_is_coloured_and_wrapped(tmp_path):
    out = run_on_a_tty(["explain", "duplicate-key"], tmp_path)
    assert out.startswith("\x1b[1mduplicate-key\x1b[0m\n=============\n")
    assert "`" not in out
    plain = re.sub(r"\x1b\[[0-9;]*m", "", out)
    assert max(len(line) for line in plain.splitlines()) <= 80
    assert "\x1b[" not in run_on_a_tty(["explain", "duplicate-key"], tmp_path, env={"NO_COLOR": "1"})


def test_color_auto_always_never(tmp_path):
    write(tmp_path / "App.entitlements", RISKY)
    painted = "\x1b[1mApp.entitlements:5:7\x1b[0m: \x1b[33mwarning\x1b[0m"
    assert ent_ls("check", "-q", "--color", "always", "App.entitlements", cwd=tmp_path)[1].startswith(painted)
    assert "\x1b[" not in ent_ls("check", "--color", "auto", "App.entitlements", cwd=tmp_path)[1]  # not a terminal
    assert "\x1b[" not in ent_ls("check", "--no-color", "App.entitlements", cwd=tmp_path)[1]
    assert run_on_a_tty(["check", "-q", "App.entitlements"], tmp_path).startswith(painted)
    assert "\x1b[" not in run_on_a_tty(["check", "-q", "App.entitlements"], tmp_path, env={"NO_COLOR": "1"})
    assert "\x1b[" not in run_on_a_tty(["check", "-q", "--color", "never", "App.entitlements"], tmp_path)


def test_unknown_rule_ids_say_did_you_mean(tmp_path):
    write(tmp_path / "App.entitlements", CLEAN)
    assert ent_ls("check", "--ignore", "false-valu", "App.entitlements", cwd=tmp_path) == (
        2, "", "ent-ls: error: unknown rule id 'false-valu'; did you mean 'false-value'?\n")
    write(tmp_path / ".ent-ls.toml", 'select = ["unkown-key"]\n')
    code, out, err = ent_ls("check", "App.entitlements", cwd=tmp_path)
    assert err == (f"ent-ls: config: {(tmp_path / '.ent-ls.toml').resolve()}: unknown rule id 'unkown-key'; "
                   "did you mean 'unknown-key'? (defaults apply)\n")
