"""Every rule: positive and negative cases, and what its fixes produce."""

import pytest
from conftest import analyze_text, plist, rules_of

from ent_ls.analysis.edits import apply_edits
from ent_ls.syntax import parse_plist, to_python

UNSIGNED = "com.apple.security.cs.allow-unsigned-executable-memory"
JIT = "com.apple.security.cs.allow-jit"
DEPP = "com.apple.security.cs.disable-executable-page-protection"


def entry(key, value="<true/>", indent="\t"):
    return f"{indent}<key>{key}</key>\n{indent}{value}\n"


def only(diags, rule):
    found = [d for d in diags if d.rule == rule]
    return found


def apply(text, fix):
    new = apply_edits(text, fix.edits)
    assert parse_plist(new).problems == [], new
    return new


def fix_titled(diag, title):
    return next(f for f in diag.fixes if f.title == title)


# --- unsigned-executable-memory --------------------------------------------

def test_unsigned_memory_warns_on_key_text():
    text = plist(entry(UNSIGNED))
    (d,) = only(analyze_text(text), "unsigned-executable-memory")
    assert d.severity == "warning"
    assert text[d.start:d.end] == UNSIGNED
    assert "MAP_JIT" in d.message and "allow-jit" in d.message


def test_unsigned_memory_false_is_silent():
    assert only(analyze_text(plist(entry(UNSIGNED, "<false/>"))), "unsigned-executable-memory") == []


def test_unsigned_memory_nested_key_is_not_an_entitlement():
    text = plist(entry("com.example.container", f"<dict><key>{UNSIGNED}</key><true/></dict>"))
    assert only(analyze_text(text), "unsigned-executable-memory") == []


def test_switch_to_jit_replaces_key_text_only():
    text = plist(entry("com.apple.security.app-sandbox") + entry(UNSIGNED)).replace("\n", "\r\n")
    (d,) = only(analyze_text(text), "unsigned-executable-memory")
    fix = d.fixes[0]
    assert fix.title == f"Switch to {JIT}" and fix.preferred and not fix.safe
    new = apply(text, fix)
    assert new == text.replace(UNSIGNED, JIT)
    assert to_python(parse_plist(new).root)[JIT] is True


def test_switch_to_jit_removes_when_jit_present():
    text = plist(entry(JIT) + entry(UNSIGNED))
    (d,) = only(analyze_text(text), "unsigned-executable-memory")
    new = apply(text, fix_titled(d, f"Switch to {JIT}"))
    assert new == plist(entry(JIT))


def test_switch_to_jit_turns_false_jit_on():
    text = plist(entry(JIT, "<false/>") + entry(UNSIGNED))
    (d,) = only(analyze_text(text), "unsigned-executable-memory")
    new = apply(text, fix_titled(d, f"Switch to {JIT}"))
    assert new == plist(entry(JIT))


def test_remove_fix_keeps_everything_else():
    text = plist(entry("com.apple.security.app-sandbox") + entry(UNSIGNED, indent="    ") + "\t<!-- keep -->\n")
    (d,) = only(analyze_text(text), "unsigned-executable-memory")
    new = apply(text, fix_titled(d, f"Remove {UNSIGNED}"))
    assert new == plist(entry("com.apple.security.app-sandbox") + "\t<!-- keep -->\n")


def test_page_protection_warns_with_same_fixes():
    text = plist(entry(DEPP))
    (d,) = only(analyze_text(text), "disable-executable-page-protection")
    assert text[d.start:d.end] == DEPP
    assert [f.title for f in d.fixes] == [f"Switch to {JIT}", f"Remove {DEPP}"]
    assert apply(text, d.fixes[0]) == plist(entry(JIT))


# --- structure ---------------------------------------------------------------

def test_xml_syntax_reports_mismatched_tag():
    diags = analyze_text(plist("\t<key>com.apple.security.app-sandbox</dict>\n"))
    assert any(d.rule == "xml-syntax" and "expected </key> before </dict>" in d.message for d in diags)


