"""The Xcode project reader on real projects (tests/data/xcode, each with a
SOURCE.md naming repository and commit), the rules that use it, `ent-ls
targets`, and `ent-ls check` finding projects on its own."""

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import plist, run_cli

from ent_ls.project import ProjectError, read_project
from ent_ls.project.finder import ProjectCache, file_projects
from ent_ls.project.openstep import PlistError, parse
from ent_ls.project.paths import locate
from ent_ls.project.resolve import Resolver
from ent_ls.project.xcconfig import Assignment, read_xcconfig

DATA = Path(__file__).parent / "data" / "xcode"
PROJECTS = sorted(p.name for p in DATA.iterdir() if p.is_dir())
EMPTY_INFO = '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n<dict>\n</dict>\n</plist>\n'


def checkout(name: str, root: Path, contents=None) -> Path:
    """A copy of a real project with stand-ins for the entitlements and
    Info.plist files its repository has (tree.txt), so paths resolve as in a
    checkout. contents: repo path -> text for some of them."""
    dest = root / name
    shutil.copytree(DATA / name, dest, ignore=shutil.ignore_patterns("SOURCE.md", "tree.txt"))
    (dest / ".git").mkdir()
    contents = contents or {}
    for rel in (DATA / name / "tree.txt").read_text().splitlines():
        f = dest / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(contents.get(rel, plist("") if rel.endswith(".entitlements") else EMPTY_INFO))
    return dest


def table(dest: Path, xcodeproj: str):
    project = read_project(str(dest / xcodeproj))
    out = {}
    for r in project.rows:
        ent = os.path.relpath(r.entitlements, dest) if r.entitlements else None
        out.setdefault((r.target, r.configuration), []).append(
            (ent, tuple(r.platforms), r.hardened_runtime, r.bundle_id, r.debug, r.entitlements_state))
    return project, out


# --- the resolved table, read by hand from each project ---------------------

# (project folder, .xcodeproj, target, configuration) -> rows of
# (entitlements, platforms, hardened runtime, bundle id, debug, state)
EXPECTED = {
    # per-configuration files: Debug and Release sign with different files
    ("rectangle", "Rectangle.xcodeproj", "Rectangle", "Debug"):
        [("Rectangle/Rectangle.entitlements", ("macOS",), False, "com.knollsoft.Rectangle", True, "ok")],
    ("rectangle", "Rectangle.xcodeproj", "Rectangle", "Release"):
        [("Rectangle/RectangleRelease.entitlements", ("macOS",), True, "com.knollsoft.Rectangle", False, "ok")],
    ("rectangle", "Rectangle.xcodeproj", "RectangleLauncher", "Release"):
        [("RectangleLauncher/RectangleLauncherRelease.entitlements", ("macOS",), True,
          "com.knollsoft.RectangleLauncher", False, "ok")],
    # an iOS app with an extension; its file's path names no platform
    ("owntracks", "OwnTracks/OwnTracks.xcodeproj", "OwnTracks", "Release"):
        [("OwnTracks/OwnTracks/OwnTracks.entitlements", ("iOS",), None, "org.mqttitude.MQTTitude", False, "ok")],
    ("owntracks", "OwnTracks/OwnTracks.xcodeproj", "OwnTracksIntents", "Debug"):
        [("OwnTracks/OwnTracksIntents/OwnTracksIntents.entitlements", ("iOS",), None,
          "org.mqttitude.MQTTitude.OwnTracksIntents", True, "ok")],
    # chained variables in an .xcconfig whose #include? is not committed:
    # $(MAC_CODE_SIGN_ENTITLEMENTS_$(DEVELOPER_ACCOUNT_VM_ACCESS:default=NO))
    ("utm", "UTM.xcodeproj", "macOS", "Release"):
        [("Platform/macOS/macOS-unsigned.entitlements", ("macOS",), True, "com.utmapp.UTM", False, "ok")],
    ("utm", "UTM.xcodeproj", "QEMUHelper", "Debug"):
        [("QEMUHelper/QEMUHelper-unsigned.entitlements", ("macOS",), True, "com.utmapp.QEMUHelper", True, "ok")],
    # SDKROOT = auto with SUPPORTED_PLATFORMS, and [sdk=xros*] = "" ; the iOS
    # file needs DEVELOPER_ACCOUNT_PAID, which nothing in the repository sets
    ("utm", "UTM.xcodeproj", "iOS", "Release"):
        [(None, ("iOS", "visionOS"), None, "com.utmapp.UTM", False, None)],
    # a path that matches only when case is ignored
    ("xdrip", "xdrip.xcodeproj", "xdrip", "Release"):
        [("xdrip/xDrip.entitlements", ("iOS",), None, "com.RNX44PP998.xdripswift", False, "case")],
    ("xdrip", "xdrip.xcodeproj", "xDrip Watch App", "Release"):
        [("xDrip Watch App/xDrip Watch App.entitlements", ("watchOS",), None, ".watchkitapp", False, "ok")],
    # macOS and iOS targets side by side, a helper with the runtime off
    ("wireguard", "WireGuard.xcodeproj", "WireGuardmacOSLoginItemHelper", "Release"):
        [("Sources/WireGuardApp/UI/macOS/LoginItemHelper/LoginItemHelper.entitlements", ("macOS",), False,
          ".login-item-helper", False, "ok")],
    ("wireguard", "WireGuard.xcodeproj", "WireGuardiOS", "Release"):
        [("Sources/WireGuardApp/UI/iOS/WireGuard.entitlements", ("iOS",), None, None, False, "ok")],
    ("maccy", "Maccy.xcodeproj", "Maccy", "Release"):
        [("Maccy/Maccy.entitlements", ("macOS",), True, "org.p0deje.Maccy", False, "ok")],
    # $(TARGET_NAME)/$(PRODUCT_NAME).entitlements from an .xcconfig, through includes
    ("iina", "iina.xcodeproj", "iina", "Nightly"):
        [("iina/IINA.entitlements", ("macOS",), True, "com.colliderli.iina", False, "ok")],
    ("iina", "iina.xcodeproj", "OpenInIINA", "Debug"):
        [("OpenInIINA/OpenInIINA.entitlements", ("macOS",), True, "com.colliderli.iina.OpenInIINA", True, "ok")],
    ("enchanted", "Enchanted.xcodeproj", "Enchanted", "Debug"):
        [("Enchanted/EnchantedDebug.entitlements", ("iOS",), None, "subj.Enchanted", True, "ok")],
    ("stats", "Stats.xcodeproj", "WidgetsExtension", "Release"):
        [("Widgets/Supporting Files/Widgets.entitlements", ("macOS",), True, "eu.exelban.Stats.Widgets", False, "ok")],
    # objectVersion 70 and 73: PBXFileSystemSynchronizedRootGroup; CodeEdit's
    # configurations take their .xcconfig through a synchronized folder
    ("ice", "Ice.xcodeproj", "Ice", "Release"):
        [("Ice/Ice.entitlements", ("macOS",), True, "com.jordanbaird.Ice", False, "ok")],
    ("codeedit", "CodeEdit.xcodeproj", "CodeEdit", "Alpha"):
        [("CodeEdit/CodeEdit.entitlements", ("macOS",), True, "app.codeedit.CodeEdit", False, "ok")],
    ("whisky", "Whisky.xcodeproj", "WhiskyThumbnail", "Release"):
        [("WhiskyThumbnail/WhiskyThumbnail.entitlements", ("macOS",), True,
          "com.isaacmarovitz.Whisky.WhiskyThumbnail", False, "ok")],
    # Mac Catalyst: CODE_SIGN_ENTITLEMENTS[sdk=macosx*] gives the Catalyst build its own file
    ("home-assistant", "HomeAssistant.xcodeproj", "App", "Release"):
        [("Configuration/Entitlements/App-ios.entitlements", ("iOS",), None, "io.robbie.HomeAssistant", False, "ok"),
         ("Configuration/Entitlements/App-catalyst.entitlements", ("Mac Catalyst",), True,
          "io.robbie.HomeAssistant", False, "ok")],
    ("home-assistant", "HomeAssistant.xcodeproj", "Extensions-Widgets", "Debug"):
        [("Configuration/Entitlements/Extension-ios.entitlements", ("iOS",), None,
          "io.robbie.HomeAssistant.dev.Widgets", True, "ok"),
         ("Configuration/Entitlements/Extension-catalyst.entitlements", ("Mac Catalyst",), True,
          "io.robbie.HomeAssistant.dev.Widgets", True, "ok")],
}


