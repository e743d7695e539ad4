"""Hardening (issue 7): fuzzed input never breaks the parser, incremental
edits through the real server end where a fresh open ends, hostile files get
a clear answer in bounded time and memory, every fix on the corpus does what
it says, and a burst of edits and requests leaves the server responsive and
right.

Nothing here measures speed: the only clocks are generous hang bounds
(subprocess timeouts, asyncio.wait_for). bench/run.py measures speed.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import os
import plistlib
import random
import re
import resource
import subprocess
import sys
from typing import Dict, List, Optional, Tuple

import pytest
import pytest_lsp
from conftest import ROOT, plist
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsp_support import SERVER, UNSIGNED, accept_registrations
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from ent_ls.analysis import analyze
from ent_ls.analysis.edits import apply_edits
from ent_ls.analysis.fixes import SYNTAX_RULES, fix_document
from ent_ls.analysis.suppress import suppression_fixes
from ent_ls.document import Document
from ent_ls.syntax import decode, parse_plist
from ent_ls.syntax.xml import Element

SANDBOX = "com.apple.security.app-sandbox"
JIT = "com.apple.security.cs.allow-jit"

# Valid files the random edits start from: comments, astral characters,
# arrays, CRLF line ends.
BASES = [
    plist(f"\t<key>{SANDBOX}</key>\n\t<true/>\n\t<key>{UNSIGNED}</key>\n\t<true/>\n"),
    plist("\t<!-- caf\u00e9 \U0001F600 -->\n"
          f"\t<key>{SANDBOX}</key>\n\t<true/>\n"
          "\t<key>keychain-access-groups</key>\n\t<array>\n\t\t<string>$(AppIdentifierPrefix)com.example</string>\n"
          "\t</array>\n\t<key>aps-environment</key>\n\t<string>production</string>\n"),
    plist(f"\t<key>{JIT}</key>\n\t<true/>\n\t<key>com.apple.security.network.server</key>\n\t<false/>\n"
          "\t<key>com.apple.developer.icloud-services</key>\n\t<array>\n\t\t<string>CloudKit</string>\n\t</array>\n"
          ).replace("\n", "\r\n"),
]
# Fragments that break XML in interesting ways.
FRAGMENTS = [
    "<", ">", "/", "</key>", "<key>", "<dict>", "</dict>", "<array>", "</array>", "<string>", "</string>",
    "<true/>", "<false/>", "<integer>", "<plist>", "</plist>", "<!--", "-->", "--", "<![CDATA[", "]]>",
    "<?xml version=\"1.0\"?>", "?>", "<!DOCTYPE plist [", "]>", "<!ENTITY x \"y\">", "&", "&amp;", "&x;",
    "&#x1F600;", "&#0;", "&#xD800;", "&#99999999999;", "\U0001F600", "\u00e9", "\u4e2d", "\ufeff", "\r\n",
    "\r", "\n", "\t", " ", "\x00", "\x0b", '"', "'", "=", SANDBOX, UNSIGNED, "com.apple.", "$(TeamIdentifierPrefix)",
]
PARSER_ONLY = ["\udcff", "\ud83d"]  # lone surrogates: from undecodable bytes, never from an editor


# --- the parser ------------------------------------------------------------------


def check_parse(text: str) -> None:
    """The parser and the analysis take text without raising, and the
    tokens are lossless and contiguous."""
    doc = parse_plist(text)
    pos = 0
    for tok in doc.tokens:
        assert tok.start == pos and tok.end > tok.start, (tok, pos)
        pos = tok.end
    assert pos == len(text)
    assert "".join(text[t.start:t.end] for t in doc.tokens) == text
    for p in doc.problems:
        assert 0 <= p.start <= p.end <= len(text), p
    # element spans nest inside their parents and siblings do not overlap
    stack: List[Tuple[Optional[Element], list]] = [(None, doc.xml.nodes)]
    while stack:
        parent, children = stack.pop()
        last_end = parent.content_start if parent is not None else 0
        for child in children:
            assert child.start >= last_end, (parent, child)
            last_end = child.end
            if isinstance(child, Element):
                assert child.parent is parent
                assert child.start_tag.start == child.start <= child.end <= len(text)
                stack.append((child, child.children))
        if parent is not None:
            assert last_end <= parent.end
    document = Document(text, "/work/App.entitlements")
    ents = document.entitlements
    for off in range(0, len(text) + 1, max(1, len(text) // 200)):  # the binary search agrees with a scan
        assert document.entitlement_at(off) is next(
            (e for e in ents if e.item.start <= off <= e.item.end), None), off
    diags = analyze(document)
    for d in diags:
        assert "internal error" not in d.message, d
        assert 0 <= d.start <= d.end <= len(text), d
        for fix in d.fixes:
            apply_edits(text, fix.edits)  # in bounds, no overlap (raises otherwise)


def apply_random_edits(text: str, edits) -> str:
    for a, b, new in edits:
        start = int(a * len(text))
        end = min(len(text), start + int(b * 24))
        text = text[:start] + new + text[end:]
    return text


fragment = st.one_of(
    st.sampled_from(FRAGMENTS + PARSER_ONLY),
    st.lists(st.sampled_from(FRAGMENTS), min_size=2, max_size=4).map("".join),
    st.text(max_size=6),
)
edit = st.tuples(st.floats(0, 1), st.floats(0, 1), st.one_of(st.just(""), fragment))
PARSER_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PARSER_SETTINGS
@given(st.binary(max_size=3000))
def test_random_bytes_never_break_the_parser(data):
    decoded = decode(data)
    if not decoded.binary and not any("odd number of bytes" in p.message for p in decoded.problems):
        assert decoded.encode(decoded.text) == data  # decoding is lossless
    check_parse(decoded.text)


@PARSER_SETTINGS
@given(st.lists(st.sampled_from([f.encode("utf-8", "surrogatepass") for f in FRAGMENTS + PARSER_ONLY])
                | st.binary(max_size=8), max_size=60).map(b"".join))
def test_random_markup_bytes_never_break_the_parser(data):
    check_parse(decode(data).text)
    check_parse(decode(b"\xef\xbb\xbf" + data).text)


@PARSER_SETTINGS
@given(st.sampled_from(BASES), st.lists(edit, min_size=1, max_size=12))
def test_random_edits_of_valid_files_never_break_the_parser(base, edits):
    check_parse(apply_random_edits(base, edits))


# --- LSP positions, as a client computes them ---------------------------------------

_BREAK = re.compile(r"\r\n?|\n")


def line_starts(text: str) -> List[int]:
    return [0] + [m.end() for m in _BREAK.finditer(text)]


def lsp_position(text: str, offset: int, starts: Optional[List[int]] = None) -> types.Position:
    """UTF-16 position of offset, with LSP's line breaks (\\n, \\r\\n, \\r)."""
    starts = starts or line_starts(text)
    line = bisect.bisect_right(starts, offset) - 1
    col = len(text[starts[line]:offset].encode("utf-16-le")) // 2
    return types.Position(line=line, character=col)


