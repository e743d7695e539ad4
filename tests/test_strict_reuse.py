"""The strict reader's problems after a keystroke equal a fresh check of
the new text (issue 10), and blank-space keystrokes do not check again."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ent_ls.document as document
from ent_ls.document import Document
from ent_ls.syntax.strict import check

from conftest import plist

ENTRIES = ["<key>com.apple.security.app-sandbox</key>\n\t<true/>", "<key>a</key> <true></true>",
           "<!-- signed with --options runtime -->", "<key>b</key>\n\t<string>&quot;x&quot;</string>",
           "<key>c</key>\t<integer>0X1F</integer>", "<key>d</key>\n\t<real>1.5</real>",
           "<key>a</key>\n\t<array>\n\t\t<string>g</string>\n\t</array>", "<key >e</key><false/>",
           "<key>f</key>\r\n\t<string> spaced </string>", "<key>g</key><data format=\"hex\">AB</data>"]
texts = st.lists(st.sampled_from(ENTRIES), max_size=7).map(lambda es: plist("".join(f"\t{e}\n" for e in es)))
BLANKS = ["", " ", "\t", "  ", " \t"]
steps = st.lists(st.tuples(st.floats(0, 1), st.integers(0, 3), st.sampled_from(BLANKS + ["x", "\n", "<"])),
                 min_size=1, max_size=6)


def as_data(problems):
    return [(p.start, p.end, p.line, p.message, p.reason, p.code, p.edits) for p in problems]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts, steps)
def test_kept_problems_equal_a_fresh_check(text, edits):
    def in_blanks(doc_text, where, length):  # mostly within the blank runs, where the previous answer is moved
        start = int(where * len(doc_text))
        while start > 0 and doc_text[start - 1] in " \t" and length:
            start -= 1
        return start, min(len(doc_text), start + length)

    edited_then_checked(Document(text), edits, in_blanks)


def edited_then_checked(doc, edits, span) -> None:
    """Apply each edit at span(text, where, length); after each, the kept
    answer must equal a fresh check."""
    assert as_data(doc.strict_problems()) == as_data(check(doc.text))
    for where, length, new in edits:
        start, end = span(doc.text, where, length)
        doc = doc.edited(start, end, new)
        assert as_data(doc.strict_problems()) == as_data(check(doc.text))


def test_a_space_between_entries_is_not_checked_again(monkeypatch):
    body = "".join(f"\t<key>com.example.k{i}</key>\n\t<string>&quot;{i}&quot;</string>\n" for i in range(30))
    doc = Document(plist(body))
    before = doc.strict_problems()
    assert len(before) == 60  # two references in each string
    calls = []
    monkeypatch.setattr(document, "strict_check", lambda text: calls.append(text) or check(text))
    at = doc.text.index("\t<key>com.example.k15<")
    spaced = doc.edited(at, at, " ")
    moved = spaced.strict_problems()
    assert calls == []
    assert as_data(moved) == as_data(check(spaced.text))
    assert moved[29].start == before[29].start and moved[30].start == before[30].start + 1
    typed = spaced.edited(at + 2, at + 2, "x")  # inside a tag: checked again
    typed.strict_problems()
    assert len(calls) == 1


TYPED = ["x", "é", "", "-", " ", "&", "<", "\n", "ab"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts, st.lists(st.tuples(st.floats(0, 1), st.integers(0, 2), st.sampled_from(TYPED)), min_size=1,
                       max_size=6))
def test_typing_in_strings_and_keys_equals_a_fresh_check(text, edits):
    """Edits inside the text of <string> and <key> elements."""
    def in_text(doc_text, where, length):
        spots = [i for i in range(len(doc_text)) if doc_text.startswith(("<string>", "<key>"), i)]
        if not spots:
            return (int(where * len(doc_text)),) * 2
        start = doc_text.index(">", spots[int(where * (len(spots) - 1))]) + 1 + length
        end = min(start + length, doc_text.index("<", start) if "<" in doc_text[start:] else start)
        return min(start, end), end

    edited_then_checked(Document(text), edits, in_text)


def test_a_letter_in_a_string_is_not_checked_again_but_one_in_a_key_is(monkeypatch):
    body = "".join(f"\t<key>com.example.k{i % 7}</key>\n\t<string>v{i}</string>\n" for i in range(30))
    doc = Document(plist(body))
    before = doc.strict_problems()
    assert before  # the repeated keys
    calls = []
    monkeypatch.setattr(document, "strict_check", lambda text: calls.append(text) or check(text))
    at = doc.text.index("<string>v15<") + len("<string>v")
    typed = doc.edited(at, at, "x")
    assert as_data(typed.strict_problems()) == as_data(check(typed.text)) and calls == []
    key_at = typed.text.index("k3</key>")
    in_key = typed.edited(key_at, key_at, "x")
    assert as_data(in_key.strict_problems()) == as_data(check(in_key.text)) and len(calls) == 1