def test_at_least_ten_real_projects_with_their_source():
    assert len(PROJECTS) >= 10
    for name in PROJECTS:
        source = (DATA / name / "SOURCE.md").read_text()
        assert "https://github.com/" in source and "commit `" in source, name


@pytest.mark.parametrize("name", PROJECTS)
def test_real_projects_resolve_to_the_values_read_by_hand(name, tmp_path):
    dest = checkout(name, tmp_path)
    cases = {k: v for k, v in EXPECTED.items() if k[0] == name}
    assert cases, f"no hand-read rows for {name}"
    for (_, xcodeproj, target, config), rows in cases.items():
        project, got = table(dest, xcodeproj)
        assert project.problems == [] or name == "wireguard", project.problems
        # a multiplatform target may split into rows with the same file
        assert [r for r in got[(target, config)] if r[0] is not None or rows[0][0] is None][:len(rows)] == rows, \
            (target, config, got[(target, config)])


def test_a_multiplatform_target_lists_every_platform(tmp_path):
    dest = checkout("enchanted", tmp_path)
    project, got = table(dest, "Enchanted.xcodeproj")
    rows = got[("Enchanted", "Release")]
    assert sorted(p for r in rows for p in r[1]) == ["iOS", "macOS", "visionOS"]
    assert {r[0] for r in rows} == {"Enchanted/Enchanted.entitlements"}
    # ENABLE_HARDENED_RUNTIME[sdk=macosx*] = YES: only the macOS build has a runtime to speak of
    assert {r[1]: r[2] for r in rows}[("macOS",)] is True
    assert {r[0] for r in got[("Enchanted", "Debug")]} == {"Enchanted/EnchantedDebug.entitlements"}


