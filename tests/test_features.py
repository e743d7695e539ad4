"""Editor features: completion, symbols, folding, selection, links, formatting."""

import datetime
import plistlib
import random

import pytest
from conftest import HEADER, plist
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ent_ls.analysis.edits import apply_edits
from ent_ls.catalog import default_catalog
from ent_ls.document import Document
from ent_ls.features.completion import complete
from ent_ls.features.context import cursor_context, indent_unit
from ent_ls.features.folding import folding_ranges
from ent_ls.features.formatting import DECLARATION, DOCTYPE_LINE, format_document, format_edits
from ent_ls.features.hover import value_markdown
from ent_ls.features.links import document_links
from ent_ls.features.selection import MAX_CHAIN, selection_ranges
from ent_ls.features.symbols import MAX_DEPTH, document_symbols
from ent_ls.syntax import decode, to_python
from ent_ls.syntax.plist import VALUE_NAMES

CAT = default_catalog()
SANDBOX = "com.apple.security.app-sandbox"
CLIENT = "com.apple.security.network.client"
GROUPS = "com.apple.security.application-groups"
APS = "aps-environment"
ICLOUD = "com.apple.developer.icloud-services"
SCRIPTING = "com.apple.security.scripting-targets"  # a dictionary
SECURITY_VERSION = "com.apple.security.hardened-process.enhanced-security-version"  # an integer
DOCTYPE = DOCTYPE_LINE


def at(marked):
    """(text, offset) from text with a "|" where the cursor is."""
    i = marked.index("|")
    return marked[:i] + marked[i + 1:], i


def comp(marked, snippets=True, platform=None):
    text, off = at(marked)
    return text, off, complete(Document(text), CAT, off, snippets, platform)


def labels(result):
    return [i.label for i in result.items]


def accept(text, item):
    return apply_edits(text, [item.edit])


def by_label(result, label):
    (item,) = [i for i in result.items if i.label == label]
    return item


def entry(key, value="<true/>", indent="\t"):
    return f"{indent}<key>{key}</key>\n{indent}{value}\n"


# --- completion: key text ------------------------------------------------------

def test_key_text_offers_matching_keys_and_replaces_the_partial_key():
    text, off, r = comp(plist(entry("com.apple.security.n|")))
    assert r.context == "key-text" and r.is_incomplete
    assert labels(r)[:2] == [CLIENT, "com.apple.security.network.server"]
    item = r.items[0]
    start = text.index("com.apple.security.n")
    assert (item.edit.start, item.edit.end, item.edit.new_text) == (start, off, CLIENT)
    assert item.kind == "key" and not item.is_snippet
    assert item.detail == "Boolean · macOS 10.7+"
    assert item.data == {"key": CLIENT} and item.documentation is None
    assert item.filter_text == CLIENT and item.sort_text == "0000"
    assert [i.sort_text for i in r.items] == sorted(i.sort_text for i in r.items)
    assert accept(text, item) == plist(entry(CLIENT))


def test_key_text_replaces_the_whole_key_when_the_cursor_is_inside_it():
    text, off, r = comp(plist(entry("com.apple.security.app-|sandbox")))
    item = by_label(r, SANDBOX)
    assert (item.edit.start, item.edit.end) == (text.index("com.apple"), text.index("</key>"))
    assert accept(text, item) == plist(entry(SANDBOX))


def test_key_text_matches_a_word_of_the_key():
    _, _, r = comp(plist(entry("sandbox|")))
    assert labels(r)[0] == SANDBOX
    _, _, r = comp(plist(entry("|")))
    assert not r.is_incomplete and len(r.items) == len(CAT)
    assert labels(r)[:3] == [SANDBOX, CLIENT, "com.apple.security.network.server"]


def test_half_typed_key_at_end_of_file_gets_its_close_tag():
    text, off, r = comp('<?xml version="1.0"?>\n<plist version="1.0">\n<dict>\n\t<key>com.apple.sec|')
    assert r.context == "key-text"
    item = by_label(r, SANDBOX)
    assert (item.edit.start, item.edit.end) == (off - len("com.apple.sec"), off)
    assert accept(text, item).endswith(f"\t<key>{SANDBOX}</key>")


def test_half_typed_key_before_the_next_tag():
    text, off, r = comp(plist("\t<key>com.apple.security.network.cl|\n" + entry(SANDBOX)))
    item = r.items[0]
    assert item.label == CLIENT
    assert accept(text, item) == plist(f"\t<key>{CLIENT}</key>\n" + entry(SANDBOX))
    # on the same line as the dict's end tag
    text, off, r = comp('<plist version="1.0">\n<dict>\n\t<key>sandbox|</dict></plist>')
    assert accept(text, r.items[0]) == f'<plist version="1.0">\n<dict>\n\t<key>{SANDBOX}</key></dict></plist>'


