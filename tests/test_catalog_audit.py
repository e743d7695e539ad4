"""The catalog corrections of the 2026 audit (../shared/reference/catalog-audit.md),
each asserted against Apple's page in ../shared/reference/apple-docs, the audit's
own quotation of Apple, or the 2026 availability the re-check script reads;
and the rule-accuracy fixes found on real files."""

import json
import plistlib
import subprocess
import sys

import pytest
from conftest import ROOT, SHARED, analyze_text, plist, rules_of

from ent_ls.catalog import default_catalog
from ent_ls.features.hover import markdown_for_key

AUDIT = SHARED / "reference" / "catalog-audit.md"
APPLE_DOCS = SHARED / "reference" / "apple-docs"
AVAILABILITY = ROOT / "scripts" / "data" / "apple-2026-availability.json"


def audit_text():
    if not AUDIT.is_file():
        pytest.skip("../shared/reference/catalog-audit.md is not present")
    return AUDIT.read_text(encoding="utf-8")


def page(key):
    path = APPLE_DOCS / f"{key}.md"
    if not path.is_file():
        pytest.skip(f"no Apple page for {key} in ../shared/reference/apple-docs")
    return path.read_text(encoding="utf-8")


def page_2026(key):
    pages = {p["key"]: p for p in json.loads(AVAILABILITY.read_text(encoding="utf-8"))["pages"]}
    return pages[key]["availability"]


def entry(key, value="<true/>"):
    return f"\t<key>{key}</key>\n\t{value}\n"


def rules(body, **kw):
    return rules_of(analyze_text(plist(body), "App/Release.entitlements", **kw))


C = default_catalog()


def test_enhanced_security_version_accepts_the_string_apple_documents_and_the_integer_apple_ships():
    key = "com.apple.security.hardened-process.enhanced-security-version"
    assert "**Type**: string" in page(key)
    assert C.get(key).type == "integer" and C.get(key).accepts == ["string"]
    for value in ("<string>1</string>", "<integer>1</integer>"):
        assert "value-type" not in rules(entry(key, value)), value
    assert "value-type" in rules(entry(key, "<true/>"))
    assert "two copies" not in markdown_for_key(key, C) and "<integer>1</integer>" in markdown_for_key(key, C)


def test_userclient_access_accepts_a_single_string():
    assert "either a single string or a one-element array" in audit_text()
    key = "com.apple.developer.driverkit.userclient-access"
    assert "value-type" not in rules(entry(key, "<string>com.example.driver</string>"))
    assert "value-type" in rules(entry(key, "<true/>"))


def test_game_center_is_on_tvos():
    assert "when you enable Game Center for iOS, iPadOS, and tvOS apps" in audit_text()
    e = C.get("com.apple.developer.game-center")
    assert "tvOS" in e.platforms and "tvOS" in e.platforms_note
    assert "platform-mismatch" not in rules(entry(e.key), platform="tvos")


def test_media_device_discovery_extension_is_deprecated_in_27_with_its_successor():
    assert page_2026("com.apple.developer.media-device-discovery-extension") == [
        "iOS: 16.0.0 - 27.0.0", "iPadOS: 16.0.0 - 27.0.0", "visionOS: 1.0.0 - 27.0.0"]
    e = C.get("com.apple.developer.media-device-discovery-extension")
    assert {p: v["deprecated"] for p, v in e.platforms.items()} == {"iOS": "27.0", "iPadOS": "27.0", "visionOS": "27.0"}
    assert e.replaced_by == "com.apple.developer.media-device-extension"
    (d,) = [d for d in analyze_text(plist(entry(e.key))) if d.rule == "deprecated-key"]
    assert d.message == ("deprecated: use com.apple.developer.media-device-extension "
                         "(27.0+; older targets still need this key)")


def test_financekit_follows_the_framework_page():
    assert "iOS/iPadOS/Mac Catalyst 17.0 and **no macOS**" in audit_text()
    e = C.get("com.apple.developer.financekit")
    assert e.platforms == {p: {"introduced": "17.0", "deprecated": None} for p in ("iOS", "iPadOS", "Mac Catalyst")}
    assert "10.15" in e.platforms_note  # the key page's numbers are named, not hidden
    assert "platform-mismatch" in rules(entry(e.key), platform="macos")


@pytest.mark.parametrize("key, version", [
    ("com.apple.developer.background-tasks.continued-processing.gpu", "26.0"),
    ("com.apple.developer.wifi-aware", "26.0"),
    ("com.apple.developer.app-migration.data-container-access", "26.1"),
])
def test_ipados_where_the_2026_pages_list_it(key, version):
    assert f"iPadOS: {version}.0 -" in page_2026(key)
    assert C.get(key).platforms["iPadOS"] == {"introduced": version, "deprecated": None}


def test_dyld_ro_disagreement_is_shown_not_hidden():
    key = "com.apple.security.hardened-process.dyld-ro"
    assert "Mac Catalyst" in page(key)  # the local copy lists it; the 2026 .md page does not
    assert not any(line.startswith("macCatalyst") for line in page_2026(key))
    assert "Mac Catalyst" in C.get(key).platforms
    assert "two copies of this page disagree" in markdown_for_key(key, C)