def test_missing_optional_includes_are_reported_not_guessed(tmp_path):
    dest = checkout("utm", tmp_path)
    project = read_project(str(dest / "UTM.xcodeproj"))
    assert [(w, os.path.basename(f), n) for w, f, n in project.missing_includes] == \
        [("CodeSigning.xcconfig", "Build.xcconfig", 24)]
    mac = [r for r in project.rows if r.target == "macOS"][0]
    assert mac.undefined == ["DEVELOPER_ACCOUNT_VM_ACCESS"]
    assert mac.entitlements_written == "$(MAC_CODE_SIGN_ENTITLEMENTS)"
    # Once the include exists, its value is used.
    (dest / "CodeSigning.xcconfig").write_text("DEVELOPER_ACCOUNT_VM_ACCESS = YES\n")
    project = read_project(str(dest / "UTM.xcodeproj"))
    mac = [r for r in project.rows if r.target == "macOS"][0]
    assert os.path.relpath(mac.entitlements, dest) == "Platform/macOS/macOS.entitlements"
    assert project.missing_includes == [] and mac.undefined == []
    assert str(dest / "CodeSigning.xcconfig") in project.files


def test_a_required_include_that_is_missing_is_a_problem(tmp_path):
    dest = checkout("wireguard", tmp_path)
    project = read_project(str(dest / "WireGuard.xcodeproj"))
    assert any('#include "Developer.xcconfig" is not in the repository' in p for p in project.problems)


def _second_parser():
    return pytest.importorskip("openstep_parser", reason="scripts/install-project-test-deps.sh installs it")


@pytest.mark.parametrize("name", PROJECTS)
def test_parser_agrees_with_a_second_parser(name):
    other = _second_parser()
    for f in (DATA / name).rglob("project.pbxproj"):
        text = f.read_text(encoding="utf-8")
        assert parse(text) == other.OpenStepDecoder.ParseFromString(text)


def test_literal_entitlements_settings_match_the_second_parser(tmp_path):
    """Walk the objects the second parser gives (target -> configuration list
    -> buildSettings) and compare every literal CODE_SIGN_ENTITLEMENTS with
    the table."""
    other = _second_parser()
    compared = []
    for name in PROJECTS:
        compared += _compare_literal(other, checkout(name, tmp_path))
    assert len(set(compared)) >= 10 and len(compared) >= 60


def _compare_literal(other, dest):
    compared = []
    for f in dest.rglob("project.pbxproj"):
        data = other.OpenStepDecoder.ParseFromString(f.read_text(encoding="utf-8"))
        objects = data["objects"]
        root = objects[data["rootObject"]]
        want = {}
        for tid in root["targets"]:
            t = objects[tid]
            if t["isa"] != "PBXNativeTarget":
                continue
            for cid in objects[t["buildConfigurationList"]]["buildConfigurations"]:
                cfg = objects[cid]
                value = cfg["buildSettings"].get("CODE_SIGN_ENTITLEMENTS")
                if value and "$" not in value and not any(k.startswith("CODE_SIGN_ENTITLEMENTS[")
                                                          for k in cfg["buildSettings"]):
                    want[(t["name"], cfg["name"])] = value
        project = read_project(str(f.parent))
        got = {(r.target, r.configuration): os.path.relpath(r.entitlements, project.srcroot)
               for r in project.rows if r.entitlements}
        assert {k: got.get(k) for k in want} == want
        compared += [dest.name] * len(want)
    return compared


# --- the parser, .xcconfig and resolution -------------------------------------

@pytest.mark.parametrize("text, where", [
    ("{ a = b", "line 1: '{' is never closed"),
    ("{\n a = (b, c;\n}", "line 2: expected ','"),
    ("{ a b; }", "line 1: expected '=' after the key 'a'"),
    ("{ a = b; }\n/* open", "line 2: a /* comment is never closed"),
    ('{ a = "x; }', "line 1: a quoted string is never closed"),
    ("{ a = <abc>; }", "odd number of hex digits"),
    ("{} x", "after the end of the top-level value"),
    ("", "holds no value"),
    ("(" * 100000, "nest more than 512 levels"),
    ("{ a = b }", "expected ';' after a value"),
])
def test_hostile_text_gets_a_clear_error(text, where):
    with pytest.raises(PlistError) as info:
        parse(text)
    assert where in str(info.value)


def test_strings_remember_where_they_are():
    text = '// !$*UTF8*$!\n{\n\tkey = "va\\"lue";\n\tlist = (a, "b c", );\n\tdata = <0fA1>;\n}\n'
    value = parse(text)
    assert value == {"key": 'va"lue', "list": ["a", "b c"], "data": b"\x0f\xa1"}
    key = next(iter(value))
    assert text[key.offset:key.offset + 3] == "key"


@pytest.mark.parametrize("content, message", [
    (b"\x00\x01\x02garbage", "not a readable project"),
    (b"{ archiveVersion = 1; objects = {}; }", "'rootObject' does not name a PBXProject"),
    (b"{ objects = (a); rootObject = x; }", "'objects' is not a dictionary"),
    (b"// !$*UTF8*$!\n{\n\tobjects = {\n", "project.pbxproj:3: not a readable project: '{' is never closed"),
])
def test_broken_projects_raise_project_error_and_targets_says_so(tmp_path, content, message):
    xp = tmp_path / "Bad.xcodeproj"
    xp.mkdir()
    (xp / "project.pbxproj").write_bytes(content)
    with pytest.raises(ProjectError) as info:
        read_project(str(xp))
    assert message in str(info.value)
    r = run_cli("targets", str(tmp_path))
    assert r.returncode == 2 and message.encode() in r.stderr and b"Traceback" not in r.stderr


