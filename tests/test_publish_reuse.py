"""What the server publishes after edits equals what it would publish for
the same text opened afresh (issue 10): kept diagnostics move in place and
their JSON is re-used on untouched lines, so check the two against each
other through the server's own change and publication path."""

import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsprotocol import types

from ent_ls.server.app import EntLsServer

from conftest import plist

KEYS = ["com.apple.security.app-sandbox", "com.apple.security.cs.allow-jitt", "com.example.custom",
        "com.apple.security.cs.allow-unsigned-executable-memory", "aps-environment", "com.apple.private.x"]
VALUES = ["<true/>", "<false/>", "<string>développement</string>", "<array>\n\t\t<string>a😀</string>\n\t</array>",
          "<integer>1</integer>"]
entries = st.lists(st.tuples(st.sampled_from(KEYS), st.sampled_from(VALUES)), max_size=8)
TYPED = [" ", "\t", "x", "é", "😀", "", "\n", "\r\n", "\n\t", "<", "-"]
# where: a fraction of the text, or (blank=True) of its blank characters,
# where typing moves findings on the same line without touching them
steps = st.lists(st.lists(st.tuples(st.floats(0, 1), st.integers(0, 3), st.sampled_from(TYPED), st.booleans()),
                          min_size=1, max_size=3), min_size=1, max_size=6)
URI = "file:///work/App.entitlements"


def position(text, offset, encoding):
    """LSP's position: lines end at \n, \r\n or a lone \r."""
    starts = [0] + [m.end() for m in re.finditer(r"\r\n?|\n", text)]
    line = max(i for i, s in enumerate(starts) if s <= offset)
    part = text[starts[line]:offset]
    size = {"utf-8": len(part.encode()), "utf-16": len(part.encode("utf-16-le")) // 2}.get(encoding, len(part))
    return types.Position(line=line, character=size)


def published(server, uri):
    return [json.loads(item) for item in server.diagnostic_json(server.documents[uri])]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries, steps, st.sampled_from(["utf-8", "utf-16", "utf-32"]))
def test_published_after_edits_equals_published_afresh(items, changes, encoding):
    text = plist("".join(f"\t<key>{k}</key>{' ' if i % 2 else chr(10) + chr(9)}{v}\n" for i, (k, v) in enumerate(items)))
    server = EntLsServer()
    server.__class__ = type("Fixed", (EntLsServer,), {"encoding": encoding})
    server.open_document(types.TextDocumentItem(uri=URI, language_id="entitlements", version=1, text=text))
    published(server, URI)
    for version, burst in enumerate(changes, start=2):
        content = []
        for where, length, new, blank in burst:  # each change is made to the text the previous ones left
            spots = [i for i, c in enumerate(text) if c == "\t"] if blank else []  # indentation
            start = spots[int(where * (len(spots) - 1))] if spots else int(where * len(text))
            end = min(len(text), start + (length if not blank else length % 2))
            start, end = (o + (text[o - 1:o + 1] == "\r\n") for o in (start, end))  # LSP has no place inside \r\n
            content.append(types.TextDocumentContentChangePartial(
                range=types.Range(position(text, start, encoding), position(text, end, encoding)), text=new))
            text = text[:start] + new + text[end:]
        server.change_document(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=URI, version=version), content_changes=content))
        got = published(server, URI)
        assert server.documents[URI].text == text
        fresh = EntLsServer()
        fresh.__class__ = server.__class__
        fresh.open_document(types.TextDocumentItem(uri=URI, language_id="entitlements", version=1, text=text))
        assert got == published(fresh, URI) == through_lsprotocol(fresh, URI)


def through_lsprotocol(server, uri):
    """The same diagnostics made the slow way, by lsprotocol and cattrs
    (without `data`, which publication leaves out)."""
    od = server.documents[uri]
    conv, unstructure = server.positions(od), server.protocol._converter.unstructure
    made = [unstructure(server.to_lsp_diagnostic(od, conv, d)) for d in od.diagnostics(server)]
    for d in made:
        del d["data"]
    return made


def test_a_kept_finding_after_typing_on_its_line_moves_in_the_editor():
    """Indenting the line of a duplicate key: duplicate-key is not run
    again, its finding is moved, and the editor is told the new column."""
    text = plist("\t<key>com.example.custom</key> <true/>\n\t<key>com.example.custom</key>\n\t<true/>\n")
    server = EntLsServer()
    server.open_document(types.TextDocumentItem(uri=URI, language_id="entitlements", version=1, text=text))
    od = server.documents[URI]
    before = {d["code"]: d["range"]["start"] for d in published(server, URI)[1:]}
    kept = [d for d in od.diagnostics(server) if d.rule == "duplicate-key"]
    line = text[:text.rindex("\t<key>")].count("\n")
    at = types.Position(line=line, character=0)
    server.change_document(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=URI, version=2),
        content_changes=[types.TextDocumentContentChangePartial(range=types.Range(start=at, end=at), text=" ")]))
    after = {d["code"]: d["range"]["start"] for d in published(server, URI)[1:]}
    assert [d for d in od.diagnostics(server) if d.rule == "duplicate-key"] == kept  # the same object, moved
    assert after["duplicate-key"] == {"line": line, "character": before["duplicate-key"]["character"] + 1}


def test_changes_in_any_order_are_all_seen():
    """One didChange that edits a later line first and then the line of a
    kept finding: that finding is still sent at its new column."""
    text = plist("\t<key>com.example.custom</key> <true/>\n\t<key>com.example.custom</key>\n\t<true/>\n")
    server = EntLsServer()
    server.open_document(types.TextDocumentItem(uri=URI, language_id="entitlements", version=1, text=text))
    before = {d["code"]: d["range"]["start"] for d in published(server, URI)}
    line = text[:text.rindex("\t<key>")].count("\n")
    later = types.Position(line=line + 1, character=0)
    here = types.Position(line=line, character=0)
    server.change_document(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=URI, version=2),
        content_changes=[types.TextDocumentContentChangePartial(range=types.Range(start=p, end=p), text=" ")
                         for p in (later, here)]))
    after = {d["code"]: d["range"]["start"] for d in published(server, URI)}
    assert after["duplicate-key"] == {"line": line, "character": before["duplicate-key"]["character"] + 1}