def test_clean_file_has_no_diagnostics():
    assert analyze_text(plist(entry("com.apple.security.app-sandbox") + entry("com.apple.security.network.client"))) == []


@pytest.mark.parametrize("text, needle", [
    ("", "empty"),
    ("not xml at all", "no root element"),
    ('<plist version="1.0"><array/></plist>', "top-level value is <array>"),
    (plist("\t<key>com.apple.security.app-sandbox</key>\n"), "has no value"),
    (plist("\t<true/>\n"), "has no <key>"),
    (plist("\t<key>a</key><yes/>\n"), "unknown element <yes>"),
])
def test_plist_structure(text, needle):
    diags = analyze_text(text)
    assert any(d.rule in ("plist-structure", "xml-syntax") and needle in d.message for d in diags), diags


def test_duplicate_key_points_at_second_and_names_first():
    key = "com.apple.security.network.client"
    text = plist(entry(key, "<false/>") + entry(key))
    (d,) = only(analyze_text(text), "duplicate-key")
    assert d.start > text.index(key)
    assert text[d.start:d.end] == key
    assert d.related and text[d.related[0][0]:d.related[0][1]] == key and d.related[0][0] == text.index(key)
    new = apply(text, next(f for f in d.fixes if f.preferred))
    assert new == plist(entry(key))  # keeps the entry readers use (the last)


def test_duplicate_keys_in_nested_dicts():
    text = plist(entry("com.apple.security.scripting-targets", "<dict><key>a</key><true/><key>a</key><true/></dict>"))
    assert len(only(analyze_text(text), "duplicate-key")) == 1


# --- catalog rules -------------------------------------------------------------

def test_unknown_key_with_suggestion_and_fix():
    text = plist(entry("com.apple.security.cs.allow-jitt"))
    (d,) = only(analyze_text(text), "unknown-key")
    assert "did you mean com.apple.security.cs.allow-jit" in d.message
    assert apply(text, d.fixes[0]) == plist(entry(JIT))


def test_unknown_key_stray_whitespace_fix_is_safe():
    text = plist(entry(" com.apple.security.app-sandbox"))
    (d,) = only(analyze_text(text), "unknown-key")
    assert d.fixes[0].safe
    assert apply(text, d.fixes[0]) == plist(entry("com.apple.security.app-sandbox"))


def test_known_private_and_placeholder_keys_are_not_unknown():
    text = plist(entry("com.apple.security.app-sandbox") + entry("com.apple.private.foo")
                 + entry("$(PRODUCT_BUNDLE_IDENTIFIER).custom"))
    diags = analyze_text(text)
    assert only(diags, "unknown-key") == []
    (p,) = only(diags, "private-entitlement")
    assert p.severity == "information" and "will not launch" in p.message


def test_value_type_boolean_string_with_fix():
    text = plist(entry("com.apple.security.app-sandbox", "<string>YES</string>"))
    (d,) = only(analyze_text(text), "value-type")
    assert text[d.start:d.end] == "<string>YES</string>"
    assert d.severity == "error"
    assert apply(text, d.fixes[0]) == plist(entry("com.apple.security.app-sandbox"))


def test_value_type_wraps_string_in_array():
    text = plist(entry("com.apple.security.application-groups", "<string>group.x</string>"))
    (d,) = only(analyze_text(text), "value-type")
    new = apply(text, d.fixes[0])
    assert to_python(parse_plist(new).root) == {"com.apple.security.application-groups": ["group.x"]}
    assert "\t<array>\n\t\t<string>group.x</string>\n\t</array>" in new


def test_value_type_checks_array_items_and_allows_placeholders():
    text = plist(entry("keychain-access-groups", "<array><string>$(AppIdentifierPrefix)x</string><true/></array>"))
    (d,) = only(analyze_text(text), "value-type")
    assert text[d.start:d.end] == "<true/>"
    text = plist(entry("com.apple.security.app-sandbox", "<string>$(SANDBOX)</string>"))
    assert only(analyze_text(text), "value-type") == []