def test_xcconfig_includes_conditions_and_comments(tmp_path):
    (tmp_path / "Base.xcconfig").write_text(
        '// a comment\n#include "Shared.xcconfig"\n#include? "Local.xcconfig"\n'
        'URL = https:/$()/example.com // cut here\nFLAGS[sdk=macosx*][arch=arm64] = -x;\n#bogus\nnot an assignment\n')
    (tmp_path / "Shared.xcconfig").write_text('SHARED = 1\n#include "Base.xcconfig"\n')
    xc = read_xcconfig(str(tmp_path / "Base.xcconfig"))
    assert [(a.name, a.conditions, a.value) for a in xc.assignments] == [
        ("SHARED", {}, "1"), ("URL", {}, "https:/$()/example.com"),
        ("FLAGS", {"sdk": "macosx*", "arch": "arm64"}, "-x")]
    assert [m[0] for m in xc.missing_optional] == ["Local.xcconfig"]
    assert any("includes itself" in p for p in xc.problems)
    assert any("unknown directive '#bogus'" in p for p in xc.problems)
    assert any(":7: not a NAME = value line" in p for p in xc.problems)


def _a(name, value, **conditions):
    return Assignment(name, conditions, value, "test", 1)


def test_resolution_like_xcode():
    stack = [
        _a("SRCROOT", "/src"), _a("TARGET_NAME", "App"),
        _a("FLAGS", "-base"),                               # project level
        _a("FLAGS", "$(inherited) -target"),                # target level
        _a("PRODUCT_NAME", "$(TARGET_NAME)"),
        _a("ENT_YES", "Signed.entitlements"), _a("ENT_NO", "Unsigned.entitlements"),
        _a("ENT", "$(ENT_$(PAID:default=NO))"),
        _a("PATH_SETTING", "$(SRCROOT)/$(TARGET_NAME)/${PRODUCT_NAME}.entitlements"),
        _a("NAME_LOWER", "$(TARGET_NAME:lower)"),
        _a("SDKVALUE", "plain"), _a("SDKVALUE", "mac", sdk="macosx*"),
        _a("LOOP", "$(LOOP) x"),
        _a("BARE", "$TARGET_NAME-suffix"),
    ]
    r = Resolver(stack, {"sdk": "iphoneos"})
    assert r.get("FLAGS") == "-base -target"
    assert r.get("ENT") == "Unsigned.entitlements" and "PAID" in r.undefined
    assert r.get("PATH_SETTING") == "/src/App/App.entitlements"
    assert r.get("NAME_LOWER") == "app"
    assert r.get("SDKVALUE") == "plain"
    assert Resolver(stack, {"sdk": "macosx"}).get("SDKVALUE") == "mac"
    assert r.get("LOOP") == " x"  # a reference loop ends instead of hanging
    assert r.get("BARE") == "App-suffix"
    assert Resolver(stack + [_a("PAID", "YES")], {}).get("ENT") == "Signed.entitlements"


def test_case_only_matches_are_found_apart(tmp_path):
    (tmp_path / "xDrip").mkdir()
    (tmp_path / "xDrip" / "xdrip.entitlements").write_text("x")
    assert locate(str(tmp_path / "xDrip" / "xdrip.entitlements"))[0] == "ok"
    state, found = locate(str(tmp_path / "xdrip" / "xDrip.entitlements"))
    assert state == "case" and found == str(tmp_path / "xDrip" / "xdrip.entitlements")
    assert locate(str(tmp_path / "xDrip" / "other.entitlements")) == ("missing", None)


def test_projects_are_read_once_per_cache(tmp_path, monkeypatch):
    dest = checkout("maccy", tmp_path)
    import ent_ls.project.finder as finder

    calls = []
    real = finder.read_project
    monkeypatch.setattr(finder, "read_project", lambda p: calls.append(p) or real(p))
    cache = ProjectCache()
    for _ in range(3):
        fp = file_projects(str(dest / "Maccy" / "Maccy.entitlements"), cache)
        assert [r.configuration for r in fp.uses] == ["Debug", "Release"]
    assert len(calls) == 1


# --- the rules, through `ent-ls check` ------------------------------------------

JIT = "\t<key>com.apple.security.cs.allow-jit</key>\n\t<true/>\n"
TASK_ALLOW = "\t<key>com.apple.security.get-task-allow</key>\n\t<true/>\n"
SANDBOX_CAMERA = ("\t<key>com.apple.security.app-sandbox</key>\n\t<true/>\n"
                  "\t<key>com.apple.security.device.camera</key>\n\t<true/>\n")


def check_json(cwd: Path, *paths: str):
    r = run_cli("check", "--format", "json", *paths, cwd=cwd)
    assert r.returncode in (0, 1), r.stderr
    assert b"Traceback" not in r.stderr
    return [(os.path.normpath(os.path.relpath(os.path.join(cwd, d["path"]), cwd)), d["rule"], d["start"]["line"],
             d["message"]) for d in json.loads(r.stdout)]


