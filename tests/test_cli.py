"""`ent-ls check` and the other commands, run as a user would."""

import json
import plistlib

from conftest import ROOT, plist, run_cli
from sarif_check import validate_sarif

UNSIGNED = "com.apple.security.cs.allow-unsigned-executable-memory"
RISKY = plist(f"\t<key>{UNSIGNED}</key>\n\t<true/>\n\t<key>com.apple.security.network.server</key>\n\t<false/>\n")
CLEAN = plist("\t<key>com.apple.security.app-sandbox</key>\n\t<true/>\n")


def write(tmp_path, name, text, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return p


def test_text_format_and_exit_1(tmp_path):
    p = write(tmp_path, "App.entitlements", RISKY)
    r = run_cli("check", str(p))
    out = r.stdout.decode()
    assert r.returncode == 1
    assert "App.entitlements:5:7: warning[unsigned-executable-memory]" in out
    assert "hint[false-value]" in out and "[*]" in out
    assert "Found 2 problems (1 warning, 1 hint) in 1 file." in out


def test_clean_exit_0(tmp_path):
    p = write(tmp_path, "App.entitlements", CLEAN)
    r = run_cli("check", str(p))
    assert r.returncode == 0, r.stdout
    assert "no problems" in r.stdout.decode()


def test_hints_alone_exit_0(tmp_path):
    p = write(tmp_path, "App.entitlements", plist("\t<key>com.apple.security.app-sandbox</key>\n\t<false/>\n"))
    assert run_cli("check", str(p)).returncode == 0


def test_usage_and_io_errors_exit_2(tmp_path):
    r = run_cli("check", str(tmp_path / "missing.entitlements"))
    assert r.returncode == 2 and b"no such file" in r.stderr and b"Traceback" not in r.stderr
    r = run_cli("check", "--format", "xml", str(tmp_path))
    assert r.returncode == 2 and b"invalid choice" in r.stderr
    r = run_cli("check", "--select", "not-a-rule", str(tmp_path))
    assert r.returncode == 2 and b"unknown rule id" in r.stderr
    r = run_cli("check", "--unsafe-fixes", str(tmp_path))
    assert r.returncode == 2


def test_directories_are_searched(tmp_path):
    write(tmp_path, "a.entitlements", RISKY)
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", "Entitlements.plist", RISKY)
    write(tmp_path / "sub", "Info.plist", RISKY)
    (tmp_path / "node_modules").mkdir()
    write(tmp_path / "node_modules", "x.entitlements", RISKY)
    r = run_cli("check", "--format", "json", str(tmp_path))
    paths = {d["path"] for d in json.loads(r.stdout)}
    assert {p.rsplit("/", 1)[-1] for p in paths} == {"a.entitlements", "Entitlements.plist"}


def test_json_format(tmp_path):
    p = write(tmp_path, "App.entitlements", RISKY)
    data = json.loads(run_cli("check", "--format", "json", str(p)).stdout)
    d = next(d for d in data if d["rule"] == "unsigned-executable-memory")
    assert d["severity"] == "warning" and d["start"]["line"] == 5 and d["start"]["column"] == 7
    assert RISKY[d["start"]["offset"]:d["end"]["offset"]] == UNSIGNED
    assert d["fixes"][0]["title"] == "Switch to com.apple.security.cs.allow-jit"


def test_sarif_format(tmp_path):
    p = write(tmp_path, "App.entitlements", "\U0001F600" + RISKY.replace("<dict>", "<dict><!-- \U0001F600 -->"))
    sarif = validate_sarif(run_cli("check", "--format", "sarif", str(p)).stdout.decode(), tmp_path)
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["unsigned-executable-memory"]["shortDescription"]["text"]
    res = next(r for r in run["results"] if r["ruleId"] == "unsigned-executable-memory")
    assert res["level"] == "warning"
    region = res["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == 5 and region["startColumn"] == 7
    assert run["tool"]["driver"]["rules"][res["ruleIndex"]]["id"] == "unsigned-executable-memory"


def test_github_format(tmp_path):
    p = write(tmp_path, "App.entitlements", RISKY)
    out = run_cli("check", "--format", "github", str(p)).stdout.decode()
    assert "::warning file=" in out and "line=5,col=7" in out and "title=ent-ls (unsigned-executable-memory)::" in out
    assert "::notice " in out


def test_fix_applies_only_safe_fixes(tmp_path):
    p = write(tmp_path, "App.entitlements", RISKY.replace("\n", "\r\n"))
    r = run_cli("check", "--fix", "--ignore", "codesign-parse", str(p))  # which would make it LF
    assert r.returncode == 1  # the unsafe one remains
    new = p.read_bytes().decode()
    assert "network.server" not in new and UNSIGNED in new
    assert new.count("\n") == new.count("\r\n")  # CRLF kept everywhere
    assert "Fixed 1 problem." in r.stdout.decode()
    r = run_cli("check", "--fix", "--unsafe-fixes", str(p))
    assert r.returncode == 0
    value = plistlib.loads(p.read_bytes())
    assert value == {"com.apple.security.cs.allow-jit": True}


def test_stdin(tmp_path):
    r = run_cli("check", "-", input=RISKY.encode())
    assert r.returncode == 1 and b"<stdin>:5:7: warning[unsigned-executable-memory]" in r.stdout
    r = run_cli("check", "--fix", "--unsafe-fixes", "-", input=RISKY.encode())
    assert plistlib.loads(r.stdout) == {"com.apple.security.cs.allow-jit": True}


def test_utf16_and_binary_plists(tmp_path):
    p16 = write(tmp_path, "u16.entitlements", "\ufeff" + RISKY.replace("UTF-8", "UTF-16"), "utf-16-le")
    r = run_cli("check", str(p16))
    assert b"u16.entitlements:5:7: warning[unsigned-executable-memory]" in r.stdout
    bp = write(tmp_path, "bin.entitlements", plistlib.dumps({UNSIGNED: True}, fmt=plistlib.FMT_BINARY))
    r = run_cli("check", str(bp))
    assert r.returncode == 1 and b"bin.entitlements: warning[unsigned-executable-memory]" in r.stdout
    broken = write(tmp_path, "broken.entitlements", plistlib.dumps({UNSIGNED: True}, fmt=plistlib.FMT_BINARY)[:20])
    r = run_cli("check", str(broken))
    assert r.returncode == 1 and b"binary property list cannot be read" in r.stdout


def test_config_file_and_broken_config(tmp_path):
    write(tmp_path, ".ent-ls.toml", 'ignore = ["unsigned-executable-memory"]\n')
    p = write(tmp_path, "App.entitlements", RISKY)
    r = run_cli("check", str(p))
    assert b"unsigned-executable-memory" not in r.stdout and r.returncode == 0
    write(tmp_path, ".ent-ls.toml", 'ignore = ["unsigned-executable-memory"\nplatform = 3\n')
    r = run_cli("check", str(p))
    assert b".ent-ls.toml:" in r.stderr and b"invalid TOML" in r.stderr
    assert r.returncode == 1  # defaults apply
    write(tmp_path, ".ent-ls.toml", 'platform = "amiga"\ncolour = true\n')
    r = run_cli("check", str(p))
    assert b".ent-ls.toml:1: platform must be one of" in r.stderr
    assert b".ent-ls.toml:2: unknown option 'colour'" in r.stderr


def test_pyproject_config_and_cli_override(tmp_path):
    write(tmp_path, "pyproject.toml", '[project]\nname="x"\n\n[tool.ent-ls]\nplatform = "ios"\n'
          '[tool.ent-ls.severity]\nunsigned-executable-memory = "error"\n')
    p = write(tmp_path, "App.entitlements", RISKY)
    out = run_cli("check", str(p)).stdout.decode()
    assert "error[unsigned-executable-memory]" in out and "platform-mismatch" in out
    out = run_cli("check", "--platform", "macos", "--ignore", "false-value", str(p)).stdout.decode()
    assert "platform-mismatch" not in out and "false-value" not in out


def test_version_help_and_commands():
    assert run_cli("--version").stdout.startswith(b"ent-ls ")
    assert b"check" in run_cli("--help").stdout
    rules = run_cli("rules").stdout.decode()
    assert "unsigned-executable-memory" in rules and "value-type" in rules
    catalog = json.loads(run_cli("catalog").stdout)
    assert len(catalog) >= 259
    first = catalog[0]
    for field in ("key", "title", "type", "platforms", "deprecated", "allowed_values", "doc_url", "summary"):
        assert field in first
    explain = run_cli("explain", UNSIGNED).stdout.decode()
    assert "MAP_JIT" in explain and "developer.apple.com" in explain
    explain = run_cli("explain", "duplicate-key").stdout.decode()
    assert "disable-next-line duplicate-key" in explain
    r = run_cli("explain", "com.apple.security.cs.allow-jitt")
    assert r.returncode == 2 and b"Did you mean com.apple.security.cs.allow-jit" in r.stderr


def test_examples_show_the_warning():
    r = run_cli("check", str(ROOT / "examples"))
    assert r.returncode == 1
    assert b"warning[unsigned-executable-memory]" in r.stdout


def test_rules_doc_is_current():
    from ent_ls.docs import rules_document

    assert (ROOT / "docs" / "rules.md").read_text(encoding="utf-8") == rules_document(), \
        "docs/rules.md is stale: run python -m ent_ls.docs > docs/rules.md"


def test_diff_shows_fixes_without_writing(tmp_path):
    p = write(tmp_path, "App.entitlements", RISKY)
    r = run_cli("check", "--diff", str(p))
    out = r.stdout.decode()
    assert r.returncode == 1
    assert "-\t<key>com.apple.security.network.server</key>" in out and out.startswith("--- a/")
    assert UNSIGNED not in [line[1:].strip() for line in out.splitlines() if line.startswith("-")]
    assert p.read_text() == RISKY  # nothing written
    clean = write(tmp_path, "Clean.entitlements", CLEAN)
    r = run_cli("check", "--diff", str(clean))
    assert r.returncode == 0 and r.stdout == b""
    assert run_cli("check", "--diff", "--fix", str(p)).returncode == 2


def test_unsafe_fix_all_keeps_the_jit_the_app_needs(tmp_path):
    # allow-jit is redundant next to allow-unsigned-executable-memory (a safe
    # removal) while the switch to allow-jit counts on it: applied together
    # in one round they would remove both.
    p = write(tmp_path, "Electron.entitlements", (ROOT / "examples" / "Electron.entitlements").read_text())
    assert run_cli("check", "--fix", "--unsafe-fixes", str(p)).returncode == 0
    assert plistlib.loads(p.read_bytes()) == {"com.apple.security.cs.allow-jit": True,
                                               "com.apple.security.device.audio-input": True}
