"""Provisioning profiles: CMS made by openssl, read by ent-ls, and the
cross-checks between what an app requests and what its profile grants."""

from __future__ import annotations

import datetime
import json
import plistlib
import zipfile

import pytest
from conftest import plist
from signed_support import NODE_ARM64, compact_slice, make_identity, need, sign_profile, write
from test_signed import _info, run

from ent_ls.signed.profile import ProfileError, parse_profile

FUTURE = datetime.datetime(2099, 1, 1)
PAST = datetime.datetime(2020, 1, 1)


def profile_plist(entitlements, expires=FUTURE, devices=True, **extra) -> bytes:
    value = {
        "AppIDName": "Example",
        "ApplicationIdentifierPrefix": ["ABCDE12345"],
        "TeamIdentifier": ["TEAM123456"],
        "Name": "Example Dev",
        "ExpirationDate": expires,
        "CreationDate": datetime.datetime(2024, 1, 1),
        "Entitlements": entitlements,
        "Platform": ["iOS"],
        "UUID": "00000000-0000-0000-0000-000000000000",
        "Version": 1,
    }
    if devices:
        value["ProvisionedDevices"] = ["00008030-000000000000001E"]
    value.update(extra)
    return plistlib.dumps(value)


DEV_GRANTS = {
    "application-identifier": "ABCDE12345.org.example.app",
    "com.apple.developer.team-identifier": "TEAM123456",
    "keychain-access-groups": ["ABCDE12345.*"],
    "get-task-allow": True,
    "aps-environment": "development",
    "com.apple.developer.icloud-services": [],
    "com.apple.security.application-groups": ["group.org.example"],
}


@pytest.fixture
def dev_profile(tmp_path):
    return sign_profile(tmp_path, profile_plist(DEV_GRANTS))


def test_openssl_cms_is_read_as_asn1(tmp_path, dev_profile):
    profile = parse_profile(dev_profile.read_bytes())
    assert profile.entitlements == DEV_GRANTS
    assert profile.kind == "development" and not profile.expired()
    assert profile.team_ids == ["TEAM123456"] and profile.app_id_prefixes == ["ABCDE12345"]


def test_ber_with_indefinite_lengths(tmp_path):
    path = sign_profile(tmp_path, profile_plist(DEV_GRANTS), stream=True)
    assert path.read_bytes()[:2] == b"\x30\x80"  # what openssl -stream writes
    assert parse_profile(path.read_bytes()).entitlements == DEV_GRANTS


def test_binary_plist_content_is_fine_too(tmp_path):
    # The envelope is parsed, not searched for "<?xml": a binary plist inside works.
    data = plistlib.dumps(plistlib.loads(profile_plist(DEV_GRANTS)), fmt=plistlib.FMT_BINARY)
    profile = parse_profile(sign_profile(tmp_path, data).read_bytes())
    assert profile.entitlements["aps-environment"] == "development"


@pytest.mark.parametrize("damage", ["truncate", "garbage", "not-signed-data"])
def test_damaged_profiles_raise_profile_error(tmp_path, dev_profile, damage):
    data = dev_profile.read_bytes()
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "garbage":
        data = data[:40] + bytes(range(256)) * 4
    else:
        data = b"\x30\x0d\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x01\xa0\x00"  # id-data, not signedData
    with pytest.raises(ProfileError):
        parse_profile(data)
    code, _, err = run("check", "--profile", write(tmp_path / "bad.mobileprovision", data),
                       write(tmp_path / "App.entitlements", plist("").encode()))
    assert code == 2 and err.startswith("ent-ls: error: --profile") and "Traceback" not in err


def _check(tmp_path, profile, body, *extra):
    ent = write(tmp_path / "App.entitlements", plist(body).encode())
    code, out, _ = run("check", "--format", "json", "--profile", profile, ent, *extra)
    return code, json.loads(out)


def _messages(items, rule):
    return [i["message"] for i in items if i["rule"] == rule]


def test_requested_but_not_granted_names_both_sides(tmp_path, dev_profile):
    body = """<key>com.apple.developer.icloud-services</key>
<array><string>CloudKit</string></array>
<key>com.apple.developer.associated-domains</key>
<array><string>applinks:example.org</string></array>
"""
    code, items = _check(tmp_path, dev_profile, body)
    assert code == 1
    assert _messages(items, "profile-not-granted") == [
        "requested com.apple.developer.icloud-services = [CloudKit], the profile grants []",
        "requested com.apple.developer.associated-domains = [applinks:example.org], "
        "profile 'Example Dev' does not grant it",
    ]
    assert items[0]["start"]["line"] > 0  # a file in a repository keeps its lines