def test_half_typed_key_with_its_end_tag_being_typed():
    text, off, r = comp('<plist version="1.0">\n<dict>\n\t<key>sandbox|</k')
    assert accept(text, r.items[0]).endswith(f"<key>{SANDBOX}</k")


def test_keys_already_in_the_file_sort_last():
    text, off, r = comp(plist(entry(SANDBOX) + entry("|")))
    assert labels(r)[0] == CLIENT
    last = r.items[-1]
    assert last.label == SANDBOX and last.detail.endswith("already in this file")
    # the key being edited does not count as present
    _, _, r = comp(plist(entry("com.apple.security.app-sand|box")))
    assert labels(r)[0] == SANDBOX and "already" not in r.items[0].detail


def test_deprecated_keys_are_flagged_and_sort_after_the_others():
    _, _, r = comp(plist(entry("com.apple.security.files.|")))
    names = labels(r)
    assert "com.apple.security.files.all" in names
    dep = by_label(r, "com.apple.security.files.all")
    assert dep.deprecated
    first_deprecated = min(i for i, item in enumerate(r.items) if item.deprecated)
    assert all(not item.deprecated for item in r.items[:first_deprecated])
    assert names.index("com.apple.security.files.user-selected.read-write") < names.index(dep.label)


@pytest.mark.parametrize("platform", ["ios", "iOS"])
def test_keys_missing_on_the_platform_sort_last(platform):
    _, _, r = comp(plist(entry("|")), platform=platform)
    names = labels(r)
    assert names[0] == GROUPS
    assert names.index(SANDBOX) > names.index("keychain-access-groups")
    on_ios = [CAT.get(n).available_on("iOS") for n in names]
    assert on_ios == sorted(on_ios, reverse=True)


def test_keys_of_nested_dicts_get_no_completion():
    _, _, r = comp(plist(entry("x", "<dict>\n\t\t<key>com.apple|</key>\n\t\t<true/>\n\t</dict>")))
    assert r.items == []


# --- completion: whole items on an empty line ----------------------------------

def test_empty_line_offers_key_and_value_snippets():
    text, off, r = comp(plist(entry(SANDBOX) + "\t|\n"))
    assert r.context == "slot" and len(r.items) == len(CAT)
    item = by_label(r, CLIENT)
    assert item.kind == "snippet" and item.is_snippet and item.data == {"key": CLIENT}
    assert (item.edit.start, item.edit.end) == (off, off)
    assert item.edit.new_text == f"<key>{CLIENT}</key>\n\t<true/>"
    assert by_label(r, APS).edit.new_text == f"<key>{APS}</key>\n\t<string>${{1|development,production|}}</string>"
    assert by_label(r, GROUPS).edit.new_text == (
        f"<key>{GROUPS}</key>\n\t<array>\n\t\t<string>$1</string>\n\t</array>")
    assert by_label(r, ICLOUD).edit.new_text == (
        f"<key>{ICLOUD}</key>\n\t<array>\n\t\t<string>${{1|CloudDocuments,CloudKit,CloudKit-Anonymous|}}</string>"
        "\n\t</array>")
    assert by_label(r, SCRIPTING).edit.new_text == f"<key>{SCRIPTING}</key>\n\t<dict>$1</dict>"
    assert by_label(r, SECURITY_VERSION).edit.new_text == f"<key>{SECURITY_VERSION}</key>\n\t<integer>$1</integer>"
    assert labels(r)[-1] == SANDBOX  # already present
    pci = "com.apple.developer.driverkit.transport.pci"  # an array of dictionaries
    assert by_label(r, pci).edit.new_text == f"<key>{pci}</key>\n\t<array>\n\t\t$1\n\t</array>"
    usb = "com.apple.developer.accessory-access.usb"  # type not stated
    assert by_label(r, usb).edit.new_text == (
        f"<key>{usb}</key>\n\t${{1|<true/>,<false/>,<string></string>,<array/>,<dict/>|}}")


def test_empty_line_snippets_as_plain_text():
    text, off, r = comp(plist(entry(SANDBOX) + "\t|\n"), snippets=False)
    item = by_label(r, GROUPS)
    assert not item.is_snippet
    assert item.edit.new_text == f"<key>{GROUPS}</key>\n\t<array>\n\t\t<string></string>\n\t</array>"
    assert by_label(r, APS).edit.new_text == f"<key>{APS}</key>\n\t<string></string>"
    assert by_label(r, SECURITY_VERSION).edit.new_text.endswith("<integer>0</integer>")
    new = accept(text, by_label(r, CLIENT))
    assert new == plist(entry(SANDBOX) + entry(CLIENT))
    assert to_python(Document(new).plist.root) == {SANDBOX: True, CLIENT: True}