def test_unknown_value_and_close_fix():
    text = plist(entry("aps-environment", "<string>Production</string>"))
    (d,) = only(analyze_text(text), "unknown-value")
    assert text[d.start:d.end] == "Production"
    assert "development, production" in d.message
    assert apply(text, d.fixes[0]) == plist(entry("aps-environment", "<string>production</string>"))
    assert only(analyze_text(plist(entry("aps-environment", "<string>$(APS_ENV)</string>"))), "unknown-value") == []


def test_unknown_value_in_array_items():
    text = plist(entry("com.apple.developer.icloud-services", "<array><string>CloudKit</string><string>CloudDocs</string></array>"))
    (d,) = only(analyze_text(text), "unknown-value")
    assert text[d.start:d.end] == "CloudDocs"


def test_deprecated_key_with_replacement():
    text = plist(entry("com.apple.vm.hypervisor"))
    (d,) = only(analyze_text(text), "deprecated-key")
    assert "deprecated" in d.tags
    assert apply(text, d.fixes[0]) == plist(entry("com.apple.security.hypervisor"))


def test_platform_mismatch_from_setting_and_path():
    text = plist(entry("com.apple.security.app-sandbox"))
    (d,) = only(analyze_text(text, platform="ios"), "platform-mismatch")
    assert "set in the settings" in d.message
    assert only(analyze_text(text, "app/macos/Runner/Release.entitlements"), "platform-mismatch") == []
    assert only(analyze_text(text), "platform-mismatch") == []
    # an iOS folder's file may also sign the Mac Catalyst build: macOS keys pass
    assert only(analyze_text(text, "app/ios/Runner/Runner.entitlements"), "platform-mismatch") == []
    ios = plist(entry("aps-environment", "<string>production</string>"))
    assert only(analyze_text(ios, platform="macos"), "platform-mismatch")
    (d,) = only(analyze_text(ios, "app/macos/Runner/Release.entitlements"), "platform-mismatch")
    assert "going by the file's path" in d.message
    assert only(analyze_text(ios, platform="ipados"), "platform-mismatch") == []
    assert only(analyze_text(ios, "app/ios-mac-app/App.entitlements"), "platform-mismatch") == []


# --- issue 5 rules ---------------------------------------------------------------

def test_redundant_exception_cascade():
    text = plist(entry(JIT) + entry(UNSIGNED) + entry(DEPP))
    red = only(analyze_text(text), "redundant-exception")
    assert sorted(text[d.start:d.end] for d in red) == sorted([JIT, UNSIGNED])
    assert all("unnecessary" in d.tags for d in red)
    # safe only where Apple's page states the inclusion (page protection covers unsigned memory)
    assert {text[d.start:d.end]: d.fixes[0].safe for d in red} == {JIT: False, UNSIGNED: True}
    assert only(analyze_text(plist(entry(JIT) + entry(UNSIGNED, "<false/>"))), "redundant-exception") == []


@pytest.mark.parametrize("rule, key", [
    ("allow-dyld-environment-variables", "com.apple.security.cs.allow-dyld-environment-variables"),
    ("disable-library-validation", "com.apple.security.cs.disable-library-validation"),
    ("debugger-entitlement", "com.apple.security.cs.debugger"),
])
def test_runtime_exception_rules(rule, key):
    text = plist(entry(key))
    (d,) = only(analyze_text(text), rule)
    assert d.severity == "warning" and text[d.start:d.end] == key
    assert apply(text, d.fixes[0]) == plist("")
    assert only(analyze_text(plist(entry(key, "<false/>"))), rule) == []


def test_get_task_allow_and_debug_files():
    for key in ("get-task-allow", "com.apple.security.get-task-allow"):
        text = plist(entry(key))
        assert only(analyze_text(text, "App/Release.entitlements"), "get-task-allow")
        assert only(analyze_text(text, "macos/Runner/DebugProfile.entitlements"), "get-task-allow") == []
        assert only(analyze_text(text, "App/Internal.entitlements", debug_files=["Internal.*"]), "get-task-allow") == []


