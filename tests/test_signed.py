"""Signed code: real Node binaries from npm, and fixtures made from them."""

from __future__ import annotations

import io
import json
import os
import plistlib
import struct
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from signed_support import (
    NODE_ARM64,
    NODE_KEYS,
    NODE_X64,
    adhoc_slice,
    compact_slice,
    lief_signature,
    need,
    replace_in_signature,
    unsigned_macho,
    without_runtime,
    write,
    write_fat,
)

from ent_ls.cli import main
from ent_ls.signed import read_target, views
from ent_ls.signed.macho import read_macho

ROOT = Path(__file__).resolve().parent.parent


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    old = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        code = main([str(a) for a in argv])
    finally:
        sys.stdout, sys.stderr = old
    return code, out.getvalue(), err.getvalue()


def only_view(path):
    target = read_target(str(path))
    assert not target.problems, target.problems
    assert len(target.codes) == 1
    (view,) = views(target.codes[0])
    return view


# -- the real binaries ---------------------------------------------------------

@pytest.mark.parametrize("path, arch", [(NODE_ARM64, "arm64"), (NODE_X64, "x86_64")])
def test_signature_where_lief_finds_it(path, arch):
    need(path)
    with open(path, "rb") as fh:
        m = read_macho(fh)
    (s,) = m.slices
    offset, size, _ = lief_signature(path)
    assert (s.signature_offset, s.signature_size) == (offset, size)
    assert s.arch == arch and s.platform == "macOS" and not s.problems


@pytest.mark.parametrize("path", [NODE_ARM64, NODE_X64])
def test_node_entitlements_are_the_six_keys(path):
    view = only_view(need(path))
    assert set(view.xml_value) == NODE_KEYS and all(v is True for v in view.xml_value.values())
    assert view.signed and not view.adhoc and view.hardened_runtime
    assert view.team_id == "HX7739G8FX" and view.identifier == "node"
    assert view.signer.startswith("Developer ID Application: Node.js Foundation")


def test_arm64_der_blob_decodes_to_the_xml_value():
    view = only_view(need(NODE_ARM64))
    assert view.der_raw is not None
    assert view.der_value == view.xml_value


def test_check_node_reports_the_error_first_without_line_numbers():
    code, out, _ = run("check", need(NODE_ARM64))
    lines = out.splitlines()
    assert code == 1
    assert lines[0].startswith(f"{NODE_ARM64}: error[signed-get-task-allow] com.apple.security.get-task-allow")
    rules = [line.split("[", 1)[1].split("]", 1)[0] for line in lines if "[" in line]
    assert {"disable-executable-page-protection", "allow-dyld-environment-variables",
            "disable-library-validation", "unsigned-executable-memory"} <= set(rules)
    assert "get-task-allow" not in rules  # said more precisely by signed-get-task-allow
    assert "signed-missing-runtime" not in rules  # Node is signed with the runtime
    assert "[*]" not in out and "fixable" not in out


def test_check_node_json_and_sarif():
    code, out, _ = run("check", "--format", "json", need(NODE_X64))
    items = json.loads(out)
    assert items and all(i["start"] is None and i["inner"] is None for i in items)
    code, out, _ = run("check", "--format", "sarif", NODE_X64)
    results = json.loads(out)["runs"][0]["results"]
    gta = next(r for r in results if r["ruleId"] == "signed-get-task-allow")
    loc = gta["locations"][0]
    assert "region" not in loc["physicalLocation"]
    assert loc["logicalLocations"][-1]["name"] == "com.apple.security.get-task-allow"


def test_fix_is_refused_on_binaries():
    code, out, err = run("check", "--fix", need(NODE_ARM64))
    assert "--fix cannot change entitlements inside signed code" in err
    assert code == 1 and "signed-get-task-allow" in out


def test_show_prints_the_signed_xml_and_json():
    code, out, _ = run("show", need(NODE_ARM64))
    assert code == 0 and out.startswith(f"Executable={NODE_ARM64} (arm64)\n")
    value = plistlib.loads(out.split("\n", 1)[1].encode())
    assert set(value) == NODE_KEYS
    code, out, _ = run("show", "--format", "json", NODE_ARM64)
    (record,) = json.loads(out)
    assert record["arch"] == "arm64" and record["der"] is True and set(record["entitlements"]) == NODE_KEYS