def test_unindented_empty_line_gets_the_siblings_indentation():
    text, off, r = comp(plist("    " + f"<key>{SANDBOX}</key>\n    <true/>\n|\n"), snippets=False)
    item = by_label(r, CLIENT)
    assert item.edit.new_text == f"    <key>{CLIENT}</key>\n    <true/>"
    # no sibling to copy: one unit deeper than the dict, a tab by default
    text, off, r = comp(plist("|\n"), snippets=False)
    assert by_label(r, CLIENT).edit.new_text == f"\t<key>{CLIENT}</key>\n\t<true/>"


def test_snippets_follow_space_indentation_and_crlf():
    body = f"  <key>{SANDBOX}</key>\r\n  <true/>\r\n  |\r\n"
    marked = (HEADER + body + "</dict>\n</plist>\n").replace("\r\n", "\n").replace("\n", "\r\n")
    text, off, r = comp(marked)
    assert indent_unit(text) == "  "
    assert by_label(r, GROUPS).edit.new_text == (
        f"<key>{GROUPS}</key>\r\n  <array>\r\n    <string>$1</string>\r\n  </array>")


def test_bare_word_on_an_empty_line_is_replaced_by_the_item():
    text, off, r = comp(plist(entry(CLIENT) + "\tsandbox|\n"))
    assert r.is_incomplete and labels(r)[0] == SANDBOX
    item = r.items[0]
    assert (item.edit.start, item.edit.end) == (off - len("sandbox"), off)
    assert accept(text, item) == plist(entry(CLIENT) + f"\t<key>{SANDBOX}</key>\n\t<true/>\n")


def test_unclosed_dict_and_garbage_still_complete():
    text, off, r = comp('<plist version="1.0">\n<dict>\n' + entry(SANDBOX) + "\t|")
    assert by_label(r, CLIENT).edit.new_text == f"<key>{CLIENT}</key>\n\t<true/>"
    text, off, r = comp(plist(entry(SANDBOX) + "\t|\n") + "garbage <<>> </dict>")
    assert len(r.items) == len(CAT)
    text, off, r = comp("<plist><dict>\n<key>a</key>\n<true/>\n|\n<key>b")
    assert len(r.items) == len(CAT)


# --- completion: values --------------------------------------------------------

def test_after_a_boolean_key_offers_true_and_false():
    text, off, r = comp(plist(f"\t<key>{SANDBOX}</key>\n\t|\n"))
    assert labels(r) == ["<true/>", "<false/>"]
    assert [i.edit.new_text for i in r.items] == ["<true/>", "<false/>"]
    assert r.items[0].kind == "element" and not r.items[0].is_snippet
    assert accept(text, r.items[0]) == plist(entry(SANDBOX))


def test_after_a_key_with_a_typed_lt():
    text, off, r = comp(plist(f"\t<key>{SANDBOX}</key>\n\t<|\n"))
    assert r.context == "tag-name"
    item = r.items[1]
    assert (item.edit.start, item.edit.end, item.edit.new_text) == (off - 1, off, "<false/>")
    assert item.filter_text == "<false/>"
    text, off, r = comp(plist(f"\t<key>{SANDBOX}</key>\n\t<tr|\n"))
    assert accept(text, r.items[0]) == plist(entry(SANDBOX))


def test_after_a_string_key_offers_its_values():
    text, off, r = comp(plist(f"\t<key>{APS}</key>\n\t<|\n"))
    assert labels(r) == ["<string>", "<string>development</string>", "<string>production</string>"]
    assert r.items[0].edit.new_text == "<string>${1|development,production|}</string>" and r.items[0].is_snippet
    prod = r.items[2]
    assert prod.kind == "value" and prod.edit.new_text == "<string>production</string>"
    assert prod.documentation == value_markdown(CAT.get(APS), "production")


def test_after_an_array_key_offers_an_array_block():
    text, off, r = comp(plist(f"\t<key>{GROUPS}</key>\n\t|\n"))
    (item,) = r.items
    assert item.edit.new_text == "<array>\n\t\t<string>$1</string>\n\t</array>"
    _, _, r = comp(plist(f"\t<key>{GROUPS}</key>\n\t|\n"), snippets=False)
    assert r.items[0].edit.new_text == "<array>\n\t\t<string></string>\n\t</array>"


def test_after_an_unknown_key_offers_every_value_type():
    _, _, r = comp(plist("\t<key>com.example.custom</key>\n\t|\n"))
    assert [i.label.strip("<>/") for i in r.items] == list(VALUE_NAMES)
    assert by_label(r, "<dict>").edit.new_text == "<dict>\n\t\t$0\n\t</dict>"
    assert by_label(r, "<integer>").edit.new_text == "<integer>$1</integer>"