def safe_offset(text: str, offset: int) -> int:
    """Not between the \\r and \\n of one line break (no position names it)."""
    if 0 < offset < len(text) and text[offset - 1] == "\r" and text[offset] == "\n":
        return offset - 1
    return offset


def random_change(rng: random.Random, text: str) -> Tuple[str, types.TextDocumentContentChangePartial]:
    """A random ranged edit of text: the new text and the LSP change."""
    start = safe_offset(text, rng.randint(0, len(text)))
    op = rng.random()
    end = start if op < 0.4 else safe_offset(text, min(len(text), start + rng.randint(1, 16)))
    new = "" if 0.4 <= op < 0.6 else rng.choice(FRAGMENTS) if rng.random() < 0.8 else \
        "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(2, 4)))
    starts = line_starts(text)
    change = types.TextDocumentContentChangePartial(
        range=types.Range(start=lsp_position(text, start, starts), end=lsp_position(text, end, starts)), text=new)
    return text[:start] + new + text[end:], change


# --- the server -------------------------------------------------------------------------


class Published:
    """Every publishDiagnostics, with its version (pytest-lsp keeps only the last list)."""

    def __init__(self) -> None:
        self.seen: Dict[Tuple[str, Optional[int]], List[types.Diagnostic]] = {}
        self.changed = asyncio.Event()

    def __call__(self, params: types.PublishDiagnosticsParams) -> None:
        self.seen[(params.uri, params.version)] = list(params.diagnostics)
        self.changed.set()

    async def wait(self, uri: str, version: int, timeout: float = 60) -> List[types.Diagnostic]:
        async def until() -> List[types.Diagnostic]:
            while (uri, version) not in self.seen:
                self.changed.clear()
                await self.changed.wait()
            return self.seen[(uri, version)]
        return await asyncio.wait_for(until(), timeout)


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient):
    caps = client_capabilities("visual-studio-code")
    caps.text_document.diagnostic = None  # so the server pushes diagnostics
    lsp_client.published = Published()
    lsp_client.protocol.fm.features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = lsp_client.published
    accept_registrations(lsp_client)
    result = await lsp_client.initialize_session(types.InitializeParams(capabilities=caps))
    assert (result.capabilities.position_encoding or "utf-16") == "utf-16"
    yield
    await lsp_client.shutdown_session()