def test_check_reads_the_signature_not_the_whole_binary():
    need(NODE_ARM64)
    tracemalloc.start()
    try:
        view = only_view(NODE_ARM64)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert view.signed
    assert peak < 8 * 1024 * 1024  # the signature is 660 KB; the binary 82 MB


# -- universal binaries --------------------------------------------------------

@pytest.mark.parametrize("wide", [False, True])
def test_fat_binary_of_real_slices(tmp_path, wide):
    need(NODE_ARM64), need(NODE_X64)
    dst = tmp_path / "node-universal"
    offsets = write_fat(dst, [NODE_ARM64, NODE_X64], wide=wide)
    with open(dst, "rb") as fh:
        m = read_macho(fh)
    assert m.fat and [s.arch for s in m.slices] == ["arm64", "x86_64"]
    assert [s.offset for s in m.slices] == offsets
    for s, src in zip(m.slices, (NODE_ARM64, NODE_X64)):
        assert (s.signature_offset, s.signature_size) == lief_signature(src)[:2]
    if not wide:  # lief does not read 64-bit fat headers
        import lief

        fat = lief.MachO.parse(str(dst))
        assert [fat.at(i).code_signature.data_offset for i in range(fat.size)] == [s.signature_offset for s in m.slices]
    # Same entitlements in both (x86_64 has no DER copy, which grants nothing more): one view.
    (view,) = views(read_target(str(dst)).codes[0])
    assert view.arches == ["arm64", "x86_64"] and not view.others
    code, out, _ = run("show", dst)
    assert "(arm64)" in out and "(x86_64)" in out


def test_slices_that_differ_are_reported(tmp_path):
    need(NODE_ARM64), need(NODE_X64)
    other = replace_in_signature(NODE_X64, b"allow-jit</key>", b"allow-jiT</key>")
    dst = write_fat(tmp_path / "mixed", [compact_slice(NODE_ARM64), other]) and tmp_path / "mixed"
    code, out, _ = run("check", dst)
    assert f"{dst}[arm64]: warning[signed-slices-differ] Slices differ in entitlements: arm64 vs x86_64" in out
    assert f"{dst}[x86_64]: " in out  # each slice group is checked on its own
    # no lines in a binary: the finding names its key
    assert f"{dst}[x86_64]: warning[unknown-key] com.apple.security.cs.allow-jiT: unknown entitlement" in out


# -- damaged and hostile binaries ------------------------------------------------

def _findings(path):
    code, out, err = run("check", "--format", "json", path)
    assert "Traceback" not in err
    return code, json.loads(out)


def test_truncated_signature(tmp_path):
    data = compact_slice(need(NODE_ARM64))
    path = write(tmp_path / "cut", data[: len(data) - 1000])
    code, items = _findings(path)
    assert code == 1
    (item,) = [i for i in items if i["rule"] == "signed-unreadable"]
    assert "past the end" in item["message"]


def test_lying_lengths(tmp_path):
    data = bytearray(compact_slice(need(NODE_ARM64)))
    sig_at = data.find(b"\xfa\xde\x0c\xc0")
    struct.pack_into(">I", data, sig_at + 4, 0x7FFFFFF0)  # SuperBlob length
    _, items = _findings(write(tmp_path / "superblob", bytes(data)))
    assert any("SuperBlob claims" in i["message"] for i in items)
    data = bytearray(compact_slice(NODE_ARM64))
    cd_at = data.find(b"\xfa\xde\x0c\x02")
    struct.pack_into(">I", data, cd_at + 4, 0x10000000)  # CodeDirectory length
    _, items = _findings(write(tmp_path / "cd", bytes(data)))
    assert any("claims 268435456 bytes" in i["message"] for i in items)