def test_bare_word_after_a_key_filters_by_name():
    text, off, r = comp(plist(f"\t<key>{SANDBOX}</key>\n\ttr|\n"))
    item = r.items[0]
    assert item.filter_text == "true" and (item.edit.start, item.edit.end) == (off - 2, off)
    assert accept(text, item) == plist(entry(SANDBOX))


def test_inside_a_string_offers_allowed_values():
    text, off, r = comp(plist(f"\t<key>{APS}</key>\n\t<string>d|</string>\n"))
    assert r.context == "string-text" and labels(r) == ["development", "production"]
    item = r.items[0]
    assert (item.edit.start, item.edit.end, item.edit.new_text) == (off - 1, off, "development")
    assert item.detail == CAT.get(APS).allowed("development").meaning
    assert item.documentation == value_markdown(CAT.get(APS), "development")


def test_half_typed_string_gets_its_close_tag():
    text, off, r = comp('<plist version="1.0">\n<dict>\n' + f"\t<key>{APS}</key>\n\t<string>dev|")
    assert accept(text, r.items[0]).endswith("\t<string>development</string>")


def test_strings_in_an_array_of_a_key_with_values():
    text, off, r = comp(plist(f"\t<key>{ICLOUD}</key>\n\t<array>\n\t\t<string>Cl|</string>\n\t</array>\n"))
    assert labels(r) == ["CloudDocuments", "CloudKit", "CloudKit-Anonymous"]
    # an empty line of that array offers string elements with the values
    _, _, r = comp(plist(f"\t<key>{ICLOUD}</key>\n\t<array>\n\t\t|\n\t</array>\n"))
    assert labels(r) == ["<string>", "<string>CloudDocuments</string>", "<string>CloudKit</string>",
                         "<string>CloudKit-Anonymous</string>"]


def test_strings_without_values_get_nothing():
    assert comp(plist(f"\t<key>{GROUPS}</key>\n\t<array>\n\t\t<string>|</string>\n\t</array>\n"))[2].items == []
    assert comp(plist(entry("x", f"<dict><key>{APS}</key><string>|</string></dict>")))[2].items == []


# --- completion: element names -------------------------------------------------

def test_lt_in_a_dict_offers_key():
    text, off, r = comp(plist("\t<|\n"))
    (item,) = r.items
    assert (item.label, item.edit.start, item.edit.end, item.edit.new_text) == ("<key>", off - 1, off, "<key>$1</key>")
    _, _, r = comp(plist("\t<|\n"), snippets=False)
    assert r.items[0].edit.new_text == "<key></key>"


def test_lt_in_an_array_offers_value_types():
    _, _, r = comp(plist(entry("x", "<array>\n\t\t<|\n\t</array>")))
    assert [i.label.strip("<>/") for i in r.items] == list(VALUE_NAMES)


def test_lt_in_plist_offers_dict_and_at_the_top_plist():
    _, _, r = comp('<plist version="1.0">\n<|')
    assert labels(r) == ["<dict>"] and r.items[0].edit.new_text == "<dict>\n\t$0\n</dict>"
    text, off, r = comp("|")
    (item,) = r.items
    assert item.edit.new_text == (f'{DECLARATION}\n{DOCTYPE}\n<plist version="1.0">\n<dict>\n\t$0\n</dict>\n</plist>')
    new = accept(text, item).replace("$0", "")
    assert Document(new).root_dict is not None and not Document(new).plist.problems


def test_renaming_a_complete_tag_replaces_only_the_name():
    text, off, r = comp(plist(f"\t<key>{SANDBOX}</key>\n\t<tr|ue/>\n"))
    assert [(i.edit.start, i.edit.end, i.edit.new_text) for i in r.items] == [
        (off - 2, off + 2, "true"), (off - 2, off + 2, "false")]


def test_close_tag_completes_the_innermost_open_element():
    text, off, r = comp('<plist version="1.0">\n<dict>\n' + entry(SANDBOX) + "</|")
    (item,) = r.items
    assert (item.label, item.edit.start, item.edit.end, item.edit.new_text) == ("</dict>", off - 2, off, "</dict>")
    _, _, r = comp('<plist version="1.0">\n<dict>\n' + entry(SANDBOX) + "</di|")
    assert r.items[0].edit.new_text == "</dict>"
    _, _, r = comp('<plist version="1.0">\n<dict>\n' + f"\t<key>{APS}</key>\n\t<string>abc</|")
    assert labels(r) == ["</string>"]
    # a written ">" is kept
    text, off, r = comp(plist(entry(SANDBOX)).replace("</dict>", "</di|>"))
    assert accept(text, r.items[0]) == plist(entry(SANDBOX))


def test_nothing_in_comments_and_attributes():
    assert comp(plist(entry(SANDBOX) + "\t<!-- | -->\n"))[2].items == []
    assert comp(plist(entry(SANDBOX) + "\t<!-- unterminated |"))[2].items == []
    assert comp('<plist version="1|.0"><dict/></plist>')[2].items == []