def key(d: types.Diagnostic):
    r = d.range
    return (str(d.code), r.start.line, r.start.character, r.end.line, r.end.character, d.message)


async def open_doc(client, uri: str, text: str, version: int = 1) -> List[types.Diagnostic]:
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="entitlements", version=version, text=text)))
    return await client.published.wait(uri, version)


def server_errors(client) -> List[str]:
    return [m.message for m in client.log_messages
            if m.type == types.MessageType.Error and "MethodNotFound" not in m.message]


async def assert_same_as_fresh_open(client, uri: str, version: int, text: str) -> None:
    edited = await client.published.wait(uri, version)
    fresh_uri = uri.replace("/a/", "/b/")
    fresh = await open_doc(client, fresh_uri, text)
    assert sorted(map(key, edited)) == sorted(map(key, fresh))
    assert not server_errors(client)


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_incremental_edits_end_where_a_fresh_open_ends(client: LanguageClient, seed):
    rng = random.Random(seed)
    text = BASES[seed % len(BASES)]
    uri = "file:///work/a/Edit.entitlements"
    await open_doc(client, uri, text)
    version = 1
    for _ in range(20):  # 20 notifications, 1-3 ranged changes each: about 40 edits
        changes = []
        for _ in range(rng.randint(1, 3)):
            text, change = random_change(rng, text)
            changes.append(change)
        version += 1
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version), content_changes=changes))
        if rng.random() < 0.3:  # sometimes wait, so some versions are analysed in between
            await client.published.wait(uri, version)
    await assert_same_as_fresh_open(client, uri, version, text)


async def test_burst_of_edits_and_requests_stays_responsive_and_right(client: LanguageClient):
    rng = random.Random(7)
    text = BASES[1]
    uri = "file:///work/a/Burst.entitlements"
    ident = types.TextDocumentIdentifier(uri=uri)
    await open_doc(client, uri, text)
    version = 1
    pending = []
    for i in range(1000):
        text, change = random_change(rng, text)
        version += 1
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version), content_changes=[change]))
        if i % 2:
            at = lsp_position(text, safe_offset(text, rng.randint(0, len(text))))
            if i % 4 == 1:
                pending.append(client.text_document_hover_async(types.HoverParams(text_document=ident, position=at)))
            else:
                pending.append(client.text_document_completion_async(
                    types.CompletionParams(text_document=ident, position=at)))
    last = await asyncio.wait_for(client.text_document_hover_async(
        types.HoverParams(text_document=ident, position=types.Position(line=0, character=0))), 30)
    assert last is None or last.contents
    answers = await asyncio.wait_for(asyncio.gather(*pending, return_exceptions=True), 60)
    failures = [a for a in answers if isinstance(a, BaseException) and "MethodNotFound" not in repr(a)
                and "Method Not Found" not in str(a)]
    assert not failures, failures[:3]
    await assert_same_as_fresh_open(client, uri, version, text)