def test_hostile_headers_use_bounded_memory(tmp_path):
    cases = {
        "fat-count": struct.pack(">II", 0xCAFEBABE, 40) + b"\0" * 100,
        "fat-slice": struct.pack(">IIiiIII", 0xCAFEBABE, 1, 0x0100000C, 0, 4096, 0xFFFFFF00, 14),
        "fat64-slice": struct.pack(">IIiiQQII", 0xCAFEBABF, 1, 0x0100000C, 0, 64, 1 << 62, 14, 0),
        "cmds": struct.pack("<IIIIIIII", 0xFEEDFACF, 0x0100000C, 0, 2, 5, 0xFFFFFFF0, 0, 0),
        "cmdsize": struct.pack("<IIIIIIII", 0xFEEDFACF, 0x0100000C, 0, 2, 1, 16, 0, 0) + struct.pack("<II", 0x1D, 0),
        "sig": struct.pack("<IIIIIIII", 0xFEEDFACF, 0x0100000C, 0, 2, 1, 16, 0, 0)
        + struct.pack("<IIII", 0x1D, 16, 48, 0x3FFFFFFF),
    }
    tracemalloc.start()
    try:
        for name, data in cases.items():
            with io.BytesIO(data) as fh:
                m = read_macho(fh)
            problems = m.problems + [p for s in m.slices for p in s.problems]
            assert problems, name
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * 1024 * 1024
    for name, data in cases.items():
        code, items = _findings(write(tmp_path / name, data))
        assert code == 1 and items[0]["rule"] == "signed-unreadable", name


def test_der_and_xml_disagree(tmp_path):
    data = replace_in_signature(need(NODE_ARM64), b"\x0c\x1fcom.apple.security.cs.allow-jit",
                                b"\x0c\x1fcom.apple.security.cs.allow-jiX")
    code, items = _findings(write(tmp_path / "node", data))
    messages = [i["message"] for i in items if i["rule"] == "signed-der-mismatch"]
    assert "com.apple.security.cs.allow-jiX: XML has nothing, DER has true" in messages
    assert "com.apple.security.cs.allow-jit: XML has true, DER has nothing" in messages


def test_missing_hardened_runtime(tmp_path):
    path = write(tmp_path / "node", without_runtime(need(NODE_ARM64)))
    code, items = _findings(path)
    (item,) = [i for i in items if i["rule"] == "signed-missing-runtime"]
    assert "does nothing without the Hardened Runtime" in item["message"] and item["severity"] == "warning"


def test_unsigned_and_adhoc_are_information(tmp_path):
    code, items = _findings(write(tmp_path / "tool", unsigned_macho()))
    assert [(i["rule"], i["severity"]) for i in items] == [("signed-unsigned", "information")]
    assert code == 0
    _, items = _findings(write(tmp_path / "adhoc", adhoc_slice(need(NODE_ARM64))))
    rules = [i["rule"] for i in items]
    assert "signed-adhoc" in rules
    assert "signed-get-task-allow" not in rules  # no identity: not a distribution build


# -- bundles and archives --------------------------------------------------------

def _info(bundle_id, executable):
    return plistlib.dumps({"CFBundleIdentifier": bundle_id, "CFBundleExecutable": executable})


def make_mac_app(root: Path) -> Path:
    app = root / "MyApp.app"
    node = compact_slice(need(NODE_ARM64))
    write(app / "Contents/Info.plist", _info("org.example.app", "MyApp"))
    write(app / "Contents/MacOS/MyApp", node)
    write(app / "Contents/MacOS/cli-tool", unsigned_macho())
    write(app / "Contents/MacOS/README.txt", b"not code")
    write(app / "Contents/Helpers/helper", adhoc_slice(NODE_ARM64))
    helper = app / "Contents/Frameworks/Helper.app"
    write(helper / "Contents/Info.plist", _info("org.example.helper", "Helper"))
    write(helper / "Contents/MacOS/Helper", node)
    deeper = helper / "Contents/Library/LoginItems/Login.app"
    write(deeper / "Contents/MacOS/Login", without_runtime(NODE_ARM64))
    fw = app / "Contents/Frameworks/Kit.framework"
    write(fw / "Versions/A/Kit", unsigned_macho())
    os.symlink("A", fw / "Versions/Current")
    os.symlink("Versions/Current/Kit", fw / "Kit")
    for rel in ("Contents/PlugIns/Share.appex/Contents/MacOS/Share", "Contents/XPCServices/Svc.xpc/Contents/MacOS/Svc",
                "Contents/Library/SystemExtensions/Net.systemextension/Contents/MacOS/Net",
                "Contents/Library/SystemExtensions/Drv.dext/Drv"):
        write(app / rel, unsigned_macho())
    write(app / "Contents/Resources/en.lproj/Main.strings", b"x")
    return app