def test_astral_characters_count_as_one_offset():
    body = "\t<key>com.example.😀</key>\n\t<string>😀😀 🎉</string>\n" + entry("com.apple.security.app-s|")
    text, off, r = comp(plist(body))
    item = by_label(r, SANDBOX)
    assert item.edit.start == text.index("com.apple.security.app-s")
    assert accept(text, item) == plist(body.replace("|", "").replace("app-s<", "app-sandbox<"))


def test_crlf_key_completion():
    text, off, r = comp(plist(entry("sandbox|")).replace("\n", "\r\n"))
    assert accept(text, r.items[0]) == plist(entry(SANDBOX)).replace("\n", "\r\n")


FRAGMENTS = st.sampled_from([
    "<", "</", "<key>", "</key>", "<dict>", "</dict>", "<array>", "</array>", "<string>", "</string>",
    "<true/>", "<plist>", "</plist>", "com.apple.security.", "aps-environment", "\n", "\r\n", "\t", "  ",
    "<!--", "-->", "&amp;", "<![CDATA[", "]]>", "😀", "<?xml", "?>", ">", "/>", '"', "x", "<!DOCTYPE plist",
])


def _check_features(text, offsets):
    doc = Document(text)
    for off in offsets:
        for snippets in (True, False):
            r = complete(doc, CAT, off, snippets, "macos")
            for item in r.items:
                e = item.edit
                assert 0 <= e.start <= off <= e.end <= len(text)
                assert "\n" not in text[e.start:e.end] and "\r" not in text[e.start:e.end]
    for sym in _walk(document_symbols(doc)):
        assert sym.start <= sym.selection_start <= sym.selection_end <= sym.end and sym.name
    for f in folding_ranges(doc):
        assert f.start < f.end
    for chain, off in zip(selection_ranges(doc, offsets), offsets):
        assert chain[-1] == (0, len(text))
        for inner, outer in zip(chain, chain[1:]):
            assert outer[0] <= inner[0] <= off <= inner[1] <= outer[1] and inner != outer
    document_links(doc, CAT)
    out = format_document(doc)
    if out is not None:
        assert format_document(Document(out)) == out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(FRAGMENTS, max_size=30), st.data())
def test_features_never_raise_on_fragments(parts, data):
    text = "".join(parts)
    offsets = data.draw(st.lists(st.integers(0, len(text)), min_size=1, max_size=8))
    _check_features(text, offsets)


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 10_000), st.data())
def test_features_never_raise_on_cut_files(seed, data):
    base = plist(entry(SANDBOX) + entry(APS, "<string>production</string>") + entry(
        ICLOUD, "<array>\n\t\t<string>CloudKit</string>\n\t</array>") + "\t<!-- note -->\n")
    rnd = random.Random(seed)
    text = base
    for _ in range(rnd.randint(1, 3)):
        i = rnd.randint(0, len(text))
        j = min(len(text), i + rnd.randint(0, 12))
        text = text[:i] + rnd.choice(["", "<", "</", "<key>", "\n"]) + text[j:]
    offsets = data.draw(st.lists(st.integers(0, len(text)), min_size=1, max_size=6))
    _check_features(text, offsets)


def test_every_offset_of_a_half_typed_file():
    text = '<?xml version="1.0"?>\r\n<plist version="1.0">\r\n<dict>\r\n\t<key>com.apple.sec\r\n\t<key>a</key>\r\n\t<'
    _check_features(text, range(len(text) + 1))
    assert cursor_context(Document(text), len(text)).kind == "tag-name"


# --- symbols -------------------------------------------------------------------

def _walk(symbols):
    stack = list(symbols)
    while stack:
        s = stack.pop()
        yield s
        stack.extend(s.children)


def test_symbols_outline_keys_and_nested_values():
    body = (entry(SANDBOX) + entry(APS, "<string>production</string>")
            + entry(GROUPS, "<array>\n\t\t<string>group.a</string>\n\t\t<dict><key>in</key><integer>7</integer></dict>\n\t</array>")
            + entry("com.example.d", "<dict>\n\t\t<key>x</key>\n\t\t<false/>\n\t</dict>"))
    text = plist(body)
    syms = document_symbols(Document(text))
    assert [(s.name, s.kind, s.detail) for s in syms] == [
        (SANDBOX, "key", "true"), (APS, "key", '"production"'), (GROUPS, "key", "array (2)"),
        ("com.example.d", "key", "dict (1)")]
    first = syms[0]
    assert text[first.start:first.end] == f"<key>{SANDBOX}</key>\n\t<true/>"
    assert text[first.selection_start:first.selection_end] == SANDBOX
    assert first.children == []
    groups = syms[2]
    assert [(c.name, c.kind, c.detail) for c in groups.children] == [
        ("[0]", "string", '"group.a"'), ("[1]", "dict", "dict (1)")]
    inner = groups.children[1].children[0]
    assert (inner.name, inner.kind, inner.detail) == ("in", "key", "7")
    assert text[inner.selection_start:inner.selection_end] == "in"
    assert [(c.name, c.detail) for c in syms[3].children] == [("x", "false")]