def test_location_push_keeps_ios_15_although_the_2026_page_says_7():
    assert page_2026("com.apple.developer.location.push")[0] == "iOS: 7.0.0 -"
    e = C.get("com.apple.developer.location.push")
    assert set(e.platforms) == {"iOS", "iPadOS"} and e.platforms["iOS"]["introduced"] == "15.0"


def test_privileged_file_operations_is_boolean_and_font_enumeration_is_an_observed_value():
    assert "The only real file found uses `<true/>`" in audit_text()
    assert C.get("com.apple.developer.security.privileged-file-operations").type == "boolean"
    assert "**`font-enumeration`**" in audit_text()
    fonts = entry("com.apple.developer.user-fonts", "<array><string>font-enumeration</string></array>")
    assert "unknown-value" not in rules(fonts)
    assert "unknown-value" in rules(fonts.replace("font-enumeration", "font-enumerate"))


def test_the_two_missing_keys_exist():
    assert page_2026("com.apple.developer.carplay-video") == ["iOS: 27.0.0 -", "iPadOS: 27.0.0 -"]
    for key in ("com.apple.developer.carplay-video", "com.apple.developer.fskit.mount",
                "com.apple.developer.carplay-driving-task"):
        assert key in C
        assert "unknown-key" not in rules(entry(key))


def test_unsourced_prose_is_gone_or_marked_as_our_advice():
    dltdoa = C.get("com.apple.developer.nearbyinteraction.dltdoa")
    assert "development entitlement" not in dltdoa.details
    assert "iPadOS" in dltdoa.platforms and "iOS 27" in dltdoa.platforms_note
    pr = C.get("com.apple.security.hardened-process.platform-restrictions").details
    assert "XPC are unlikely" not in pr and "ent-ls's own advice, not Apple's" in pr
    from ent_ls.analysis import get_rule

    assert "Apple silicon" not in get_rule("disable-executable-page-protection").doc
    assert "encompasses" in page("com.apple.security.cs.disable-executable-page-protection")
    for key in ("com.apple.security.hardened-process.checked-allocations.soft-mode",
                "com.apple.security.hardened-process.checked-allocations.enable-pure-data"):
        assert C.get(key).requires_source == "inferred"


def test_default_is_documented_as_the_value_xcode_writes():
    schema = json.loads((ROOT / "schema" / "catalog.schema.json").read_text(encoding="utf-8"))
    assert "The value Xcode writes" in schema["$defs"]["entry"]["properties"]["default"]["description"]


def test_every_correction_names_its_source():
    changed = 0
    for path in sorted((ROOT / "schema" / "entitlements").glob("*.json")):
        for e in json.loads(path.read_text(encoding="utf-8"))["entitlements"]:
            for c in e.get("corrected", []):
                assert c["source"].startswith("https://developer.apple.com/") and c["note"], e["key"]
                changed += 1
            if "format" in e:
                assert e["format"]["source"].startswith("https://developer.apple.com/"), e["key"]
    assert changed >= 10


def test_successor_message_says_when_it_arrived_and_playable_content_beside_carplay_audio_is_quiet():
    key = "com.apple.security.hardened-process.enhanced-security-version"
    (d,) = [d for d in analyze_text(plist(entry(key, "<integer>1</integer>"))) if d.rule == "deprecated-key"]
    assert d.message == (f"deprecated: use {key}-string (26.4+; older targets still need this key)")
    legacy = entry("com.apple.developer.playable-content")
    assert "deprecated-key" in rules(legacy)
    assert "deprecated-key" not in rules(legacy + entry("com.apple.developer.carplay-audio"))


# --- rule accuracy found on real files -----------------------------------------

def test_before_version_temporary_exceptions_are_known_and_still_temporary():
    key = "com.apple.security.temporary-exception.apple-events:before:10.8"
    body = entry(key, "<array><string>com.apple.finder</string></array>")
    found = rules(body)
    assert "unknown-key" not in found
    assert "temporary-exception" in found and "sandbox-dependent" in found
    assert "sandbox-dependent" not in rules(body + entry("com.apple.security.app-sandbox"))
    assert markdown_for_key(key, C).startswith("### ")  # the base key's hover
    assert "unknown-key" in rules(entry("com.apple.security.temporary-exception.apple-events:after:10.8",
                                        "<string>com.apple.finder</string>"))


def test_typo_inside_a_temporary_exception_is_still_sandbox_dependent():
    found = rules(entry("com.apple.security.temporary-exception.mach-lookup.global-nam",
                        "<string>com.example.helper</string>"))
    assert "unknown-key" in found and "sandbox-dependent" in found


def test_capability_lists_win_for_platform_mismatch():
    groups = entry("com.apple.security.application-groups", "<array><string>group.com.example</string></array>")
    assert "visionOS" not in C.get("com.apple.security.application-groups").platforms  # the key page
    assert "visionOS" not in page("com.apple.security.application-groups").split("## Details")[0]
    for platform in ("visionos", "maccatalyst"):
        assert "platform-mismatch" not in rules(groups, platform=platform), platform
    assert "platform-mismatch" in rules(entry("com.apple.security.cs.allow-jit"), platform="visionos")