EXPECTED_INNER = {
    "Contents/MacOS/MyApp", "Contents/MacOS/cli-tool", "Contents/Helpers/helper",
    "Contents/Frameworks/Helper.app/Contents/MacOS/Helper",
    "Contents/Frameworks/Helper.app/Contents/Library/LoginItems/Login.app/Contents/MacOS/Login",
    "Contents/Frameworks/Kit.framework/Versions/A/Kit", "Contents/PlugIns/Share.appex/Contents/MacOS/Share",
    "Contents/XPCServices/Svc.xpc/Contents/MacOS/Svc",
    "Contents/Library/SystemExtensions/Net.systemextension/Contents/MacOS/Net",
    "Contents/Library/SystemExtensions/Drv.dext/Drv",
}


def test_bundle_tree_with_nested_helpers(tmp_path):
    app = make_mac_app(tmp_path)
    target = read_target(str(app))
    assert not target.problems
    assert sorted(c.inner for c in target.codes) == sorted(EXPECTED_INNER)
    main_code = next(c for c in target.codes if c.inner == "Contents/MacOS/MyApp")
    assert main_code.bundle_id == "org.example.app"
    code, out, _ = run("check", app)
    assert f"{app}[Contents/MacOS/MyApp]: error[signed-get-task-allow]" in out
    assert f"{app}[Contents/MacOS/cli-tool]: information[signed-unsigned]" in out
    assert f"{app}[Contents/Helpers/helper]: information[signed-adhoc]" in out
    login = "Contents/Frameworks/Helper.app/Contents/Library/LoginItems/Login.app/Contents/MacOS/Login"
    assert f"{app}[{login}]: warning[signed-missing-runtime]" in out


def test_xcarchive(tmp_path):
    archive = tmp_path / "MyApp.xcarchive"
    make_mac_app(archive / "Products/Applications")
    write(archive / "dSYMs/MyApp.app.dSYM/Contents/Resources/DWARF/MyApp", unsigned_macho())
    write(archive / "Info.plist", plistlib.dumps({"Name": "MyApp"}))
    target = read_target(str(archive))
    prefix = "Products/Applications/MyApp.app/"
    assert sorted(c.inner for c in target.codes) == sorted(prefix + i for i in EXPECTED_INNER)


def _zip(path: Path, members, compression=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_ipa_read_in_place(tmp_path):
    node = compact_slice(need(NODE_ARM64))
    ipa = _zip(tmp_path / "App.ipa", {
        "Payload/App.app/Info.plist": _info("org.example.app", "App"),
        "Payload/App.app/App": node,
        "Payload/App.app/PlugIns/Widget.appex/Widget": unsigned_macho(),
        "Payload/App.app/Frameworks/Lib.framework/Lib": unsigned_macho(),
    })
    before = set(os.listdir(tmp_path))
    code, out, _ = run("check", ipa)
    assert set(os.listdir(tmp_path)) == before  # nothing extracted
    assert f"{ipa}[Payload/App.app/App]: error[signed-get-task-allow]" in out
    assert f"{ipa}[Payload/App.app/PlugIns/Widget.appex/Widget]: information[signed-unsigned]" in out
    code, out, _ = run("show", "--format", "json", ipa)
    records = json.loads(out)
    assert [r["inner"] for r in records] == ["Payload/App.app/App", "Payload/App.app/Frameworks/Lib.framework/Lib",
                                             "Payload/App.app/PlugIns/Widget.appex/Widget"]


def test_zip_bomb_is_refused(tmp_path):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("Payload/App.app/App", "w") as fh:
            chunk = b"\0" * (1 << 20)
            for _ in range(40):
                fh.write(chunk)
    tracemalloc.start()
    try:
        target = read_target(str(bomb))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert not target.codes and "zip bomb" in target.problems[0]
    assert peak < 4 * 1024 * 1024
    code, items = _findings(bomb)
    assert code == 1 and items[0]["rule"] == "signed-unreadable" and "zip bomb" in items[0]["message"]


def test_path_traversal_is_refused(tmp_path):
    evil = _zip(tmp_path / "evil.ipa", {"Payload/App.app/App": unsigned_macho(), "../../outside": b"x"})
    code, items = _findings(evil)
    assert code == 1 and "outside itself" in items[0]["message"]
    assert not (tmp_path.parent / "outside").exists()


def test_damaged_zip(tmp_path):
    data = _zip(tmp_path / "ok.zip", {"Payload/App.app/App": unsigned_macho() * 50}).read_bytes()
    path = write(tmp_path / "cut.zip", data[:-30])
    code, items = _findings(path)
    assert code == 1 and items[0]["rule"] == "signed-unreadable"


def test_plain_entitlements_still_go_through_discovery(tmp_path):
    write(tmp_path / "App.entitlements", plistlib.dumps({"com.apple.security.get-task-allow": True}))
    write(tmp_path / "tool", unsigned_macho())
    code, out, _ = run("check", tmp_path / "App.entitlements", tmp_path / "tool")
    assert "App.entitlements:" in out and "warning[get-task-allow]" in out
    assert f"{tmp_path / 'tool'}: information[signed-unsigned]" in out


def test_cli_command_in_a_subprocess():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "ent_ls", "check", "-q", str(need(NODE_X64))],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 1 and not proc.stderr
    assert proc.stdout.splitlines()[0].startswith(f"{NODE_X64}: error[signed-get-task-allow]")