def line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_check_in_a_project_folder_uses_the_configurations(tmp_path):
    # Rectangle signs Debug with Rectangle.entitlements and Release with
    # RectangleRelease.entitlements: get-task-allow is fine only in the first.
    dest = checkout("rectangle", tmp_path, {
        "Rectangle/Rectangle.entitlements": plist(TASK_ALLOW),
        "Rectangle/RectangleRelease.entitlements": plist(TASK_ALLOW),
    })
    found = check_json(dest, ".")
    task = {p for p, rule, _, _ in found if rule == "get-task-allow"}
    assert task == {"Rectangle/RectangleRelease.entitlements"}
    assert not any(rule in ("missing-entitlements-file", "unused-entitlements-file") for _, rule, _, _ in found)


def test_check_reports_missing_files_on_the_project_line(tmp_path):
    dest = checkout("rectangle", tmp_path)
    (dest / "RectangleLauncher" / "RectangleLauncherRelease.entitlements").unlink()
    found = check_json(dest, ".")
    pbx = dest / "Rectangle.xcodeproj" / "project.pbxproj"
    want = line_of(pbx, "CODE_SIGN_ENTITLEMENTS = RectangleLauncher/RectangleLauncherRelease.entitlements")
    missing = [(p, line, m) for p, rule, line, m in found if rule == "missing-entitlements-file"]
    assert missing == [("Rectangle.xcodeproj/project.pbxproj", want,
                        "RectangleLauncher/RectangleLauncherRelease.entitlements does not exist "
                        "(RectangleLauncher: Release)")]
    r = run_cli("check", ".", cwd=dest)
    assert r.returncode == 1
    assert f"Rectangle.xcodeproj/project.pbxproj:{want}:5: error[missing-entitlements-file]".encode() in r.stdout


def test_a_path_that_differs_in_case_is_a_warning_apart(tmp_path):
    dest = checkout("xdrip", tmp_path)
    found = check_json(dest, ".")
    case = [(rule, m) for _, rule, _, m in found if rule == "entitlements-path-case"]
    assert ("entitlements-path-case",
            "xdrip/xDrip.entitlements matches xDrip/xdrip.entitlements only when case is ignored, so it fails "
            "on case-sensitive disks and in Linux CI (xdrip: Release)") in case
    assert not any(rule == "missing-entitlements-file" and "xdrip/xDrip.entitlements" in m
                   for _, rule, _, m in found)
    # The file is still analysed with its project: no unused-entitlements-file.
    assert not any(rule == "unused-entitlements-file" for _, rule, _, _ in found)


def test_a_chained_path_names_the_setting_and_the_missing_include(tmp_path):
    dest = checkout("utm", tmp_path)
    (dest / "Platform" / "macOS" / "macOS-unsigned.entitlements").unlink()
    found = check_json(dest, ".")
    msgs = [m for _, rule, _, m in found if rule == "missing-entitlements-file"]
    assert msgs == [
        "$(MAC_CODE_SIGN_ENTITLEMENTS) gives Platform/macOS/macOS-unsigned.entitlements, which does not exist "
        f"(macOS: {c}); DEVELOPER_ACCOUNT_VM_ACCESS is unset (CodeSigning.xcconfig is not in the repository)"
        for c in ("Debug", "Release")]


def test_platform_mismatch_uses_the_targets_platforms(tmp_path):
    # OwnTracks' iOS file path names no platform; the project says iOS.
    dest = checkout("owntracks", tmp_path, {"OwnTracks/OwnTracks/OwnTracks.entitlements": plist(JIT)})
    found = check_json(dest, "OwnTracks/OwnTracks/OwnTracks.entitlements")
    assert [(rule, m) for _, rule, _, m in found if rule == "platform-mismatch"] == [
        ("platform-mismatch", "not on iOS (the Xcode project builds it for iOS); this key is for macOS")]
    # Without the project, nothing says which platform the file is for.
    lone = tmp_path / "lone" / "OwnTracks"
    lone.mkdir(parents=True)
    (lone / "OwnTracks.entitlements").write_text(plist(JIT))
    assert not any(rule == "platform-mismatch" for _, rule, _, _ in check_json(tmp_path / "lone", "."))


def test_a_multiplatform_file_is_checked_against_all_its_platforms(tmp_path):
    dest = checkout("enchanted", tmp_path, {
        "Enchanted/Enchanted.entitlements": plist(JIT + "\t<key>com.apple.developer.healthkit</key>\n\t<true/>\n"
                                              "\t<key>com.apple.developer.user-management</key>\n"
                                              "\t<array><string>get-current-user</string></array>\n")})
    found = check_json(dest, "Enchanted/Enchanted.entitlements")
    mism = [m for _, rule, _, m in found if rule == "platform-mismatch"]
    # allow-jit exists on macOS and HealthKit on iOS: both fine; user-management is for tvOS only.
    assert mism == ["not on any of its platforms (the Xcode project builds it for iOS, macOS, visionOS); "
                    "this key is for tvOS"]


