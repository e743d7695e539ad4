"""The syntax layer: tolerant, lossless, plistlib-compatible, never raises."""

import datetime
import plistlib

from conftest import plist
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ent_ls.syntax import PArray, PDict, PScalar, decode, parse_plist, parse_xml, to_python
from ent_ls.syntax.plist import LEAF_NAMES


def lossless(text):
    tree = parse_xml(text, LEAF_NAMES)
    tokens = tree.tokens
    assert "".join(text[t.start:t.end] for t in tokens) == text
    for a, b in zip(tokens, tokens[1:]):
        assert a.end == b.start
    return tree


def messages(text):
    return [p.message for p in parse_plist(text).problems]


# --- plistlib equivalence -------------------------------------------------

keys = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"), max_size=20)
scalars = (
    st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False)
    | st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"), max_size=30)
    | st.binary(max_size=40)
    | st.datetimes(min_value=datetime.datetime(1900, 1, 1), max_value=datetime.datetime(2100, 1, 1)).map(
        lambda d: d.replace(microsecond=0))
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
                      max_leaves=25)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(keys, values, max_size=6))
def test_same_value_as_plistlib(value):
    data = plistlib.dumps(value)
    text = data.decode("utf-8")
    expected = plistlib.loads(data)
    doc = parse_plist(text)
    assert doc.problems == []
    assert to_python(doc.root) == expected


@settings(max_examples=100)
@given(st.dictionaries(keys, values, max_size=4), st.sampled_from(["\r\n", "\r", "\n"]))
def test_line_endings_do_not_change_values(value, newline):
    text = plistlib.dumps(value).decode().replace("\n", newline)
    expected = plistlib.loads(text.encode())
    doc = parse_plist(text)
    assert to_python(doc.root) == expected
    lossless(text)


# --- never raises, always lossless ---------------------------------------

fragments = st.sampled_from([
    "<", ">", "</", "/>", "<key>", "</key>", "<dict>", "</dict>", "<array>", "</array>", "<string>", "</string>",
    "<true/>", "<false/>", "<integer>", "<!--", "-->", "<![CDATA[", "]]>", "<?xml", "?>", "<!DOCTYPE", "[", "]",
    "&", "&amp;", "&#45;", "&#x110000;", "&bogus;", "\r\n", "\r", "\n", "\ufeff", "\x00", "\udcff", "a", " ", '"',
    "<plist version=\"1.0\">", "</plist>", "<!ENTITY x \"y\">",
])


@settings(max_examples=400)
@given(st.lists(fragments | st.text(max_size=5), max_size=60))
def test_any_text_parses_losslessly(parts):
    text = "".join(parts)
    lossless(text)
    doc = parse_plist(text)
    for p in doc.problems:
        assert 0 <= p.start <= p.end <= len(text)


@settings(max_examples=200)
@given(st.binary(max_size=300))
def test_any_bytes_decode_and_parse(data):
    decoded = decode(data)
    if not decoded.binary and not decoded.lossy:
        assert decoded.encode(decoded.text) == data  # lossless decoding
    if decoded.lossy:  # damaged UTF-16 is said so
        assert any("damaged" in p.message for p in decoded.problems)
    lossless(decoded.text)


def test_damaged_utf16_is_reported_not_raised():
    decoded = decode(b"<\x00<<\x00\x00\x00\x00\x00\xd8")
    assert decoded.lossy and "damaged" in decoded.problems[0].message
    cut = decode(b"\x00<\x80")  # UTF-16BE told by its first character, an odd byte at the end
    assert cut.lossy and "damaged" in cut.problems[0].message and "\udc80" not in cut.text


# --- specific behaviour ----------------------------------------------------

def test_character_references_and_entities_in_keys():
    doc = parse_plist(plist("<key>com.apple.security.cs.allow&#45;jit</key><true/>\n<key>a&amp;b&#x41;</key><true/>\n"))
    assert [i.key.text for i in doc.root.items] == ["com.apple.security.cs.allow-jit", "a&bA"]
    assert doc.problems == []


def test_whitespace_in_keys_is_kept():
    doc = parse_plist(plist("<key> com.apple.security.app-sandbox</key><true/>\n"))
    assert doc.root.items[0].key.text == " com.apple.security.app-sandbox"


def test_cdata_and_comments_inside_strings():
    doc = parse_plist(plist("<key>k</key><string>a<!-- c -->b<![CDATA[<x>&amp;]]></string>\n"))
    assert to_python(doc.root) == {"k": "ab<x>&amp;"}


def test_bom_crlf_and_lone_cr():
    text = "\ufeff" + plist("<key>k</key>\r\n<string>a\r\nb\rc</string>\r\n")
    doc = parse_plist(text)
    assert doc.problems == []
    assert to_python(doc.root) == {"k": "a\nb\nc"}
    lossless(text)