def test_sarif_and_github_name_the_binary_inside_the_bundle(tmp_path):
    app = make_mac_app(tmp_path)
    code, out, _ = run("check", "--format", "sarif", app)
    results = json.loads(out)["runs"][0]["results"]
    gta = next(r for r in results if r["ruleId"] == "signed-get-task-allow")
    (loc,) = gta["locations"]
    assert loc["physicalLocation"]["artifactLocation"]["uri"].endswith("MyApp.app")
    module, member = loc["logicalLocations"]
    assert module == {"name": "Contents/MacOS/MyApp", "kind": "module"}
    assert member["fullyQualifiedName"] == "Contents/MacOS/MyApp/com.apple.security.get-task-allow"
    unsigned = next(r for r in results if r["ruleId"] == "signed-unsigned")
    assert [ll["kind"] for ll in unsigned["locations"][0]["logicalLocations"]] == ["module"]  # no key to name
    code, out, _ = run("check", "--format", "github", app)
    assert "::error file=" in out and "::[Contents/MacOS/MyApp] com.apple.security.get-task-allow is true" in out


def test_show_refuses_what_is_not_signed_code(tmp_path):
    ent = write(tmp_path / "App.entitlements", plistlib.dumps({}))
    code, out, err = run("show", ent)
    assert code == 2 and "is not signed code" in err and not out
    code, out, err = run("show", tmp_path / "missing")
    assert code == 2 and "no such file" in err


def test_select_and_ignore_apply_to_signed_rules():
    code, out, _ = run("check", "--select", "signed-get-task-allow", need(NODE_ARM64))
    assert [line.split("[", 1)[1].split("]")[0] for line in out.splitlines() if "[" in line] == \
        ["signed-get-task-allow"]
    code, out, _ = run("check", "--ignore", "signed-get-task-allow", NODE_ARM64)
    assert "signed-get-task-allow" not in out and "warning[get-task-allow]" in out


def test_damaged_embedded_profile_is_reported(tmp_path):
    app = tmp_path / "Tiny.app"
    write(app / "Info.plist", _info("org.example.tiny", "Tiny"))
    write(app / "Tiny", unsigned_macho())
    write(app / "embedded.mobileprovision", b"\x30\x82\x10\x00\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02garbage")
    code, items = _findings(app)
    (item,) = [i for i in items if i["rule"] == "signed-unreadable"]
    assert item["message"].startswith("Provisioning profile: embedded.mobileprovision: ")


def test_random_damage_never_raises(tmp_path):
    import random

    from ent_ls.analysis import analyze
    from ent_ls.document import Document

    rng = random.Random(13)
    base = compact_slice(need(NODE_ARM64))
    sig_at = base.find(b"\xfa\xde\x0c\xc0")
    for i in range(150):
        data = bytearray(base)
        if i % 3 == 0:
            data = data[: rng.randrange(len(data))]
        else:
            for _ in range(rng.randrange(1, 20)):
                where = rng.randrange(sig_at, len(data)) if i % 3 == 1 else rng.randrange(0, 4096)
                data[where] = rng.randrange(256)
        path = write(tmp_path / f"m{i}", bytes(data))
        for code in read_target(str(path)).codes:
            for view in views(code):
                doc = Document(view.text(), str(path), binary=True)
                doc.signed = view
                diags = analyze(doc)
                assert not [d for d in diags if "internal error" in d.message], (i, diags)