def test_symbols_of_broken_items():
    text = plist("\t<key>lonely</key>\n\t<string>no key</string>\n\t<key></key>\n\t<true/>\n")
    # "lonely" takes the string as its value; the empty key keeps a usable name
    syms = document_symbols(Document(text))
    assert [(s.name, s.detail) for s in syms] == [("lonely", '"no key"'), ("(empty key)", "true")]
    syms = document_symbols(Document(plist("\t<true/>\n\t<key>end</key>\n")))
    assert [(s.name, s.detail) for s in syms] == [("(no key)", "true"), ("end", "no value")]
    assert document_symbols(Document("")) == [] and document_symbols(Document("<plist><dict><key>a")) != []


def test_symbols_are_capped():
    text = plist("".join(entry(f"k{i}") for i in range(6000)))
    syms = document_symbols(Document(text))
    assert len(syms) == 5000 and syms[-1].name == "k4999"
    assert len(document_symbols(Document(text), limit=10)) == 10


# --- deep nesting ----------------------------------------------------------------

@pytest.fixture(scope="module", params=["", "\n"])
def deep(request):
    n = 100_000
    sep = request.param
    body = ("<array>" + sep) * n + "<string>x</string>" + sep + ("</array>" + sep) * n
    return Document(HEADER + "<key>k</key>\n" + body + "</dict>\n</plist>\n")


def test_deep_nesting_does_not_crash(deep):
    text = deep.text
    syms = document_symbols(deep)
    depth, node = 0, syms[0]
    while node.children:
        node, depth = node.children[0], depth + 1
    assert depth == MAX_DEPTH - 1
    folds = folding_ranges(deep)
    assert folds and all(a.start <= b.start for a, b in zip(folds, folds[1:]))
    x = text.index("<string>x") + len("<string>")
    (chain,) = selection_ranges(deep, [x])
    assert len(chain) == MAX_CHAIN and chain[0] == (x, x + 1) and chain[-1] == (0, len(text))
    assert all(o[0] <= i[0] and i[1] <= o[1] for i, o in zip(chain, chain[1:]))
    out = format_document(deep)
    assert out is None or format_document(Document(out)) == out
    assert complete(deep, CAT, text.index("<string>"), True).context == "slot"
    assert complete(deep, CAT, text.index("</array>") + 2, True).items[0].label == "</array>"


# --- folding -----------------------------------------------------------------------

def test_folding_dicts_arrays_comments_and_doctype():
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN"\n "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n'
        '<plist version="1.0">\n<dict>\n'
        "\t<!-- a\n\t     note -->\n"
        f"\t<key>{GROUPS}</key>\n\t<array>\n\t\t<string>a</string>\n\t</array>\n"
        f"\t<key>x</key>\n\t<array><string>one line</string></array>\n"
        "\t<key>y</key>\n\t<dict/>\n"
        "</dict>\n</plist>\n"
    )
    folds = folding_ranges(Document(text))
    doctype = text.index("<!DOCTYPE")
    comment = text.index("<!--")
    dict_start = text.index("<dict>")
    array = text.index("<array>")
    assert folds == [
        (doctype, text.index(">", doctype) + 1, "region"),
        (dict_start, text.index("\n</dict>"), "region"),
        (comment, text.index("-->") + 3, "comment"),
        (array, text.index("\n\t</array>"), "region"),
    ]
    lines = Document(text).lines
    assert lines.position(folds[1].end)[0] == lines.position(text.index("</dict>"))[0] - 1


def test_folding_crlf_and_unclosed():
    text = "<plist>\r\n<dict>\r\n\t<key>a</key>\r\n\t<true/>\r\n</dict>\r\n</plist>\r\n"
    (f,) = folding_ranges(Document(text))
    assert (f.start, f.end) == (text.index("<dict>"), text.index("\r\n</dict>"))
    text = "<plist>\n<dict>\n\t<key>a</key>\n\t<true/>\n\n"
    assert [(f.start, f.end) for f in folding_ranges(Document(text))] == [
        (text.index("<dict>"), text.index("<true/>") + 7)]


# --- selection ranges ----------------------------------------------------------------

