"""The linter over every real-world file in ../shared/corpus (skipped when
the folder is absent): no crash, the central warning exactly where it
belongs, and no false alarm on a documented key."""

import plistlib
import re

from ent_ls.analysis import analyze
from ent_ls.catalog import default_catalog
from ent_ls.document import Document
from ent_ls.syntax import decode

UNSIGNED = "com.apple.security.cs.allow-unsigned-executable-memory"
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_UNSIGNED_TRUE = re.compile(r"<key>" + re.escape(UNSIGNED) + r"</key>\s*<true\s*/>")


def unsigned_is_true(data: bytes) -> bool:
    """Independent of ent-ls: plistlib when it can read the file, else a
    pattern over the text without comments."""
    try:
        value = plistlib.loads(data)
        return isinstance(value, dict) and value.get(UNSIGNED) is True
    except Exception:
        text = _COMMENT.sub("", data.decode("utf-8", "replace"))
        return bool(_UNSIGNED_TRUE.search(text))


def lint(path):
    decoded = decode(path.read_bytes())
    doc = Document(decoded.text, str(path), decoded.binary)
    return doc, analyze(doc)


def test_no_crash_and_unsigned_warning_exactly_where_true(corpus_files):
    expected, got = set(), set()
    for path in corpus_files:
        doc, diags = lint(path)
        assert not any("internal error" in d.message for d in diags), (path, diags)
        if unsigned_is_true(path.read_bytes()):
            expected.add(path.name)
        if any(d.rule == "unsigned-executable-memory" for d in diags):
            got.add(path.name)
    assert expected == got
    assert len(expected) == 33  # as counted in the corpus's STATS.md


def test_documented_keys_are_never_unknown(corpus_files, facts):
    documented = {f["key"] for f in facts}
    catalog = default_catalog()
    assert documented <= set(catalog.keys)
    for path in corpus_files:
        doc, diags = lint(path)
        for d in diags:
            if d.rule == "unknown-key":
                key = doc.text[d.start:d.end]
                assert key not in documented, (path.name, key)


def test_every_fix_on_the_corpus_yields_a_parsable_file(corpus_files):
    from ent_ls.analysis.edits import apply_edits
    from ent_ls.syntax import parse_plist

    checked = 0
    for path in corpus_files:
        doc, diags = lint(path)
        before = len(parse_plist(doc.text).problems)
        for d in diags:
            for fix in d.fixes:
                new = apply_edits(doc.text, fix.edits)
                assert len(parse_plist(new).problems) <= before, (path.name, d.rule, fix.title)
                lo = min(e.start for e in fix.edits)
                hi = max(e.end for e in fix.edits)
                # nothing outside the edited span changed
                tail = len(doc.text) - hi
                assert new[:lo] == doc.text[:lo] and new[len(new) - tail:] == doc.text[hi:]
                checked += 1
    assert checked > 100