def test_false_value_hint():
    text = plist(entry("com.apple.security.network.server", "<false/>"))
    (d,) = only(analyze_text(text), "false-value")
    assert d.severity == "hint" and "unnecessary" in d.tags and d.fixes[0].safe
    assert only(analyze_text(plist(entry("com.example.unknown", "<false/>"))), "false-value") == []


def test_sandbox_dependent():
    text = plist(entry("com.apple.security.network.client") + entry("com.apple.security.device.camera"))
    (d,) = only(analyze_text(text, "macos/App.entitlements"), "sandbox-dependent")
    assert "network.client" in text[d.start:d.end]
    sandboxed = plist(entry("com.apple.security.app-sandbox") + entry("com.apple.security.network.client"))
    assert only(analyze_text(sandboxed), "sandbox-dependent") == []
    assert only(analyze_text(text, platform="ios"), "sandbox-dependent") == []


def test_temporary_exception():
    key = "com.apple.security.temporary-exception.files.absolute-path.read-only"
    text = plist(entry("com.apple.security.app-sandbox") + entry(key, "<string>/tmp/</string>"))
    diags = analyze_text(text)
    assert only(diags, "temporary-exception") and only(diags, "value-type") == []
    bad = plist(entry("com.apple.security.temporary-exception.made-up", "<true/>"))
    assert any("must be a string or" in d.message for d in only(analyze_text(bad), "temporary-exception"))


# --- suppression and settings ----------------------------------------------------

def test_disable_next_line():
    text = plist("\t<!-- ent-ls: disable-next-line unsigned-executable-memory -->\n" + entry(UNSIGNED))
    diags = analyze_text(text)
    assert rules_of(diags) == []


def test_disable_next_line_only_covers_next_line():
    text = plist("\t<!-- ent-ls: disable-next-line unsigned-executable-memory -->\n\n" + entry(UNSIGNED))
    assert "unsigned-executable-memory" in rules_of(analyze_text(text))


def test_disable_whole_file_and_unused():
    text = plist(entry(UNSIGNED) + "\t<!-- ent-ls: disable unsigned-executable-memory, false-value, nonsense -->\n")
    diags = analyze_text(text)
    unused = only(diags, "unused-suppression")
    assert sorted(text[d.start:d.end] for d in unused) == ["false-value", "nonsense"]
    assert "unsigned-executable-memory" not in rules_of(diags)
    new = apply(text, unused[0].fixes[0])
    assert "false-value" not in new and "unsigned-executable-memory, nonsense" in new


def test_suppression_fixes_insert_comments():
    from ent_ls.analysis.suppress import suppression_fixes
    from ent_ls.document import Document

    text = plist(entry(UNSIGNED))
    doc = Document(text)
    d = only(analyze_text(text), "unsigned-executable-memory")[0]
    line_fix, file_fix = suppression_fixes(doc, d)
    for fix in (line_fix, file_fix):
        new = apply(text, fix)
        assert only(analyze_text(new), "unsigned-executable-memory") == []
        assert only(analyze_text(new), "unused-suppression") == []


def test_select_ignore_and_severity():
    text = plist(entry(UNSIGNED) + entry("com.apple.security.network.server", "<false/>"))
    assert rules_of(analyze_text(text, ignore=["false-value"])) == ["unsigned-executable-memory"]
    assert rules_of(analyze_text(text, select=["false-value"])) == ["false-value"]
    diags = analyze_text(text, severity={"unsigned-executable-memory": "error", "false-value": "off"})
    assert [(d.rule, d.severity) for d in diags] == [("unsigned-executable-memory", "error")]


def test_extend_keys():
    text = plist(entry("com.example.feature", "<string>x</string>"))
    assert only(analyze_text(text), "unknown-key")
    diags = analyze_text(text, extend_keys=[("com.example.feature", "boolean")])
    assert only(diags, "unknown-key") == [] and only(diags, "value-type")
