"""A line index updated for an edit equals one built afresh (issue 10)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from ent_ls.syntax.source import LineIndex

pieces = st.sampled_from(["a", "\n", "\r", "\r\n", "é", "😀", " ", "<key>"])
texts = st.lists(pieces, max_size=30).map("".join)
edits = st.lists(st.tuples(st.floats(0, 1), st.integers(0, 4), st.lists(pieces, max_size=4).map("".join)),
                 min_size=1, max_size=8)


@settings(max_examples=500, deadline=None)
@given(texts, edits)
def test_edited_index_equals_a_fresh_one(text, steps):
    lines = LineIndex(text)
    for where, length, new in steps:
        start = int(where * len(text))
        end = min(len(text), start + length)
        text = text[:start] + new + text[end:]
        lines = lines.edited(start, end, new, text)
        fresh = LineIndex(text)
        assert lines.starts == fresh.starts
        assert lines.text == text
        for encoding in ("utf-8", "utf-16", "utf-32"):
            assert [lines.units(o, encoding) for o in range(len(text) + 1)] == \
                [fresh.units(o, encoding) for o in range(len(text) + 1)]