def test_bundles_nested_without_end_stop_with_a_message(tmp_path):
    here = tmp_path / "Top.app"
    for i in range(40):
        write(here / "Contents/MacOS" / here.stem, unsigned_macho())
        here = here / "Contents/Library/LoginItems" / f"L{i}.app"
    target = read_target(str(tmp_path / "Top.app"))
    assert len(target.codes) == 33 and "nested over 32 deep" in target.problems[0]
    code, items = _findings(tmp_path / "Top.app")
    assert code == 1 and items[0]["rule"] == "signed-unreadable"


def test_full_size_binary_in_an_archive_in_bounded_memory(tmp_path):
    ipa = tmp_path / "Node.ipa"
    with zipfile.ZipFile(ipa, "w", zipfile.ZIP_STORED) as zf:
        zf.write(need(NODE_ARM64), "Payload/Node.app/Node")
    tracemalloc.start()
    try:
        target = read_target(str(ipa))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    (code,) = target.codes
    (s,) = code.macho.slices
    assert (s.signature_offset, s.signature_size) == lief_signature(NODE_ARM64)[:2]
    assert set(views(code)[0].xml_value) == NODE_KEYS
    assert peak < 8 * 1024 * 1024


def _der(tag: int, content: bytes) -> bytes:
    n = len(content)
    length = bytes([n]) if n < 0x80 else bytes([0x82]) + n.to_bytes(2, "big")
    return bytes([tag]) + length + content


def _entry(key: str, value: bytes) -> bytes:
    return _der(0x30, _der(0x0C, key.encode()) + value)


def test_der_forms_and_hostile_der():
    from ent_ls.signed.der import decode_der

    inner = _der(0xB0, _entry("nested", _der(0x01, b"\x00")))
    body = (_entry("flag", _der(0x01, b"\xff")) + _entry("groups", _der(0x30, _der(0x0C, b"a") + _der(0x0C, b"b")))
            + _entry("count", _der(0x02, b"\x01\x00")) + _entry("dict", inner))
    expected = {"flag": True, "groups": ["a", "b"], "count": 256, "dict": {"nested": False}}
    # The newer wrapping: [APPLICATION 16] { INTEGER 1, [CONTEXT 16] dict }, and a bare SET as in Node's.
    assert decode_der(_der(0x70, _der(0x02, b"\x01") + _der(0xB0, body))) == (expected, None)
    assert decode_der(_der(0x31, body)) == (expected, None)
    deep = _der(0x0C, b"x")
    for _ in range(200):
        deep = _der(0x30, deep)
    value, problem = decode_der(_der(0x31, _entry("k", deep)))
    assert value is None and "nested too deeply" in problem
    value, problem = decode_der(_der(0x31, body)[:-3])
    assert value is None and "cannot be decoded" in problem
    value, problem = decode_der(b"\x31\x84\xff\xff\xff\xff")
    assert value is None and problem


def test_missing_binaries_skip_unless_required(tmp_path, monkeypatch):
    monkeypatch.delenv("ENT_LS_REQUIRE_BINARIES", raising=False)
    with pytest.raises(pytest.skip.Exception, match="fetch-test-binaries"):
        need(tmp_path / "absent")
    monkeypatch.setenv("ENT_LS_REQUIRE_BINARIES", "1")
    with pytest.raises(pytest.fail.Exception, match="fetch-test-binaries"):
        need(tmp_path / "absent")


def test_fetch_script_does_nothing_when_cached():
    need(NODE_ARM64), need(NODE_X64)
    proc = subprocess.run(["bash", str(ROOT / "scripts" / "fetch-test-binaries.sh")], capture_output=True,
                          text=True, timeout=60, env={**os.environ, "ENT_LS_TEST_CACHE": str(NODE_ARM64.parents[2])})
    assert proc.returncode == 0, proc.stderr
    assert "fetching node" not in proc.stdout and not proc.stderr
