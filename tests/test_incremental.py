"""The incremental re-parse gives exactly what a full parse of the edited
text gives, or refuses and leaves the old parse untouched."""

import plistlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ent_ls.document import Document
from ent_ls.syntax import Element, parse_plist, to_python
from ent_ls.syntax.incremental import apply_edit

words = st.text(st.sampled_from("abc.- \t"), min_size=1, max_size=8)
values = st.recursive(words | st.booleans() | st.integers(0, 99),
                      lambda inner: st.lists(inner, max_size=3) | st.dictionaries(words, inner, max_size=3),
                      max_leaves=12)
documents = st.dictionaries(words, values, min_size=1, max_size=6).map(lambda v: plistlib.dumps(v).decode())
inserts = st.lists(st.sampled_from(["a", " ", "\t", "\n", "\r\n", "\r", "\U0001F600", "é", "&", "<", "x>", "]]"]),
                   max_size=4).map("".join)


def shape(doc):
    tokens = [(t.kind, t.start, t.end) for t in doc.xml.tokens]
    elements = []
    stack = [n for n in reversed(doc.xml.nodes) if isinstance(n, Element)]
    while stack:
        e = stack.pop()
        elements.append((e.name, e.start, e.end, e.empty, e.end_tag is not None))
        stack.extend(c for c in reversed(e.children) if isinstance(c, Element))
    problems = [(p.start, p.end, p.message, p.kind) for p in doc.problems]
    return tokens, elements, problems, to_python(doc.root)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(documents, st.floats(0, 1), st.integers(0, 3), inserts)
def test_incremental_equals_full_parse(text, where, length, new):
    start = int(where * len(text))
    end = min(len(text), start + length)
    doc = parse_plist(text)
    before = shape(doc)
    updated = apply_edit(doc, start, end, new)
    edited = text[:start] + new + text[end:]
    if updated is None:
        assert shape(doc) == before and doc.text == text  # refused: untouched
    else:
        assert updated.text == edited
        assert shape(updated) == shape(parse_plist(edited))


def test_typing_in_a_key_and_in_white_space_is_incremental():
    text = plistlib.dumps({"com.apple.security.app-sandbox": True, "aps-environment": "development"}).decode()
    doc = Document(text)
    at = text.index("app-sandbox") + 3
    doc2 = doc.edited(at, at, "X")
    assert doc2.plist is doc.plist  # re-used, not parsed again
    assert [e.key for e in doc2.entitlements] == ["aps-environment", "com.apple.security.appX-sandbox"]
    at = doc2.text.index("<key>aps")
    doc3 = doc2.edited(at - 1, at - 1, "  ")
    assert doc3.plist is doc.plist
    assert to_python(doc3.plist.root) == plistlib.loads(doc3.text.encode())
    doc4 = doc3.edited(at, at, "<")  # markup: parsed again
    assert doc4.plist is not doc.plist