def test_hardened_runtime_off_only_for_release_builds(tmp_path):
    # WireGuard's login item helper has ENABLE_HARDENED_RUNTIME = NO.
    helper = "Sources/WireGuardApp/UI/macOS/LoginItemHelper/LoginItemHelper.entitlements"
    dest = checkout("wireguard", tmp_path, {helper: plist(JIT)})
    found = check_json(dest, helper)
    assert [m for _, rule, _, m in found if rule == "hardened-runtime-off"] == [
        "the Hardened Runtime is off in WireGuardmacOSLoginItemHelper Release: this exception does nothing and notarization needs the runtime; set ENABLE_HARDENED_RUNTIME = YES"]
    # Rectangle turns the runtime off only for Debug: nothing to report.
    dest = checkout("rectangle", tmp_path, {"Rectangle/Rectangle.entitlements": plist(JIT)})
    assert not any(rule == "hardened-runtime-off" for _, rule, _, _ in check_json(dest, "."))


def test_unused_entitlements_file_inside_a_project_folder(tmp_path):
    dest = checkout("maccy", tmp_path)
    (dest / "Maccy" / "Old.entitlements").write_text(plist(""))
    found = check_json(dest, ".")
    assert [(p, rule, line) for p, rule, line, _ in found if rule == "unused-entitlements-file"] == [
        ("Maccy/Old.entitlements", "unused-entitlements-file", 4)]


MINI = """// !$*UTF8*$!
{
	archiveVersion = 1;
	objectVersion = 77;
	objects = {
		P0 = {isa = PBXProject; buildConfigurationList = PL; mainGroup = G0; targets = (T0); };
		G0 = {isa = PBXGroup; children = (S0); sourceTree = "<group>"; };
		S0 = {isa = PBXFileSystemSynchronizedRootGroup; path = App; sourceTree = "<group>"; };
		PL = {isa = XCConfigurationList; buildConfigurations = (PD, PR); };
		PD = {isa = XCBuildConfiguration; name = Debug; buildSettings = {SDKROOT = macosx; }; };
		PR = {isa = XCBuildConfiguration; name = Release; buildSettings = {SDKROOT = macosx; }; };
		T0 = {isa = PBXNativeTarget; name = App; buildConfigurationList = TL;
			productType = "com.apple.product-type.application"; };
		TL = {isa = XCConfigurationList; buildConfigurations = (TD, TR); };
		TD = {isa = XCBuildConfiguration; name = Debug; buildSettings = {@SETTINGS@}; };
		TR = {isa = XCBuildConfiguration; name = Release; buildSettings = {@SETTINGS@}; };
	};
	rootObject = P0;
}
"""


def mini_project(root: Path, settings: str, entitlements: str, info=None) -> Path:
    (root / ".git").mkdir(parents=True)
    (root / "App.xcodeproj").mkdir()
    (root / "App.xcodeproj" / "project.pbxproj").write_text(MINI.replace("@SETTINGS@", settings))
    (root / "App").mkdir()
    (root / "App" / "App.entitlements").write_text(plist(entitlements))
    if info is not None:
        (root / "App" / "Info.plist").write_text(
            '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n<dict>\n' + info + "</dict>\n</plist>\n")
    return root


def test_usage_description_needs_the_purpose_string(tmp_path):
    base = "CODE_SIGN_ENTITLEMENTS = App/App.entitlements; INFOPLIST_FILE = App/Info.plist;"
    mini_project(tmp_path / "a", base, SANDBOX_CAMERA, info="")
    found = check_json(tmp_path / "a", ".")
    assert [m for _, rule, _, m in found if rule == "usage-description"] == [
        "the Info.plist of App Debug, App Release has no NSCameraUsageDescription; the app fails when it first "
        "asks for camera access"]
    mini_project(tmp_path / "b", base, SANDBOX_CAMERA,
                 info="<key>NSCameraUsageDescription</key><string>Scans.</string>\n")
    assert not any(rule == "usage-description" for _, rule, _, _ in check_json(tmp_path / "b", "."))
    # Generated keys count too.
    mini_project(tmp_path / "c", "CODE_SIGN_ENTITLEMENTS = App/App.entitlements; GENERATE_INFOPLIST_FILE = YES; "
                 'INFOPLIST_KEY_NSCameraUsageDescription = "Scans.";', SANDBOX_CAMERA)
    assert not any(rule == "usage-description" for _, rule, _, _ in check_json(tmp_path / "c", "."))
    # An Info.plist nobody can read says nothing either way.
    mini_project(tmp_path / "d", base, SANDBOX_CAMERA)
    assert not any(rule == "usage-description" for _, rule, _, _ in check_json(tmp_path / "d", "."))


def test_usage_descriptions_data_is_consistent():
    from ent_ls.analysis.rules.project import usage_pairings
    from ent_ls.catalog import default_catalog

    catalog = default_catalog()
    pairings = usage_pairings()
    assert len(pairings) >= 11
    ids = [p["id"] for p in pairings]
    assert len(ids) == len(set(ids))
    for p in pairings:
        for key in p["entitlements"]:
            assert key in catalog, key
        assert p["info_plist_keys"] and all(k[0].isupper() for k in p["info_plist_keys"])
        assert p["url"] == ("https://developer.apple.com/documentation/bundleresources/information-property-list/"
                            + p["info_plist_keys"][0].lower())
        assert p["note"].endswith(".")