def test_internal_subset_entities_are_reported_not_expanded():
    text = ('<?xml version="1.0"?>\n<!DOCTYPE plist [<!ENTITY boom "&#45;&#45;">]>\n'
            "<plist><dict><key>&boom;</key><true/></dict></plist>")
    doc = parse_plist(text)
    msgs = [p.message for p in doc.problems]
    assert any("entity declarations are not supported" in m for m in msgs)
    assert any("undefined entity &boom;" in m for m in msgs)
    assert doc.root.items[0].key.text == "&boom;"  # left as written


def test_external_entity_is_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    text = (f'<?xml version="1.0"?>\n<!DOCTYPE plist [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
            "<plist><dict><key>k</key><string>&xxe;</string></dict></plist>")
    doc = parse_plist(text)
    assert "TOP-SECRET" not in str(to_python(doc.root))
    assert any("entity" in p.message for p in doc.problems)


def test_deep_nesting_does_not_recurse():
    depth = 200_000
    text = '<plist><dict><key>k</key>' + "<array>" * depth + "</array>" * depth + "</dict></plist>"
    doc = parse_plist(text)
    assert doc.problems == []
    value = to_python(doc.root)
    assert isinstance(value["k"], list)
    unclosed = parse_plist("<plist>" + "<dict>" * depth)
    assert len(unclosed.problems) > 0
    lossless("<array>" * depth)


def test_large_file_parses():
    body = "".join(f"\t<key>com.example.key{i}</key>\n\t<string>{'x' * 60}</string>\n" for i in range(40_000))
    text = plist(body)
    assert len(text) > 3_000_000
    doc = parse_plist(text)
    assert len(doc.root.items) == 40_000 and doc.problems == []


def test_malformed_values():
    msgs = messages(plist("<key>a</key><integer>12x</integer>\n<key>b</key><data>!!!</data>\n"
                          "<key>c</key><real>fast</real>\n<key>d</key><date>yesterday</date>\n"))
    assert any("'12x', which is not an integer" in m for m in msgs)
    assert any("not base64 data" in m for m in msgs)
    assert any("not a real number" in m for m in msgs)
    assert any("not a date" in m for m in msgs)


def test_all_value_types():
    text = plist("<key>b</key><true/><key>f</key><false/><key>i</key><integer>0x10</integer>"
                 "<key>r</key><real>1.5</real><key>d</key><date>2020-01-02T03:04:05Z</date>"
                 "<key>x</key><data>aGk=</data><key>a</key><array><string>s</string></array>"
                 "<key>n</key><dict/>\n")
    assert to_python(parse_plist(text).root) == {
        "b": True, "f": False, "i": 16, "r": 1.5, "d": datetime.datetime(2020, 1, 2, 3, 4, 5),
        "x": b"hi", "a": ["s"], "n": {}}


def test_mismatched_tags_message_and_location():
    text = plist("<key>com.apple.security.app-sandbox</dict>\n")
    doc = parse_plist(text)
    p = next(p for p in doc.problems if "expected </key> before </dict>" in p.message)
    assert text[p.start:p.end] == "</dict>"


def test_half_typed_key_recovers():
    text = plist("<key>com.apple.security.ne\n<key>com.apple.security.app-sandbox</key>\n<true/>\n")
    doc = parse_plist(text)
    keys = [i.key.text for i in doc.root.items]
    assert keys == ["com.apple.security.ne\n", "com.apple.security.app-sandbox"]
    assert isinstance(doc.root.items[1].value, PScalar)


def test_structure_problems():
    assert any("has no value" in m for m in messages(plist("<key>a</key>\n")))
    assert any("has no <key> before it" in m for m in messages(plist("<true/>\n")))
    assert any("unknown element <bool>" in m for m in messages(plist("<key>a</key><bool/>\n")))
    assert any("expected <plist>" in m for m in messages("<dict></dict>"))
    assert any("empty" in m for m in messages(""))
    assert any("a second root element" in m for m in messages("<plist><dict/></plist><plist/>"))
    assert any("text outside the root" in m for m in messages("<plist><dict/></plist>junk"))


def test_element_at_finds_innermost():
    text = plist("<key>abc</key><array><string>x</string></array>\n")
    doc = parse_plist(text)
    inner = doc.xml.element_at(text.index("x</string>"))
    assert inner.name == "string"
    assert doc.xml.element_at(text.index("abc") + 1).name == "key"


def test_nested_values_keep_ranges():
    text = plist("<key>k</key>\n<array>\n<dict><key>inner</key><true/></dict>\n</array>\n")
    doc = parse_plist(text)
    arr = doc.root.items[0].value
    assert isinstance(arr, PArray) and isinstance(arr.items[0], PDict)
    assert text[arr.start:arr.end].startswith("<array>") and text[arr.start:arr.end].endswith("</array>")