# --- hostile files through `ent-ls check` --------------------------------------------------

HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n<dict>\n'
FOOTER = "</dict>\n</plist>\n"
LIMIT_AS = 2 << 30  # 2 GiB of address space for the checker


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT_AS, LIMIT_AS))


def check_file(path, timeout: float = 60):
    """`ent-ls check --format json PATH` under a 2 GiB address-space limit."""
    proc = subprocess.run(
        [sys.executable, "-m", "ent_ls", "check", "--format", "json", str(path)],
        capture_output=True, timeout=timeout, preexec_fn=_limit_memory,
        env={**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)})
    assert b"Traceback" not in proc.stderr, proc.stderr[-3000:]
    return proc.returncode, json.loads(proc.stdout or b"[]"), proc.stdout + proc.stderr


def laughs() -> bytes:
    decls = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(1, 10)]
    return ('<?xml version="1.0"?>\n<!DOCTYPE plist [\n' + "\n".join(decls) + "\n]>\n"
            f'<plist version="1.0"><dict><key>{SANDBOX}</key><true/>'
            "<key>keychain-access-groups</key><array><string>&lol9;</string></array></dict></plist>\n").encode()


def binary_bomb() -> bytes:
    value = "x"
    for _ in range(40):  # each array holds the next one twice: 2**40 strings written out
        value = [value, value]
    return plistlib.dumps({SANDBOX: True, "keychain-access-groups": value}, fmt=plistlib.FMT_BINARY)


def ten_megabytes() -> bytes:
    parts = [HEADER, f"\t<key>{SANDBOX}</key>\n\t<true/>\n\t<key>com.apple.security.scripting-targets</key>\n\t<dict>\n"]
    size, i = 0, 0
    while size < 10 * 1024 * 1024:
        entry = f"\t\t<key>com.example.app{i}</key>\n\t\t<array><string>com.example.group{i}</string></array>\n"
        parts.append(entry)
        size += len(entry)
        i += 1
    parts.append(f"\t</dict>\n\t<key>{UNSIGNED}</key>\n\t<true/>\n{FOOTER}")
    return "".join(parts).encode()


def rules(found) -> List[str]:
    return [d["rule"] for d in found]


def messages(found) -> str:
    return "\n".join(d["message"] for d in found)