def test_synchronized_folders_and_object_version_77(tmp_path):
    root = mini_project(tmp_path / "p", "CODE_SIGN_ENTITLEMENTS = App/App.entitlements; "
                        "ENABLE_HARDENED_RUNTIME = YES; PRODUCT_BUNDLE_IDENTIFIER = \"com.example.$(TARGET_NAME)\";", "")
    project = read_project(str(root / "App.xcodeproj"))
    assert project.object_version == "77"
    assert project.synchronized_folders == [str(root / "App")]
    assert [(r.configuration, r.debug, r.hardened_runtime, r.bundle_id, r.entitlements_state)
            for r in project.rows] == [("Debug", True, True, "com.example.App", "ok"),
                                       ("Release", False, True, "com.example.App", "ok")]


def test_archive_configuration_of_a_shared_scheme_is_a_release_build(tmp_path):
    root = mini_project(tmp_path / "p", "CODE_SIGN_ENTITLEMENTS = App/App.entitlements;", TASK_ALLOW)
    assert any(rule == "get-task-allow" for _, rule, _, _ in check_json(root, "App/App.entitlements"))
    schemes = root / "App.xcodeproj" / "xcshareddata" / "xcschemes"
    schemes.mkdir(parents=True)
    (schemes / "App.xcscheme").write_text('<Scheme>\n<ArchiveAction\n buildConfiguration = "Debug"\n'
                                          ' revealArchiveInOrganizer = "YES">\n</ArchiveAction>\n</Scheme>\n')
    project = read_project(str(root / "App.xcodeproj"))
    assert [r.debug for r in project.rows] == [False, False]


# --- ent-ls targets --------------------------------------------------------------

def test_targets_lists_every_project_in_a_folder(tmp_path):
    checkout("rectangle", tmp_path)
    checkout("maccy", tmp_path)
    r = run_cli("targets", "--format", "json", ".", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    for row in rows:
        assert {"project", "target", "configuration", "entitlements", "platforms", "hardened_runtime",
                "bundle_id"} <= set(row)
    assert {row["project"] for row in rows} == {"maccy/Maccy.xcodeproj", "rectangle/Rectangle.xcodeproj"}
    got = {(row["target"], row["configuration"]): (row["entitlements"], row["platforms"], row["hardened_runtime"])
           for row in rows}
    assert got[("Rectangle", "Release")] == ("rectangle/Rectangle/RectangleRelease.entitlements", ["macOS"], True)
    assert got[("Maccy", "Debug")] == ("maccy/Maccy/Maccy.entitlements", ["macOS"], True)
    text = run_cli("targets", cwd=tmp_path)
    assert text.returncode == 0
    lines = text.stdout.decode().splitlines()
    assert lines[0].split()[:3] == ["project", "target", "configuration"]
    assert any(line.startswith("Maccy.xcodeproj ") for line in lines)
    assert any(line.startswith("Rectangle.xcodeproj ") and "Release " in line for line in lines)


def test_targets_notes_missing_optional_includes(tmp_path):
    dest = checkout("xdrip", tmp_path)
    r = run_cli("targets", cwd=dest)
    assert r.returncode == 0
    assert b'xDrip/xDrip.xcconfig:29: optional #include? "xDripOverride.xcconfig" is not in the repository' \
        in r.stderr
    assert b"xdrip/xDrip.entitlements (case differs)" in r.stdout


def test_targets_without_a_project_is_a_usage_error(tmp_path):
    r = run_cli("targets", str(tmp_path))
    assert r.returncode == 2 and b"no Xcode project" in r.stderr


def test_hostile_settings_end_quickly():
    # Each level refers ten times to the next: without memoising, 10**12 expansions.
    stack = [_a(f"A{i}", f"$(A{i + 1})" * 10) for i in range(12)] + [_a("A12", "x")]
    value = Resolver(stack, {}).get("A0")
    assert value and set(value) == {"x"} and len(value) == 64 * 1024
    # A loop through two names and a self-reference through $(inherited).
    loop = [_a("P", "$(Q)p"), _a("Q", "$(P)q"), _a("R", "$(inherited)r")]
    r = Resolver(loop, {})
    assert r.get("P") == "qp" and r.get("R") == "r"


def test_a_diamond_of_includes_stays_bounded(tmp_path):
    for i in range(30):
        (tmp_path / f"L{i}.xcconfig").write_text(f'#include "L{i + 1}.xcconfig"\n#include "L{i + 1}.xcconfig"\nV{i} = 1\n')
    (tmp_path / "L30.xcconfig").write_text("END = 1\n")
    xc = read_xcconfig(str(tmp_path / "L0.xcconfig"))
    assert len(xc.files) <= 500 and any("more than 500 includes" in p for p in xc.problems)


def test_a_broken_project_is_named_and_skipped_by_check(tmp_path):
    dest = checkout("maccy", tmp_path)
    (dest / "Maccy" / "Old.entitlements").write_text(plist(TASK_ALLOW))
    bad = dest / "Broken.xcodeproj"
    bad.mkdir()
    (bad / "project.pbxproj").write_text("// !$*UTF8*$!\n{\n\tobjects = {\n\t\tX = {isa = PBXProject; \n")
    r = run_cli("check", "--format", "json", ".", cwd=dest)
    assert r.returncode == 1 and b"Traceback" not in r.stderr
    assert b"ent-ls: project: " in r.stderr and b"Broken.xcodeproj/project.pbxproj:4: not a readable project" \
        in r.stderr
    rules = {d["rule"] for d in json.loads(r.stdout)}
    # Maccy is still read; with one project unreadable nobody can say the file is unused.
    assert "get-task-allow" in rules and "unused-entitlements-file" not in rules


def test_project_rules_follow_the_configuration(tmp_path):
    dest = checkout("rectangle", tmp_path)
    (dest / "RectangleLauncher" / "RectangleLauncher.entitlements").unlink()
    (dest / ".ent-ls.toml").write_text('[severity]\nmissing-entitlements-file = "warning"\n')
    found = run_cli("check", "--format", "json", ".", cwd=dest)
    sev = {d["rule"]: d["severity"] for d in json.loads(found.stdout)}
    assert sev == {"missing-entitlements-file": "warning"}
    quiet = run_cli("check", "--ignore", "missing-entitlements-file", ".", cwd=dest)
    assert quiet.returncode == 0 and b"missing-entitlements-file" not in quiet.stdout


# --- properties --------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"), max_size=12)
_VALUES = st.recursive(_TEXT, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
                       max_leaves=20)


def _write(value) -> str:
    """OpenStep text for value, every string quoted (as a test oracle)."""
    if isinstance(value, dict):
        return "{" + "".join(f"{_write(k)} = {_write(v)}; " for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "(" + ", ".join(_write(v) for v in value) + ")"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


@settings(max_examples=200, deadline=None)
@given(_VALUES)
def test_any_value_written_in_openstep_reads_back(value):
    assert parse("// !$*UTF8*$!\n" + _write(value) + "\n") == value


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(list('{}();=,"/*<>ab0 \n\\')), max_size=60))
def test_any_text_parses_or_gets_a_plist_error(text):
    try:
        parse(text)
    except PlistError as exc:
        assert exc.line >= 1