@pytest.mark.parametrize("key", ["NSCameraUsageDescription", "UIBackgroundModes", "CFBundleIdentifier",
                                 "LSApplicationQueriesSchemes", "NSUbiquitousContainers", "NSAppTransportSecurity"])
def test_info_plist_keys_are_named_as_such(key):
    (d,) = [d for d in analyze_text(plist(entry(key, "<string>x</string>"))) if d.rule == "unknown-key"]
    assert d.message == f"{key} is an Info.plist key; it has no effect here: move it to Info.plist"
    assert d.fixes == []


def test_unknown_keys_that_are_not_info_plist_keys_keep_their_message():
    (d,) = [d for d in analyze_text(plist(entry("com.example.nothing"))) if d.rule == "unknown-key"]
    assert "Apple documents no such key" in d.message


BROKEN = {
    "system": '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "…">',
    "public": '<!DOCTYPE plist PUBLIC "…" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    "missing-system": '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN">',
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_doctype_is_a_warning_with_a_safe_fix(name):
    from ent_ls.analysis.edits import apply_edits

    standard = plist(entry("com.apple.security.app-sandbox"))
    good_doctype = standard.splitlines()[1]
    text = standard.replace(good_doctype, BROKEN[name])
    (d,) = [d for d in analyze_text(text) if d.rule == "doctype"]
    assert d.severity == "warning" and text[d.start:d.end] == BROKEN[name]
    fixed = apply_edits(text, d.fixes[0].edits)
    assert d.fixes[0].safe and fixed == standard
    assert plistlib.loads(fixed.encode()) == {"com.apple.security.app-sandbox": True}
    if name != "system":  # Python's plistlib rejects these; it accepts a system id that points nowhere
        with pytest.raises(Exception):
            plistlib.loads(text.encode())
    assert [d for d in analyze_text(standard) if d.rule == "doctype"] == []


# --- the re-check script and the corpus ------------------------------------------

def test_recheck_script_finds_nothing_left_to_change():
    if not AUDIT.is_file():
        pytest.skip("../shared/reference is not present")
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "recheck-platforms.py"), "--shared", str(SHARED),
                        "--json"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["checked"] >= 70 and out["missing"] == []
    # only the two pages the catalog deliberately disagrees with
    assert sorted((d["key"], bool(d["kept"])) for d in out["differ"]) == [
        ("com.apple.developer.game-center", True), ("com.apple.developer.location.push", True)]


def test_recheck_script_applies_a_page(tmp_path):
    import shutil

    shutil.copytree(ROOT / "schema", tmp_path / "schema")
    (tmp_path / "scripts" / "data").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "recheck-platforms.py", tmp_path / "scripts")
    key = "com.apple.developer.wifi-aware"
    (tmp_path / "scripts" / "data" / "apple-2026-availability.json").write_text(json.dumps({"pages": [
        {"key": key, "url": f"https://developer.apple.com/documentation/bundleresources/entitlements/{key}",
         "availability": ["iOS: 26.0.0 -", "iPadOS: 26.0.0 -", "visionOS: 27.0.0 -"]}]}))
    run = [sys.executable, str(tmp_path / "scripts" / "recheck-platforms.py"), "--shared", str(tmp_path / "none")]
    r = subprocess.run(run + ["--apply"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "visionOS: missing (page: 27.0+)" in r.stdout
    data = json.loads((tmp_path / "schema" / "entitlements" / "system-and-networking.json").read_text(encoding="utf-8"))
    (e,) = [e for e in data["entitlements"] if e["key"] == key]
    assert e["platforms"]["visionOS"] == {"introduced": "27.0", "deprecated": None}
    assert subprocess.run(run, capture_output=True, text=True).stdout.endswith("0 differ, 0 missing\n")


# Every value-format report on the real-world corpus, each checked by hand (the note lists them).
CORPUS_REPORTS = {
    ("153-provenance-backgrounddownloadextension.entitlements", "org.provenance-emu"),  # not a Team ID: right
}


def test_value_format_on_the_corpus(corpus_files, facts):
    from ent_ls.analysis import analyze
    from ent_ls.document import Document
    from ent_ls.syntax import decode

    documented = {f["key"]: f for f in facts}
    found = set()
    for path in corpus_files:
        decoded = decode(path.read_bytes())
        doc = Document(decoded.text, str(path), decoded.binary)
        for d in analyze(doc):
            if d.rule in ("value-format", "key-combination"):
                found.add((path.name, doc.text[d.start:d.end]))
            # a documented key with one of its documented values is never reported
            if d.rule in ("unknown-value", "value-type", "value-format"):
                ent = doc.entitlement_at(d.start)
                fact = documented.get(ent.key) if ent else None
                if fact and fact["allowed_values"]:
                    assert doc.text[d.start:d.end] not in fact["allowed_values"], (path.name, d.message)
    assert found == CORPUS_REPORTS