def test_selection_from_key_text_outwards():
    body = entry(SANDBOX) + entry(GROUPS, "<array>\n\t\t<string>group.a</string>\n\t</array>")
    text = plist(body)
    doc = Document(text)
    k = text.index("security.app") + 3
    s = text.index("group.a") + 2
    (key_chain, str_chain) = selection_ranges(doc, [k, s])
    dict_start = text.index("<dict>")
    dict_end = text.index("</dict>") + 7
    content = (text.index("<key>"), text.index("</array>") + 8)
    plist_span = (text.index("<plist"), text.index("</plist>") + 8)
    ks = text.index(SANDBOX)
    assert key_chain == [
        (ks, ks + len(SANDBOX)), (ks - 5, ks + len(SANDBOX) + 6), (ks - 5, text.index("<true/>") + 7),
        content, (dict_start, dict_end), plist_span, (0, len(text))]
    gs = text.index("group.a")
    arr = text.index("<array>")
    assert str_chain == [
        (gs, gs + 7), (gs - 8, gs + 16), (arr, text.index("</array>") + 8),
        (text.index(f"<key>{GROUPS}"), text.index("</array>") + 8),
        content, (dict_start, dict_end), plist_span, (0, len(text))]


def test_selection_in_white_space_and_out_of_range():
    text = plist(entry(SANDBOX))
    doc = Document(text)
    ws = text.index("\t<true/>")
    chain = selection_ranges(doc, [ws])[0]
    assert chain[0] == (text.index("<key>"), text.index("<true/>") + 7)
    assert selection_ranges(doc, [10 ** 9])[0] == [(0, len(text))]
    assert selection_ranges(Document(""), [0]) == [[(0, 0)]]


# --- links -----------------------------------------------------------------------------

def test_links_for_known_top_level_keys():
    text = plist(entry(SANDBOX) + entry("com.example.unknown") + entry("x", f"<dict><key>{CLIENT}</key><true/></dict>")
                 + entry(APS, "<string>production</string>"))
    links = document_links(Document(text), CAT)
    assert [(text[a:b], url) for a, b, url in links] == [
        (SANDBOX, CAT.get(SANDBOX).doc_url), (APS, CAT.get(APS).doc_url)]
    assert all(url.startswith("https://developer.apple.com/") for _, _, url in links)


# --- formatting --------------------------------------------------------------------------

MESSY = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<plist version="1.0"><dict>\n'
    f"    <key>{SANDBOX}</key>   <true></true> <!-- why -->\n"
    f"  <key>{GROUPS}</key><array>  <string> spaced &amp; &lt;escaped&gt; </string>"
    "<string><![CDATA[<raw>]]></string>\n"
    "        </array>\n"
    "<key>empty</key><array>\n\n</array><key>d</key><dict></dict>"
    "<key>nested</key><dict><key>n</key><integer>0x10</integer><key>multi</key><string>line one\n  line two</string></dict>"
    "</dict></plist>"
)
MESSY_FORMATTED = (
    f"{DECLARATION}\n{DOCTYPE}\n"
    '<plist version="1.0">\n<dict>\n'
    f"\t<key>{SANDBOX}</key>\n\t<true/>\n\t<!-- why -->\n"
    f"\t<key>{GROUPS}</key>\n\t<array>\n\t\t<string> spaced &amp; &lt;escaped&gt; </string>\n"
    "\t\t<string>&lt;raw&gt;</string>\n\t</array>\n"  # CDATA as text: signing rejects CDATA
    "\t<key>empty</key>\n\t<array/>\n\t<key>d</key>\n\t<dict/>\n"
    "\t<key>nested</key>\n\t<dict>\n\t\t<key>n</key>\n\t\t<integer>0x10</integer>\n"
    "\t\t<key>multi</key>\n\t\t<string>line one\n  line two</string>\n\t</dict>\n"
    "</dict>\n</plist>\n"
)


def test_format_writes_xcode_layout():
    out = format_document(Document(MESSY))
    assert out == MESSY_FORMATTED
    assert plistlib.loads(out.encode()) == plistlib.loads(MESSY.encode())
    assert format_document(Document(out)) == out


def test_format_writes_lf_without_bom_and_keeps_the_declaration():
    text = "\ufeff" + MESSY.replace("\n", "\r\n").replace('encoding="UTF-8"', "encoding='utf-8'")
    out = format_document(Document(text))
    # signing's reader rejects a BOM and CR; XML readers read a CRLF inside a string as LF anyway
    assert out == MESSY_FORMATTED.replace(DECLARATION, "<?xml version=\"1.0\" encoding='utf-8'?>")
    assert plistlib.loads(out.encode()) == plistlib.loads(text.encode("utf-8"))


def test_format_adds_missing_prolog_and_keeps_top_level_comments():
    text = "<!-- top -->\n<plist><dict><key>a</key><false/></dict></plist>\n<!-- end -->"
    assert format_document(Document(text)) == (
        f"{DECLARATION}\n{DOCTYPE}\n<!-- top -->\n"
        '<plist version="1.0">\n<dict>\n\t<key>a</key>\n\t<false/>\n</dict>\n</plist>\n<!-- end -->\n')
    text = f'{DECLARATION}\n<plist version="1.0">\n<dict/>\n</plist>'
    assert format_document(Document(text)) == f'{DECLARATION}\n{DOCTYPE}\n<plist version="1.0">\n<dict/>\n</plist>\n'