BINARY = plistlib.dumps({SANDBOX: True, "keychain-access-groups": ["a", "b"]}, fmt=plistlib.FMT_BINARY)
NESTING = 200_000
HOSTILE = {
    # name: (bytes, expected exit status, a rule that must be reported, words its message must have)
    "billion-laughs": (laughs(), 1, "xml-syntax", "entity declarations are not supported"),
    "binary-bomb": (binary_bomb(), 1, "xml-syntax", "binary property list cannot be read"),
    "deep-nesting-closed": ((HEADER + "\t<key>com.apple.security.application-groups</key>\n" + "<array>" * NESTING
                             + "</array>" * NESTING + "\n" + FOOTER).encode(), 1, "value-type", "must be a <string>"),
    "deep-nesting-open": ((HEADER + "\t<key>com.apple.security.application-groups</key>\n" + "<array>" * NESTING
                           ).encode(), 1, "xml-syntax", "expected </array> before the end of the file"),
    "ten-megabytes": (ten_megabytes(), 1, "unsigned-executable-memory", "MAP_JIT"),
    "invalid-utf8": ((HEADER + f"\t<key>{SANDBOX}</key>\n\t<true/>\n\t<key>keychain-access-groups</key>\n"
                      "\t<array><string>").encode() + b"\xff\xc3(group" + ("</string></array>\n" + FOOTER).encode(),
                     1, "xml-syntax", "invalid UTF-8 byte 0xFF"),
    "nul-bytes": ((HEADER + "\t<key>com.apple.security.app-\x00sandbox</key>\n\t<true/>\n" + FOOTER).encode(),
                  1, "xml-syntax", "U+0000 is not allowed"),
    "utf16-no-bom-declaring-utf8": ((HEADER + f"\t<key>{SANDBOX}</key>\n\t<true/>\n" + FOOTER).encode("utf-16-le"),
                                    1, "xml-syntax", "UTF-16 without a byte-order mark"),
    "utf16-be-no-bom-clean": ((HEADER.replace("UTF-8", "UTF-16") + f"\t<key>{SANDBOX}</key>\n\t<true/>\n" + FOOTER
                               ).encode("utf-16-be"), 0, None, ""),
    "binary-truncated-header": (b"bplist00", 1, "xml-syntax", "binary property list cannot be read"),
    "binary-truncated-half": (BINARY[:len(BINARY) // 2], 1, "xml-syntax", "binary property list cannot be read"),
    "binary-truncated-trailer": (BINARY[:-1], 1, "xml-syntax", "binary property list cannot be read"),
    "binary-huge-count": (BINARY[:-32] + bytes(6) + b"\x08\x08" + (2 ** 62).to_bytes(8, "big") + bytes(16),
                          1, "xml-syntax", "binary property list cannot be read"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_file_gets_a_clear_answer_in_bounded_time_and_memory(tmp_path, name):
    data, status, rule, words = HOSTILE[name]
    path = tmp_path / f"{name}.entitlements"
    path.write_bytes(data)
    code, found, output = check_file(path)
    assert code == status, (code, output[-2000:])
    if rule is None:
        assert found == []
    else:
        assert any(d["rule"] == rule and words in d["message"] for d in found), found[:5]
    assert len(output) < 200_000  # a bounded report, whatever the input (no expansion)
    if name == "billion-laughs":
        assert messages(found).count("lol") < 20
    # the parser, in this process, agrees that it can read the file
    decoded = decode(data)
    if len(decoded.text) < 2_000_000:
        check_parse(decoded.text)


def test_external_entities_are_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-7f3a9c\n")
    targets = [secret.as_uri(), "file:///etc/passwd", "/etc/hostname"]
    passwd_first = ""
    if os.path.exists("/etc/passwd"):
        with open("/etc/passwd", encoding="utf-8", errors="replace") as fh:
            passwd_first = fh.readline().strip()
    for i, target in enumerate(targets):
        path = tmp_path / f"xxe{i}.entitlements"
        path.write_text(
            '<?xml version="1.0"?>\n'
            f'<!DOCTYPE plist [<!ENTITY x SYSTEM "{target}"><!ENTITY % p SYSTEM "{target}"> %p;]>\n'
            f'<plist version="1.0"><dict><key>{SANDBOX}</key><true/>'
            f"<key>keychain-access-groups</key><array><string>&x;</string></array></dict></plist>\n")
        code, found, output = check_file(path)
        assert code == 1
        assert "entity declarations are not supported" in messages(found)
        assert b"TOP-SECRET-7f3a9c" not in output
        if passwd_first:
            assert passwd_first.encode() not in output
        doc = Document(path.read_text())
        assert "TOP-SECRET" not in repr([e.value for e in doc.entitlements if e.value is not None])
        assert all("TOP-SECRET" not in d.message for d in analyze(doc))


# --- every fix on the corpus -------------------------------------------------------------------


def syntax_count(diags) -> int:
    return sum(1 for d in diags if d.rule in SYNTAX_RULES)


def same_rule_and_message(diags, d) -> int:
    return sum(1 for x in diags if x.rule == d.rule and x.message == d.message)


def test_every_fix_on_the_corpus_keeps_the_file_readable_and_removes_its_diagnostic(corpus_files):
    """Extends test_corpus's check: rule fixes and the suppression fixes the
    server offers, each applied alone; the file is re-analysed."""
    checked = gone_checked = 0
    for path in corpus_files:
        decoded = decode(path.read_bytes())
        if decoded.binary:
            continue
        text = decoded.text
        doc = Document(text, str(path))
        diags = analyze(doc)
        before = syntax_count(diags)
        for d in diags:
            fixes = [(f, f.preferred) for f in d.fixes]
            if d.rule not in SYNTAX_RULES:
                fixes += [(f, True) for f in suppression_fixes(doc, d)]
            for fix, must_remove in fixes:
                edits = sorted(fix.edits, key=lambda e: (e.start, e.end))
                new = apply_edits(text, edits)
                # exactly the edited spans changed: walk the edits in order
                pos = shift = 0
                for e in edits:
                    assert 0 <= e.start <= e.end <= len(text)
                    assert new[pos + shift:e.start + shift] == text[pos:e.start]
                    assert new[e.start + shift:e.start + shift + len(e.new_text)] == e.new_text
                    shift += len(e.new_text) - (e.end - e.start)
                    pos = e.end
                assert new[pos + shift:] == text[pos:]
                new_diags = analyze(Document(new, str(path)))
                assert syntax_count(new_diags) <= before, (path.name, d.rule, fix.title)
                assert not any("internal error" in x.message for x in new_diags)
                if must_remove:
                    assert same_rule_and_message(new_diags, d) < same_rule_and_message(diags, d), \
                        (path.name, d.rule, d.message, fix.title)
                    gone_checked += 1
                checked += 1
    assert checked > 200 and gone_checked > 100


def test_fix_all_on_the_corpus_keeps_files_readable_and_settles(corpus_files):
    for path in corpus_files:
        decoded = decode(path.read_bytes())
        if decoded.binary:
            continue
        doc = Document(decoded.text, str(path))
        before = syntax_count(analyze(doc))
        for unsafe in (False, True):
            fixed, applied, remaining = fix_document(doc, unsafe=unsafe)
            assert syntax_count(remaining) <= before, path.name
            assert [(d.rule, d.start, d.message) for d in remaining] == \
                [(d.rule, d.start, d.message) for d in analyze(fixed)]
            again, more, _ = fix_document(fixed, unsafe=unsafe)
            assert more == 0 and again.text == fixed.text, path.name  # nothing left that it would fix
            parse_plist(fixed.text)  # and it still parses


# --- any bytes, every output format; such text in the server (scale issue, item 7) -----------------

def _sample_bytes() -> Dict[str, bytes]:
    rng = random.Random(14)
    noise = bytes(rng.getrandbits(8) for _ in range(3000))
    good = plist(f"\t<key>{SANDBOX}</key>\n\t<true/>\n\t<key>{UNSIGNED}</key>\n\t<true/>\n").encode()
    return {
        "mach-o": b"\xcf\xfa\xed\xfe\x0c\x00\x00\x01" + noise,
        "fat-mach-o": b"\xca\xfe\xba\xbe\x00\x00\x00\x02" + noise,
        "zip": b"PK\x03\x04" + noise,
        "png": b"\x89PNG\r\n\x1a\n" + noise,
        "noise": noise,
        "bad-utf8-in-key": good.replace(b"app-sandbox", b"app-sand\xcfbox"),
        "bad-utf8-in-value": good.replace(b"<true/>", b"<string>\xcf\xff\xed\xa0\x80</string>", 1),
        "bad-utf8-in-comment": good.replace(b"<dict>", b"<dict><!-- \xcf\xcf\xcf -->"),
        "latin1-undeclared": good.replace(b"<dict>", b"<dict><!-- caf\xe9 -->").replace(b"app-sandbox", b"app-\xe9"),
    }


SAMPLES = _sample_bytes()
FORMATS = ("text", "json", "sarif", "github")


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_any_bytes_in_every_output_format(tmp_path, name):
    from sarif_check import validate_sarif

    path = tmp_path / f"{name}.entitlements"
    path.write_bytes(SAMPLES[name])
    outputs = {}
    for fmt in FORMATS:
        proc = subprocess.run([sys.executable, "-m", "ent_ls", "check", "--format", fmt, str(path)],
                              capture_output=True, timeout=60,
                              env={**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)})
        assert proc.returncode == 1, (fmt, proc.stderr[-2000:])
        assert b"Traceback" not in proc.stderr and b"Error" not in proc.stderr, proc.stderr[-2000:]
        outputs[fmt] = proc.stdout.decode("utf-8")  # valid UTF-8, whatever the file held
    found = json.loads(outputs["json"])
    if name in ("mach-o", "fat-mach-o", "zip"):
        # the signed-code reader takes these; garbage after the magic is unreadable code, said per slice
        assert found and {d["rule"] for d in found} == {"signed-unreadable"}
        assert outputs["text"].count("signed-unreadable") == len(found) == outputs["github"].count("\n")
    elif name in ("png", "noise"):
        # one finding that says what the file is, in every format
        assert [d["rule"] for d in found] == ["not-a-plist"]
        assert outputs["text"].count("not-a-plist") == 1 and outputs["github"].count("\n") == 1
    else:
        assert all(d["rule"] != "not-a-plist" for d in found)
        assert any("invalid UTF-8 byte" in d["message"] for d in found)
    log = validate_sarif(outputs["sarif"], tmp_path)
    assert len(log["runs"][0]["results"]) == len(found)


def _inject(base: str, data: bytes, at: float) -> bytes:
    raw = base.encode()
    cut = int(at * len(raw))
    return raw[:cut] + data + raw[cut:]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(min_size=1, max_size=40), st.floats(0, 1), st.sampled_from(BASES))
def test_writers_take_any_decoded_bytes(data, at, base):
    """Bytes dropped anywhere into a valid file: every writer turns the result
    into text that encodes as UTF-8 the way the CLI's stdout does."""
    import io

    from sarif_check import schema_errors

    from ent_ls.analysis import all_rules
    from ent_ls.report import FileResult, write_github, write_json, write_sarif, write_text

    decoded = decode(_inject(base, data, at))
    doc = Document(decoded.text, "App.entitlements", decoded.binary, decoded.problems)
    result = FileResult("App.entitlements", doc.text, analyze(doc), decoded.binary, 0, doc.lines)
    for write in (lambda out: write_text([result], out, False, True), lambda out: write_json([result], out),
                  lambda out: write_sarif([result], all_rules(), out), lambda out: write_github([result], out)):
        out = io.StringIO()
        write(out)
        out.getvalue().encode("utf-8", "backslashreplace")
    sarif = io.StringIO()
    write_sarif([result], all_rules(), sarif)
    errors = schema_errors(json.loads(sarif.getvalue()))
    assert errors in ([], None), errors


SERVER_TEXTS = {
    # what an editor sends for such files: invalid bytes replaced, NULs kept
    **{f"{name}-as-editor-text": SAMPLES[name].decode("utf-8", "replace") for name in ("mach-o", "zip", "noise")},
    "bad-utf8-as-editor-text": SAMPLES["bad-utf8-in-key"].decode("utf-8", "replace"),
    # lone surrogates, as a JSON escape can carry them
    "lone-surrogates": BASES[1].replace("caf\u00e9", "caf\udccf\ud83d"),
}


@pytest.mark.parametrize("name", sorted(SERVER_TEXTS))
async def test_server_code_actions_and_formatting_on_any_text(client: LanguageClient, name):
    text = SERVER_TEXTS[name]
    uri = f"file:///work/a/{name}.entitlements"
    diags = await open_doc(client, uri, text)
    ident = types.TextDocumentIdentifier(uri=uri)
    if name.endswith("-as-editor-text") and not name.startswith("bad-utf8"):
        assert [d.code for d in diags] == ["not-a-plist"]
    end = lsp_position(text, len(text))
    actions = await asyncio.wait_for(client.text_document_code_action_async(types.CodeActionParams(
        text_document=ident, range=types.Range(start=types.Position(line=0, character=0), end=end),
        context=types.CodeActionContext(diagnostics=diags))), 30)
    for action in actions or []:
        if isinstance(action, types.CodeAction) and action.edit is None and action.data is not None:
            await asyncio.wait_for(client.code_action_resolve_async(action), 30)
    edits = await asyncio.wait_for(client.text_document_formatting_async(types.DocumentFormattingParams(
        text_document=ident, options=types.FormattingOptions(tab_size=4, insert_spaces=False))), 30)
    if name.endswith("-as-editor-text") and not name.startswith("bad-utf8"):
        assert not edits  # nothing to lay out in a file that is no property list
    assert not server_errors(client)