_RECTANGLE = (DATA / "rectangle" / "Rectangle.xcodeproj" / "project.pbxproj").read_text(encoding="utf-8")


@settings(max_examples=60, deadline=None)
@given(st.integers(0, len(_RECTANGLE)), st.integers(0, 40), st.text(max_size=3))
def test_a_damaged_real_project_reads_or_gets_a_project_error(tmp_path_factory, cut, drop, insert):
    xp = tmp_path_factory.mktemp("damaged") / "App.xcodeproj"
    xp.mkdir()
    (xp / "project.pbxproj").write_text(_RECTANGLE[:cut] + insert + _RECTANGLE[cut + drop:], encoding="utf-8")
    try:
        read_project(str(xp))
    except ProjectError as exc:
        assert str(exc).startswith(str(xp / "project.pbxproj"))


@pytest.mark.parametrize("objects", [
    "P = {isa = PBXProject; targets = ({a = b;}); buildConfigurationList = (x); mainGroup = (y); };",
    "P = {isa = PBXProject; targets = (T); }; T = {isa = PBXNativeTarget; name = (a); buildConfigurationList = L; };"
    " L = {isa = XCConfigurationList; buildConfigurations = (C, {x = y;}); };"
    " C = {isa = XCBuildConfiguration; name = Debug; buildSettings = {A = {b = c;}; B = (x, {y = z;}); }; };",
    "P = {isa = PBXProject; projectDirPath = (a); mainGroup = G; }; G = {isa = PBXGroup; children = G; path = (p); };",
])
def test_strange_shapes_read_or_get_a_project_error(tmp_path, objects):
    xp = tmp_path / "App.xcodeproj"
    xp.mkdir()
    (xp / "project.pbxproj").write_text("{ objects = { " + objects + " }; rootObject = P; }")
    try:
        project = read_project(str(xp))
    except ProjectError as exc:
        assert "not a readable project" in str(exc)
    else:
        assert all(r.entitlements is None for r in project.rows)


def test_targets_names_the_project_when_several_share_a_folder(tmp_path):
    dest = checkout("rectangle", tmp_path)
    shutil.copytree(DATA / "maccy" / "Maccy.xcodeproj", dest / "Maccy.xcodeproj")
    r = run_cli("targets", "--format", "json", cwd=dest)
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert sorted({(row["project"], row["target"]) for row in rows if row["entitlements"]}) == [
        ("Maccy.xcodeproj", "Maccy"), ("Rectangle.xcodeproj", "Rectangle"),
        ("Rectangle.xcodeproj", "RectangleLauncher")]
    # check in that folder reads both: Maccy's file is not in this checkout
    found = check_json(dest, ".")
    assert [(p, rule) for p, rule, _, _ in found] == [("Maccy.xcodeproj/project.pbxproj", "missing-entitlements-file")] * 2


def test_completion_ranks_every_target_platform_first():
    from ent_ls.catalog import default_catalog
    from ent_ls.document import Document
    from ent_ls.features.completion import complete

    text = plist("\t<key>com.apple.</key>\n")
    offset = text.index("com.apple.") + len("com.apple.")
    labels = [i.label for i in complete(Document(text), default_catalog(), offset, False, "iOS,macOS").items]
    tv_only = labels.index("com.apple.developer.user-management")
    assert labels.index("com.apple.developer.healthkit") < tv_only
    assert labels.index("com.apple.security.app-sandbox") < tv_only
    ios_only = [i.label for i in complete(Document(text), default_catalog(), offset, False, "iOS").items]
    assert ios_only.index("com.apple.developer.healthkit") < ios_only.index("com.apple.security.app-sandbox")