def test_wildcards_arrays_and_xcode_variables(tmp_path, dev_profile):
    body = """<key>application-identifier</key>
<string>$(AppIdentifierPrefix)org.example.app</string>
<key>keychain-access-groups</key>
<array><string>$(AppIdentifierPrefix)org.example.shared</string></array>
<key>com.apple.security.application-groups</key>
<array><string>group.org.example</string></array>
<key>aps-environment</key>
<string>development</string>
<key>get-task-allow</key>
<true/>
"""
    code, items = _check(tmp_path, dev_profile, body)
    assert [i["rule"] for i in items if i["rule"].startswith("profile-")] == []
    bad = body.replace("$(AppIdentifierPrefix)org.example.shared", "OTHERTEAM1.org.example.shared")
    code, items = _check(tmp_path, dev_profile, bad)
    assert _messages(items, "profile-not-granted") == [
        "requested keychain-access-groups = [OTHERTEAM1.org.example.shared], the profile grants [ABCDE12345.*]"]
    # com.apple.security.* keys need no profile, unless the profile lists them (App Groups).
    groups = body.replace("group.org.example", "group.org.other") + \
        "<key>com.apple.security.app-sandbox</key>\n<true/>\n"
    code, items = _check(tmp_path, dev_profile, groups)
    assert _messages(items, "profile-not-granted") == [
        "requested com.apple.security.application-groups = [group.org.other], the profile grants [group.org.example]"]


def test_aps_environment_and_get_task_allow(tmp_path):
    grants = {**DEV_GRANTS, "get-task-allow": False, "aps-environment": "production"}
    store = sign_profile(tmp_path, profile_plist(grants, devices=False), "store.mobileprovision")
    body = """<key>aps-environment</key>
<string>development</string>
<key>get-task-allow</key>
<true/>
"""
    code, items = _check(tmp_path, store, body)
    assert _messages(items, "profile-aps-environment") == [
        "requested aps-environment = development, the profile has production"]
    assert _messages(items, "profile-get-task-allow") == [
        "requested get-task-allow = true, profile 'Example Dev' is distribution, not development"]


def test_expired_profile(tmp_path):
    old = sign_profile(tmp_path, profile_plist(DEV_GRANTS, expires=PAST), "old.mobileprovision")
    code, items = _check(tmp_path, old, "")
    assert _messages(items, "profile-expired") == [
        "Profile 'Example Dev' expired on 2020-01-01; renew it and sign again"]
    code, out, _ = run("check", old)  # a profile on its own
    assert code == 1 and "error[profile-expired]" in out


def _ipa(tmp_path, bundle_id, profile):
    ipa = tmp_path / "App.ipa"
    with zipfile.ZipFile(ipa, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("Payload/App.app/Info.plist", _info(bundle_id, "App"))
        zf.writestr("Payload/App.app/App", compact_slice(need(NODE_ARM64)))
        zf.writestr("Payload/App.app/embedded.mobileprovision", profile.read_bytes())
    return ipa


def test_embedded_profile_in_an_ipa(tmp_path, dev_profile):
    code, out, _ = run("check", _ipa(tmp_path, "org.example.app", dev_profile))
    # Node's keys are Hardened Runtime ones, which need no profile; get-task-allow
    # is granted by this development profile.
    assert "profile-" not in out
    code, out, _ = run("check", _ipa(tmp_path, "org.example.other", dev_profile))
    assert ("[Payload/App.app/App]: error[profile-app-id] bundle identifier org.example.other is not covered "
            "by the profile's application-identifier ABCDE12345.org.example.app") in out


def test_profile_option_applies_to_a_binary(tmp_path):
    grants = {**DEV_GRANTS, "get-task-allow": False}
    adhoc = sign_profile(tmp_path, profile_plist(grants), "adhoc.mobileprovision")
    code, out, _ = run("check", "--profile", adhoc, need(NODE_ARM64))
    assert "error[profile-get-task-allow] requested com.apple.security.get-task-allow = true, " \
           "profile 'Example Dev' is ad hoc, not development" in out


def test_show_a_profile(tmp_path, dev_profile):
    code, out, _ = run("show", "--format", "json", dev_profile)
    (record,) = json.loads(out)
    assert record["kind"] == "development" and record["entitlements"]["aps-environment"] == "development"
    code, out, _ = run("show", dev_profile)
    assert out.startswith(f"Profile={dev_profile}\n# provisioning profile 'Example Dev' (development)")
    assert "<key>keychain-access-groups</key>" in out


def test_signer_of_a_profile_is_not_a_code_signature(tmp_path):
    # The same CMS reader names the signing certificate of a signature.
    from ent_ls.signed.cms import signer_names

    identity = make_identity(tmp_path, "Apple Distribution: Example (TEAM123456)")
    data = sign_profile(tmp_path, b"hello", "x.p7", identity).read_bytes()
    assert signer_names(data)[0] == "Apple Distribution: Example (TEAM123456)"


def test_embedded_provisionprofile_in_a_mac_bundle(tmp_path):
    grants = {"com.apple.application-identifier": "ABCDE12345.node",
              "com.apple.developer.team-identifier": "TEAM123456"}
    profile = sign_profile(tmp_path, profile_plist(grants, devices=False), "mac.provisionprofile")
    app = tmp_path / "node.app"  # no Info.plist: the executable is named after the bundle
    write(app / "Contents/MacOS/node", compact_slice(need(NODE_ARM64)))
    write(app / "Contents/embedded.provisionprofile", profile.read_bytes())
    code, out, _ = run("check", app)
    # No Info.plist: the bundle identifier is the signature's identifier, "node".
    assert "profile-app-id" not in out
    assert ("[Contents/MacOS/node]: error[profile-get-task-allow] requested com.apple.security.get-task-allow = "
            "true, profile 'Example Dev' is distribution, not development") in out
