"""value-format and key-combination: for every documented format a good
value, a bad value with its exact message and fix, and a placeholder that
is never reported; fixes round-trip."""

import pytest
from conftest import analyze_text, plist

from ent_ls.analysis.edits import apply_edits
from ent_ls.syntax import parse_plist

T = "ABCDE12345."  # a real-looking Team ID prefix


def _value_xml(value):
    if isinstance(value, list):
        return "<array>\n" + "".join(f"\t\t<string>{v}</string>\n" for v in value) + "\t</array>"
    return f"<string>{value}</string>"


def file_for(key, value, extra=""):
    return plist(f"\t<key>{key}</key>\n\t{_value_xml(value)}\n{extra}")


def reports(text, path="App/Release.entitlements", rule="value-format", **options):
    return [d for d in analyze_text(text, path, **options) if d.rule == rule]


# key, good value, bad value, exact message, preferred fix title, safe, value after the fix, placeholder
CASES = [
    ("com.apple.security.application-groups", ["group.com.example.shared"], ["MyGroup"],
     "'MyGroup' is not an app group identifier: app groups start with 'group.' (or your Team ID on macOS)",
     "Add 'group.'", True, "group.MyGroup", ["$(TeamIdentifierPrefix)com.example.shared"]),
    ("com.apple.developer.icloud-container-identifiers", ["iCloud.com.example.notes"], ["com.example.notes"],
     "'com.example.notes' is not an iCloud container ID: IDs start with 'iCloud.' "
     "and a reverse-DNS name", "Add 'iCloud.'", True, "iCloud.com.example.notes", ["iCloud.$(CFBundleIdentifier)"]),
    ("com.apple.developer.icloud-container-development-container-identifiers", ["iCloud.com.example.notes"],
     ["com.example.notes"],
     "'com.example.notes' is not an iCloud container ID: IDs start with 'iCloud.' "
     "and a reverse-DNS name", "Add 'iCloud.'", True, "iCloud.com.example.notes", ["$(ICLOUD_CONTAINER)"]),
    ("com.apple.developer.ubiquity-container-identifiers", ["iCloud.com.example.notes"], ["com.example.notes"],
     "'com.example.notes' is not an iCloud container ID: IDs start with 'iCloud.' "
     "(older ones with the Team ID)", "Add 'iCloud.'", False, "iCloud.com.example.notes",
     ["$(TeamIdentifierPrefix)com.example.notes"]),
    ("com.apple.developer.associated-domains", ["applinks:www.example.com", "webcredentials:*.example.com"],
     ["applinks:https://www.example.com/app/"],
     "'applinks:https://www.example.com/app/' has a scheme or path: write applinks:www.example.com", "Write applinks:www.example.com", True, "applinks:www.example.com",
     ["applinks:$(ASSOCIATED_DOMAIN)"]),
    ("keychain-access-groups", [T + "com.example.shared", "com.apple.token"], ["com.example.shared"],
     "'com.example.shared' is not a keychain group: start it with $(AppIdentifierPrefix) "
     "or your Team ID", "Add '$(AppIdentifierPrefix)'", True, "$(AppIdentifierPrefix)com.example.shared",
     ["$(AppIdentifierPrefix)com.example.shared"]),
    ("com.apple.developer.ubiquity-kvstore-identifier", T + "com.example.notes", "com.example.notes",
     "'com.example.notes' is not a key-value store ID: start it with $(TeamIdentifierPrefix) "
     "or your Team ID", "Add '$(TeamIdentifierPrefix)'", True, "$(TeamIdentifierPrefix)com.example.notes",
     "$(TeamIdentifierPrefix)$(CFBundleIdentifier)"),
    ("com.apple.developer.in-app-payments", ["merchant.com.example.store"], ["com.example.store"],
     "'com.example.store' is not a merchant identifier: merchant IDs start with 'merchant.'",
     "Add 'merchant.'", False, "merchant.com.example.store", ["$(MERCHANT_ID)"]),
    ("com.apple.developer.pass-type-identifiers", ["pass.com.example.ticket", T + "*"], ["com.example.ticket"],
     "'com.example.ticket' is not a pass type ID: IDs start with 'pass.', or use $(TeamIdentifierPrefix)*", "Add 'pass.'", False, "pass.com.example.ticket",
     ["$(TeamIdentifierPrefix)*"]),
    ("com.apple.developer.media-device-extension", ["media-device-protocol.examplecast"], ["examplecast"],
     "'examplecast' is not a media protocol ID: IDs start with 'media-device-protocol.'",
     "Add 'media-device-protocol.'", False, "media-device-protocol.examplecast", ["$(PROTOCOL_ID)"]),
    ("com.apple.developer.app-migration.data-container-access", ["com.example.app"], ["com.example app"],
     "'com.example app' is not a bundle ID: the one item is the containing app's bundle ID",
     None, None, None, ["$(PRODUCT_BUNDLE_IDENTIFIER)"]),
    ("com.apple.developer.memory.transfer_send", "com.example.browser", "com.example/browser",
     "'com.example/browser' is not a bundle ID: use your browser app's bundle ID", None, None, None, "$(PRODUCT_BUNDLE_IDENTIFIER)"),
    ("com.apple.developer.memory.transfer_accept", "com.example.browser", "browser",
     "'browser' is not a bundle ID: use your browser app's bundle ID",
     None, None, None, "$(BROWSER_BUNDLE_ID)"),
    ("application-identifier", T + "com.example.app", "com.example.app",
     "'com.example.app' is not an app identifier: write your Team ID, a dot and the bundle ID",
     None, None, None, "$(AppIdentifierPrefix)$(CFBundleIdentifier)"),
    ("com.apple.application-identifier", T + "com.example.mac", "example",
     "'example' is not an app identifier: write your Team ID, a dot and the bundle ID",
     None, None, None, "${TEAM_ID}.${BUNDLE_ID}"),
    ("com.apple.developer.team-identifier", "ABCDE12345", "org.example",
     "'org.example' is not a Team ID: a Team ID is 10 capital letters and digits", None, None, None,
     "$(DEVELOPMENT_TEAM)"),
    ("com.apple.developer.parent-application-identifiers", [T + "com.example.app"], ["com.example.app"],
     "'com.example.app' is not an app identifier: write $(AppIdentifierPrefix) and a bundle ID",
     "Add '$(AppIdentifierPrefix)'", True, "$(AppIdentifierPrefix)com.example.app",
     ["$(AppIdentifierPrefix)com.example.app"]),
    ("com.apple.developer.associated-appclip-app-identifiers", [T + "com.example.app.Clip"], ["com.example.app.Clip"],
     "'com.example.app.Clip' is not an app identifier: write $(AppIdentifierPrefix) and a bundle ID",
     "Add '$(AppIdentifierPrefix)'", True, "$(AppIdentifierPrefix)com.example.app.Clip",
     ["$(AppIdentifierPrefix)$(PARENT_BUNDLE_ID).Clip"]),
    ("com.apple.developer.nfc.hce.iso7816.select-identifier-prefixes", ["A000000003", "F0010203040506"], ["A0000"],
     "'A0000' is not an AID prefix: write it in hex, 5 to 16 bytes (10 to 32 hex digits)", None, None, None,
     ["$(AID_PREFIX)"]),
    ("com.apple.security.temporary-exception.files.absolute-path.read-only", ["/Library/Application Support/Example/"],
     ["~/Library/Example/"],
     "'~/Library/Example/' is in the home folder: use the home-relative-path key and drop '~'",
     None, None, None, ["$(SHARED_DIR)/"]),
    ("com.apple.security.temporary-exception.files.home-relative-path.read-write", ["/Library/Caches/Example/"],
     ["~/Library/Caches/Example/"],
     "'~/Library/Caches/Example/' starts with '~': home-relative paths are already below home",
     "Write '/Library/Caches/Example/'", True, "/Library/Caches/Example/", ["~$(CACHE_DIR)"]),
    ("com.apple.security.hardened-process.enhanced-security-version-string", "2", "v2",
     "'v2' is not a version: the value is a whole number written as a string, or *", None, None, None, "$(ESV)"),
    ("com.apple.security.hardened-process.platform-restrictions-string", "2", "two",
     "'two' is not a version: the value is a whole number written as a string, or *", None, None, None, "{{ level }}"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_good_bad_and_placeholder_values(case):
    key, good, bad, message, title, safe, fixed, placeholder = case
    assert reports(file_for(key, good)) == []
    assert reports(file_for(key, placeholder)) == []
    text = file_for(key, bad)
    (d,) = reports(text)
    assert d.message == message
    shown = bad[0] if isinstance(bad, list) else bad
    assert text[d.start:d.end] == shown  # exactly the item's text
    if title is None:
        assert d.fixes == []
        return
    fix = next(f for f in d.fixes if f.preferred)
    assert (fix.title, fix.safe) == (title, safe)
    new = apply_edits(text, fix.edits)
    assert parse_plist(new).problems == []
    assert new == text.replace(f"<string>{shown}</string>", f"<string>{fixed}</string>")
    assert reports(new) == []


def test_every_documented_format_has_a_case():
    from ent_ls.catalog import default_catalog

    with_format = {e.key for e in default_catalog().entries.values() if e.format is not None}
    covered = {c[0] for c in CASES} | {"com.apple.developer.wifi-aware", "com.apple.developer.driverkit.transport.usb",
                                       "com.apple.developer.driverkit.transport.pci",
                                       "com.apple.security.temporary-exception.files.absolute-path.read-write",
                                       "com.apple.security.temporary-exception.files.home-relative-path.read-only"}
    assert with_format == covered
    assert len(with_format) >= 28


def test_item_counts_are_errors_where_apple_says_the_system_rejects_them():
    key = "com.apple.developer.app-migration.data-container-access"
    text = file_for(key, ["com.example.app", "com.example.other"])
    (d,) = reports(text)
    assert d.severity == "error"
    assert d.message == f"{key} takes 1 item, not 2: the one item is the containing app's bundle ID"
    assert text[d.start:d.end] == "<string>com.example.other</string>"
    text = plist("\t<key>com.apple.developer.wifi-aware</key>\n\t<array/>\n")
    (d,) = reports(text)
    assert (d.severity, d.message) == ("error", "com.apple.developer.wifi-aware needs at least 1 item: "
                                                "list Publish, Subscribe or both")
    assert reports(file_for("com.apple.developer.wifi-aware", ["Publish"])) == []
    # the user's severity wins over the rule's own choice
    (d,) = reports(text, severity={"value-format": "hint"})
    assert d.severity == "hint"


def test_driverkit_matching_dictionaries():
    key = "com.apple.developer.driverkit.transport.usb"
    good = plist(f"\t<key>{key}</key>\n\t<array>\n\t\t<dict>\n\t\t\t<key>idVendor</key>\n\t\t\t<integer>1452</integer>\n"
                 "\t\t</dict>\n\t</array>\n")
    assert reports(good) == []
    bad = good.replace("<integer>1452</integer>", "<string>0x05AC</string>")
    (d,) = reports(bad)
    assert d.message == "idVendor must be an <integer>, not <string>"
    assert bad[d.start:d.end] == "<string>0x05AC</string>"
    fix = d.fixes[0]
    assert (fix.title, fix.safe) == ("Write <integer>1452</integer>", True)
    assert apply_edits(bad, fix.edits) == good
    assert reports(good.replace("<integer>1452</integer>", "<string>$(USB_VENDOR_ID)</string>")) == []
    pci = plist("\t<key>com.apple.developer.driverkit.transport.pci</key>\n\t<array>\n"
                "\t\t<string>0x12345678&amp;0x0000ffff</string>\n\t</array>\n")
    (d,) = reports(pci)
    assert d.message == ("each item of com.apple.developer.driverkit.transport.pci is a <dict> of matching keys, "
                         "not <string>")


def test_associated_domain_forms():
    key = "com.apple.developer.associated-domains"

    def one(value, **kw):
        found = reports(file_for(key, [value]), **kw)
        return [(d.message, [(f.title, f.safe) for f in d.fixes]) for d in found]

    assert one("example.com") == [("'example.com' names no service: write applinks:example.com or "
                                   "webcredentials:…", [("Use applinks:example.com", False),
                                                        ("Use webcredentials:example.com", False)])]
    assert one("AppLinks:example.com") == [("'AppLinks' is not a service: use applinks, "
                                            "webcredentials, activitycontinuation or appclips",
                                            [("Use applinks:", True)])]
    assert one("applink:example.com")[0][1] == [("Use applinks:", False)]
    assert one("applinks:example.com?mode=dev") == [("'?mode=dev' is not a mode: use ?mode=developer, "
                                                     "?mode=managed or ?mode=developer+managed", [])]
    for fine in ("applinks:example.com:8443", "appclips:example.com", "activitycontinuation:*.example.com",
                 "applinks:example.com?mode=managed"):
        assert one(fine) == [], fine


def test_developer_mode_is_for_debug_files_only():
    text = file_for("com.apple.developer.associated-domains", ["applinks:dev.example.com?mode=developer"])
    (d,) = reports(text, "App/Release.entitlements")
    assert d.message == "?mode=developer works only with development signing: drop it for release builds"
    assert [(f.title, f.safe) for f in d.fixes] == [("Write applinks:dev.example.com", False)]
    assert reports(text, "App/AppDebug.entitlements") == []
    # the same setting get-task-allow uses
    assert reports(text, "App/Staging.entitlements", debug_files=["*staging*"]) == []
    plus = text.replace("?mode=developer", "?mode=developer+managed")
    (d,) = reports(plus)
    assert d.fixes[0].title == "Write applinks:dev.example.com?mode=managed"


def test_spaces_and_case_get_safe_fixes():
    text = file_for("com.apple.security.application-groups", [" group.com.example.shared"])
    (d,) = reports(text)
    assert d.message == "' group.com.example.shared' has spaces around it: remove them"
    assert d.fixes[0].safe
    assert "<string>group.com.example.shared</string>" in apply_edits(text, d.fixes[0].edits)
    text = file_for("com.apple.security.application-groups", ["Group.com.example.shared"])
    (d,) = reports(text)
    assert [(f.title, f.safe) for f in d.fixes] == [("Write 'group.com.example.shared'", True)]


def test_apple_own_files_are_not_checked():
    text = file_for("keychain-access-groups", ["apple", "lockdown-identities"],
                    "\t<key>com.apple.private.security.storage.Keychains</key>\n\t<true/>\n")
    assert reports(text) == []
    assert len(reports(file_for("keychain-access-groups", ["apple", "lockdown-identities"]))) == 2


def test_hover_on_a_value_shows_its_format():
    from ent_ls.catalog import default_catalog
    from ent_ls.features.hover import value_markdown

    entry = default_catalog().get("com.apple.security.application-groups")
    md = value_markdown(entry, "group.com.example")
    assert md.startswith("An app group identifier for `com.apple.security.application-groups`.")
    assert "**Format:** App groups start with 'group.' (or your Team ID on macOS)." in md
    assert "`$(TeamIdentifierPrefix)`" in md and entry.format.source in md
    fonts = default_catalog().get("com.apple.developer.user-fonts")
    assert "Apple's article does not list it" in value_markdown(fonts, "font-enumeration")


def test_explain_shows_the_format():
    from conftest import run_cli

    r = run_cli("explain", "--format", "markdown", "com.apple.security.application-groups")
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    assert "**Format:** App groups start with 'group.' (or your Team ID on macOS)." in out
    assert "Starts with `group.` or `<Team ID>.`." in out
    assert "**Also in Apple's capability lists for:** visionOS, Mac Catalyst" in out


# --- key-combination ---------------------------------------------------------

def combo(body, **kw):
    return [d.message for d in reports(plist(body), rule="key-combination", **kw)]


def test_carplay_video_stands_alone_except_with_audio():
    video = "\t<key>com.apple.developer.carplay-video</key>\n\t<true/>\n"
    assert combo(video + "\t<key>com.apple.developer.carplay-maps</key>\n\t<true/>\n") == [
        "com.apple.developer.carplay-video can't be combined with carplay-maps from iOS 26.3: keep one of them"]
    assert combo(video + "\t<key>com.apple.developer.carplay-audio</key>\n\t<true/>\n") == []
    assert combo(video + "\t<key>com.apple.developer.carplay-maps</key>\n\t<false/>\n") == []


def test_media_device_extension_holds_no_other_managed_entitlement():
    body = ("\t<key>com.apple.developer.media-device-extension</key>\n\t<array>\n"
            "\t\t<string>media-device-protocol.examplecast</string>\n\t</array>\n"
            "\t<key>com.apple.developer.carplay-audio</key>\n\t<true/>\n")
    assert combo(body) == ["com.apple.developer.media-device-extension can't be combined with carplay-audio: "
                           "keep one of them"]
    assert combo(body.replace("carplay-audio", "networking.wifi-info")) == []


def test_icloud_services_and_containers():
    services = "\t<key>com.apple.developer.icloud-services</key>\n\t<array>\n\t\t<string>CloudKit</string>\n\t</array>\n"
    containers = ("\t<key>com.apple.developer.icloud-container-identifiers</key>\n\t<array>\n"
                  "\t\t<string>iCloud.com.example.app</string>\n\t</array>\n")
    assert combo(services) == ["iCloud services but no container: "
                               "add com.apple.developer.icloud-container-identifiers"]
    assert combo(services + containers) == []
    assert combo(containers) == ["com.apple.developer.icloud-container-identifiers is unused without "
                                 "com.apple.developer.icloud-services: add the services the app uses"]
    # what Xcode writes for key-value storage alone, and the older iCloud Documents setup
    kv = "\t<key>com.apple.developer.ubiquity-kvstore-identifier</key>\n\t<string>$(TeamIdentifierPrefix)x</string>\n"
    assert combo("\t<key>com.apple.developer.icloud-container-identifiers</key>\n\t<array/>\n" + kv) == []
    assert combo("\t<key>com.apple.developer.ubiquity-container-identifiers</key>\n\t<array>\n"
                 "\t\t<string>iCloud.com.example.app</string>\n\t</array>\n") == []