def test_format_keeps_comments_inside_values_and_unknown_attributes():
    text = plist('\t<key>a</key>\n\t<string>x<!-- inside -->y</string>\n\t<key>b</key>\n\t<array id="1">\n'
                 "\t\t<!-- only a comment -->\n\t</array>\n")
    out = format_document(Document(text))
    # canonical already, but signing's reader rejects a comment inside a string: only that one goes
    assert out == text.replace("<!-- inside -->", "")
    text = out
    squeezed = text.replace("\n\t<key>b", "<key>b").replace('\t<array id="1">\n\t\t', '\t<array id="1">')
    assert format_document(Document(squeezed)) == text


@pytest.mark.parametrize("text", [
    '<plist version="1.0"><dict><key>a</key><true/></plist>',  # mismatched
    '<plist version="1.0"><dict><key>a</key><true/>',  # unclosed
    '<plist version="1.0"><dict>stray<key>a</key><true/></dict></plist>',  # text in a dict
    '<plist version="1.0"><dict><![CDATA[x]]></dict></plist>',
    '<plist version="1.0"><dict/></plist>trailing',
    '<plist version="1.0"><dict><!-- open </dict></plist>',
    "",
])
def test_format_refuses_unsafe_rewrites(text):
    doc = Document(text)
    assert format_document(doc) is None and format_edits(doc) is None


def test_format_edits():
    doc = Document(MESSY)
    (edit,) = format_edits(doc)
    assert apply_edits(MESSY, [edit]) == MESSY_FORMATTED
    assert edit.start == len('<?xml version="1.0" encoding="UTF-8"?>\n<')
    assert format_edits(Document(MESSY_FORMATTED)) == []
    crlf = MESSY_FORMATTED.replace("\n", "\r\n")
    broken = crlf.replace("\t<true/>", "<true/>")
    (edit,) = format_edits(Document(broken))
    assert apply_edits(broken, [edit]) == MESSY_FORMATTED
    assert broken[edit.start - 1:edit.start + 1] != "\r\n"


keys = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cn")), max_size=12)
scalars = (
    st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False)
    | st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cn")), max_size=20)
    | st.binary(max_size=80)
    | st.datetimes(min_value=datetime.datetime(1900, 1, 1), max_value=datetime.datetime(2100, 1, 1)).map(
        lambda d: d.replace(microsecond=0))
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
                      max_leaves=20)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(keys, values, max_size=6), st.integers(0, 10_000), st.sampled_from(["\n", "\r\n"]))
def test_format_preserves_values_and_is_idempotent(value, seed, newline):
    rnd = random.Random(seed)
    canonical = plistlib.dumps(value, sort_keys=False).decode("utf-8")
    lines = canonical.split("\n")
    mangled = [lines[0]]  # the XML declaration must stay first
    comments = False
    for line in lines[1:]:
        mangled.append(rnd.choice(["", " ", "  ", "\t\t", "    "]) + line.lstrip("\t"))
        roll = rnd.random()
        if roll < 0.15:
            mangled.append(f"<!-- c{rnd.randint(0, 99)} -->")
            comments = True
        elif roll < 0.3:
            mangled[-1] += " "
    joined = "".join(line + (newline if rnd.random() < 0.8 else "") for line in mangled)
    out = format_document(Document(joined))
    if "<real>" in canonical or "<date>" in canonical:
        assert out is None  # signing's reader has no real or date: no output it would reject
        return
    assert out is not None, joined
    assert plistlib.loads(out.encode("utf-8")) == value
    assert format_document(Document(out)) == out
    if not comments and "<data>" not in canonical:
        # plistlib writes Xcode's layout too (data keeps its own line breaks here)
        assert out == canonical


def test_format_corpus_keeps_values(corpus_files):
    checked = 0
    for path in corpus_files:
        data = path.read_bytes()
        decoded = decode(data)
        doc = Document(decoded.text, str(path), decoded.binary, decoded.problems)
        out = format_document(doc)
        if doc.plist.problems or decoded.problems or decoded.binary:
            continue
        assert out is not None, path
        before = plistlib.loads(data, fmt=plistlib.FMT_XML)
        assert plistlib.loads(decoded.encode(out), fmt=plistlib.FMT_XML) == before, path
        assert format_document(Document(out)) == out, path
        checked += 1
    assert checked > 150


def test_features_on_the_corpus(corpus_files):
    for path in corpus_files[::5]:
        decoded = decode(path.read_bytes())
        text = decoded.text
        _check_features(text, range(0, len(text) + 1, max(1, len(text) // 40)))
