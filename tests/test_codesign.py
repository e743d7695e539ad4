"""codesign-parse and apple-strict-format: the strict reader that signing
uses (xnu's OSUnserializeXML, modelled in ent_ls/syntax/strict.py).

Each test states what that reader does with one construct, the line number
it prints, and that the safe fix gives a file plistlib reads the same and
the strict reader accepts."""

import plistlib
import re

import pytest
import pytest_lsp
from conftest import HEADER, analyze_text, plist, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsp_support import SERVER, accept_registrations, apply_text_edits, edits_of, encoding_of, init_params
from lsprotocol import types
from pytest_lsp import LanguageClient

from ent_ls.analysis.fixes import fix_document
from ent_ls.config import Settings
from ent_ls.document import Document
from ent_ls.features.formatting import format_document
from ent_ls.syntax.source import decode
from ent_ls.syntax.strict import DUPLICATE, END_OF_BUFFER, FORWARD, SYNTAX, check, first_error, rewrite, strtol

SANDBOX = "com.apple.security.app-sandbox"
JIT = "com.apple.security.cs.allow-jit"
GROUPS = "com.apple.security.application-groups"
# the header takes lines 1-4; the dict's first entry starts on line 5


def entry(key, value="<true/>"):
    return f"\t<key>{key}</key>\n\t{value}\n"


def codesign(text, path=None):
    return [d for d in analyze_text(text, path) if d.rule == "codesign-parse"]


def assert_fix_round_trips(text):
    """fix-all removes every codesign-parse finding; the result reads the same in plistlib."""
    only_this = Settings()
    only_this.select = ["codesign-parse"]  # other rules' fixes may change values (false-value removes entries)
    fixed, applied, remaining = fix_document(Document(text), settings=only_this)
    assert applied >= 1
    assert not [d for d in remaining if d.rule == "codesign-parse"], fixed.text
    assert check(fixed.text) == []
    value = plistlib.loads(fixed.text.encode("utf-8"))
    try:
        before = plistlib.loads(text.encode("utf-8"))
    except Exception:  # noqa: BLE001 - some inputs are not XML at all (a '--' in a comment)
        before = None
    if before is not None:
        assert value == before
    return fixed.text


def only(text):
    problems = check(text)
    assert len(problems) == 1, problems
    return problems[0]


# --- blanks and lines ---------------------------------------------------------------------------

def test_a_valid_file_passes():
    text = plist(entry(SANDBOX) + entry(GROUPS, "<array>\n\t\t<string>a &amp; b &lt;c&gt;</string>\n\t</array>")
                 + entry("n", "<integer>-12</integer>") + entry("h", "<integer>0x1f</integer>")
                 + entry("d", "<data>AAEC</data>") + entry("x", '<data format="hex">00ff</data>')
                 + entry("e", "<string/>") + entry("f", "<dict/>") + entry("g", "<array/>") + entry("s", "<set/>"))
    assert check(text) == [] and codesign(text) == []


def test_crlf_fails_on_line_one_at_the_first_carriage_return():
    text = plist(entry(SANDBOX)).replace("\n", "\r\n")
    p = only(text)
    assert (p.start, p.message, p.line) == (text.index("\r"), SYNTAX, 1)
    (d,) = codesign(text)
    assert d.message == ("codesign rejects this: AMFIUnserializeXML: syntax error near line 1 "
                         "(a carriage return: the file has Windows line ends)")
    fixed = assert_fix_round_trips(text)
    assert fixed == plist(entry(SANDBOX))


def test_lines_are_counted_by_lf_only():
    # old Mac line ends: an editor shows six lines, the parser is still on line 1
    text = plist(entry(SANDBOX)).replace("\n", "\r")
    assert only(text).line == 1
    # one CRLF on the sixth line: the error is on line 6
    text = plist(entry(SANDBOX, "<true/>\r"))
    p = only(text)
    assert p.line == 6 and text[p.start] == "\r"
    assert assert_fix_round_trips(text) == plist(entry(SANDBOX))


def test_byte_order_mark():
    data = b"\xef\xbb\xbf" + plist(entry(SANDBOX)).encode()
    decoded = decode(data)
    text = decoded.text
    p = only(text)
    assert (p.start, p.end, p.line, p.code) == (0, 1, 1, "bom")
    fixed = assert_fix_round_trips(text)
    assert decoded.encode(fixed) == plist(entry(SANDBOX)).encode()


def test_leading_whitespace_is_read_and_counted():
    # space, tab and LF before the declaration are blanks to this reader (XML readers
    # object, which xml-syntax reports); the lines still count for later errors
    body = plist(entry(SANDBOX))
    assert check("\n\n  \t" + body) == []
    p = only("\n\n" + plist(entry(SANDBOX, "<real>1</real>")))
    assert p.line == 8
    # leading white space with a carriage return (a Windows checkout) fails on line 1
    assert only("\r\n" + body).line == 1
    # a non-breaking space is not a blank
    assert only("\u00a0" + body).reason == "a non-breaking space"


# --- comments, declarations, CDATA ------------------------------------------------------------------

def test_comments_are_read_but_not_double_dashes():
    ok = plist("\t<!-- a comment - with a dash -->\n" + entry(SANDBOX))
    assert check(ok) == []
    text = plist("\t<!-- requires codesign --options runtime -->\n" + entry(JIT))
    p = only(text)
    assert (p.line, text[p.start:p.end], p.code) == (5, "--", "comment-dashes")
    assert text.index("--options") == p.start
    fixed = assert_fix_round_trips(text)
    assert "<!-- requires codesign - -options runtime -->" in fixed


def test_comment_lines_are_counted():
    text = plist("\t<!--\n\t\tline two\n\t\tline three\n\t-->\n" + entry(SANDBOX, "<date>2020-01-01T00:00:00Z</date>"))
    assert only(text).line == 10


def test_cdata_fails():
    text = plist(entry(GROUPS, "<array>\n\t\t<string><![CDATA[T3AM.<group> & more]]></string>\n\t</array>"))
    p = only(text)
    assert (p.line, p.code, text[p.start:p.end]) == (7, "cdata", "<![CDATA[")
    fixed = assert_fix_round_trips(text)
    assert "<string>T3AM.&lt;group&gt; &amp; more</string>" in fixed


def test_doctype_with_an_internal_subset_fails():
    text = HEADER.replace('1.0.dtd">', '1.0.dtd" [ <!ENTITY x "y"> ]>') + entry(SANDBOX) + "</dict>\n</plist>\n"
    p = check(text)[0]
    assert p.code == "doctype" and p.line == 2


# --- references ----------------------------------------------------------------------------------

@pytest.mark.parametrize("ref,char", [("&quot;", '"'), ("&apos;", "'"), ("&#46;", "."), ("&#x2E;", "."),
                                      ("&#60;", "&lt;"), ("&#38;", "&amp;"), ("&#233;", "\u00e9")])
def test_only_three_references_are_read(ref, char):
    text = plist(entry("com.apple.security.temporary-exception.sbpl", f"<string>(allow {ref}x{ref})</string>"))
    problems = check(text)
    assert [(p.code, p.line, text[p.start:p.end]) for p in problems] == [("entity", 6, ref), ("entity", 6, ref)]
    fixed = assert_fix_round_trips(text)
    assert f"<string>(allow {char}x{char})</string>" in fixed


def test_a_reference_error_is_reported_on_the_line_where_the_string_ends():
    # the reader reads the whole text up to '<' before decoding it
    text = plist(entry("k", "<string>one &quot;\ntwo\nthree</string>"))
    p = only(text)
    assert p.line == 8 and text[p.start:p.end] == "&quot;"
    assert text.count("\n", 0, p.start) + 1 == 6  # where an editor shows it


def test_a_carriage_return_reference_has_no_safe_fix():
    # written out, XML readers would read it as LF
    text = plist(entry("k", "<string>a&#13;b</string>"))
    assert only(text).edits == []
    (d,) = codesign(text)
    assert d.fixes == []


# --- element names and forms ----------------------------------------------------------------------

@pytest.mark.parametrize("value", ["<real>1.5</real>", "<date>2024-01-01T00:00:00Z</date>", "<True/>", "<bool/>"])
def test_unknown_types_fail(value):
    text = plist(entry("k", value))
    p = only(text)
    assert p.line == 6 and p.start == text.index(value) and p.edits == []


@pytest.mark.parametrize("value", ["<true></true>", "<false></false>", "<true>\n\t</true>", "<true />",
                                   "<false\t/>"])
def test_booleans_only_as_empty_tags(value):
    text = plist(entry(SANDBOX, value))
    p = only(text)
    assert p.line == 6
    fixed = assert_fix_round_trips(text)
    assert fixed == plist(entry(SANDBOX, "<true/>" if "true" in value else "<false/>"))


def test_empty_key_fails_and_empty_string_does_not():
    text = plist("\t<key/>\n\t<string/>\n")
    p = only(text)
    assert (p.line, p.code) == (5, "empty-key")
    assert assert_fix_round_trips(text) == plist("\t<key></key>\n\t<string/>\n")


def test_tag_names_and_attribute_values_under_31_characters():
    name30, name31 = "a" * 30, "a" * 31
    assert only(plist(entry("k", f"<{name30}/>"))).code == "unknown"  # long enough to be read, then unknown
    assert only(plist(entry("k", f"<{name31}/>"))).code == "long-name"
    assert check(plist(entry("k", f'<string ID="{"1" * 30}">x</string>'))) == []
    assert only(plist(entry("k", f'<string ID="{"1" * 31}">x</string>'))).code == "long-value"
    assert only(plist(entry("k", f'<string {"b" * 31}="1">x</string>'))).code == "long-name"
    # the Apple DTD's xmlns-style attributes do not fit either
    assert only(HEADER.replace('<plist version="1.0">', '<plist xmlns:x="y">') + "</dict>\n</plist>\n").line == 3


def test_white_space_inside_tags():
    text = HEADER.replace('<plist version="1.0">', '<plist\n  version="1.0" >') + entry(SANDBOX, "<true/>") \
        + "</dict >\n</plist>\n"
    problems = check(text)
    assert [(p.code, p.line) for p in problems] == [("tag-space", 3), ("tag-space", 7)]
    # a newline inside a tag is never counted: the second error is "line 7", on the editor's line 8
    assert text.count("\n", 0, problems[1].start) + 1 == 8
    assert assert_fix_round_trips(text) == plist(entry(SANDBOX))
    single = plist("\t<key>k</key>\n\t<data format='base64'>AA==</data>\n")
    assert only(single).code == "quote"
    assert '<data format="base64">' in assert_fix_round_trips(single)


def test_hex_data_takes_lowercase_digits():
    assert check(plist(entry("k", '<data format="hex">\n\t\t00ff\n</data>'))) == []
    text = plist(entry("k", '<data format="hex">00FF</data>'))
    p = only(text)
    assert text[p.start] == "F" and p.line == 6 and p.edits == []


@pytest.mark.parametrize("value,fixed", [("<integer> 5</integer>", "<integer>5</integer>"),
                                         ("<integer>+5</integer>", "<integer>5</integer>"),
                                         ("<integer>0x1F</integer>", "<integer>0x1f</integer>"),
                                         ("<integer>0X1f</integer>", "<integer>0x1f</integer>")])
def test_integers(value, fixed):
    text = plist(entry("k", value))
    assert only(text).line == 6
    assert assert_fix_round_trips(text) == plist(entry("k", fixed))
    assert only(plist(entry("k", "<integer>1.5</integer>"))).edits == []


# --- ID and IDREF ------------------------------------------------------------------------------------

def test_id_and_idref():
    text = plist(entry("a", '<string ID="1">x</string>') + entry("b", '<string IDREF="1"/>'))
    assert check(text) == []
    text = plist(entry("a", '<string ID="1">x</string>') + entry("b", '<string IDREF="2"/>'))
    p = only(text)
    assert (p.message, p.line) == (FORWARD, 8)
    text = plist(entry("a", '<string IDX="1">x</string>'))
    assert only(text).code == "id"
    text = plist(entry("a", '<string IDREF="1">x</string>'))
    assert only(text).code == "idref"
    assert (strtol("0x10"), strtol("010"), strtol(" -3z"), strtol("abc"), strtol("4294967295")) == (16, 8, -3, 0, -1)


# --- structure ----------------------------------------------------------------------------------------

def test_duplicate_keys_are_reported_on_the_line_where_the_value_ends():
    text = plist(entry(SANDBOX) + entry(JIT) + entry(SANDBOX, "<false/>"))
    p = only(text)
    assert p.message == DUPLICATE and p.line == 10
    assert p.start == text.rindex(f"<key>{SANDBOX}")
    assert codesign(text)[0].message.startswith(
        "codesign rejects this: AMFIUnserializeXML: duplicate dictionary key near line 10")
    nested = plist(entry("d", "<dict>\n\t\t<key>x</key>\n\t\t<true/>\n\t\t<key>x</key>\n\t\t<array>\n\t\t</array>\n\t</dict>"))
    assert only(nested).line == 11
    # the same key in two different dicts is fine
    assert check(plist(entry("x") + entry("d", "<dict><key>x</key><true/></dict>"))) == []


def test_plist_tags_are_skipped_and_nothing_after_the_value_is_read():
    text = "<plist><plist/><dict><key>a</key><true/></dict>\r\nanything at all <real/>"
    assert check(text) == []
    assert only("<plist></plist>").message == END_OF_BUFFER
    assert only("").message == END_OF_BUFFER


def test_structure_errors():
    p = only(plist("\t<key>a</key>\n\t<key>b</key>\n\t<true/>\n"))
    assert p.line == 6 and p.code == "structure"
    p = only(plist("\t<string>a</string>\n"))
    assert p.line == 5
    p = only(plist("\t<key>a</key>\n\t<array>\n\t</dict>\n").replace("</dict>\n</plist>\n", ""))
    assert p.line == 7
    text = plist(entry(SANDBOX)).replace("</dict>\n</plist>\n", "")
    assert only(text).line == 7  # the end of the file
    p = only(plist("\t<key>a</key>\n\t<string>x<!-- note --></string>\n"))
    assert p.code == "inner-markup"


def test_markup_inside_a_value_is_removed_and_markup_after_it_kept():
    text = plist(entry("d", "<data><!-- inside -->AA==</data><!-- after -->")
                 + entry("s", "<string>a<!-- x -->b</string>"))
    problems = check(text)
    assert [(p.code, text[p.start:p.end]) for p in problems] == [
        ("inner-markup", "<!-- inside -->"), ("inner-markup", "<!-- x -->")]
    fixed = assert_fix_round_trips(text)
    assert "<data>AA==</data><!-- after -->" in fixed and "<string>ab</string>" in fixed


def test_every_problem_is_reported_not_only_the_first():
    text = "\ufeff" + plist(entry(SANDBOX, "<true></true>") + entry("k", "<string>&quot;</string>")
                             + entry("r", "<real>1</real>")).replace("\n", "\r\n")
    problems = check(text)
    assert [p.code for p in problems] == ["bom", "cr", "boolean", "entity", "unknown"]
    assert [p.line for p in problems] == [1, 1, 6, 8, 10]
    assert repr(first_error(text)) == repr(problems[0])
    out, left = rewrite(text)
    assert [p.code for p in left] == ["unknown"]
    assert "\r" not in out and not out.startswith("\ufeff")


def test_a_hostile_file_gets_a_bounded_list():
    from ent_ls.syntax.strict import MAX_PROBLEMS
    for text in ("<" * 100_000, "<dict>" + "<key>a</key><true/>" * 5_000, "<dict>" + "<!-- -- -->" * 5_000):
        problems = check(text)
        assert len(problems) == MAX_PROBLEMS
        assert all(0 <= p.start <= p.end <= len(text) for p in problems)


def test_binary_plists_are_rejected():
    data = plistlib.dumps({SANDBOX: True}, fmt=plistlib.FMT_BINARY)
    decoded = decode(data)
    diags = [d for d in analyze_text_binary(decoded) if d.rule == "codesign-parse"]
    assert len(diags) == 1 and "near line 1 (a binary plist" in diags[0].message


def analyze_text_binary(decoded):
    from ent_ls.analysis import analyze
    return analyze(Document(decoded.text, None, decoded.binary, decoded.problems))


# --- fix-all: CLI and server -------------------------------------------------------------------------

MIXED = ("\ufeff" + plist(entry(SANDBOX, "<true></true>") + entry(GROUPS, "<array>\n\t\t<string>group.&quot;T3AM&quot;.a"
                                                                           "</string>\n\t\t<string>group.<![CDATA[<b>]]>"
                                                                           "</string>\n\t</array>")
                          + entry(JIT, "<true />"))).replace("\n", "\r\n")
MIXED_FIXED = plist(entry(SANDBOX) + entry(GROUPS, "<array>\n\t\t<string>group.\"T3AM\".a</string>\n\t\t"
                                                   "<string>group.&lt;b&gt;</string>\n\t</array>") + entry(JIT))


def test_cli_fix_applies_every_codesign_fix_together(tmp_path):
    p = tmp_path / "App.entitlements"
    p.write_bytes(MIXED.encode("utf-8"))
    r = run_cli("check", "--fix", str(p))
    assert p.read_bytes() == MIXED_FIXED.encode("utf-8"), r.stdout
    assert plistlib.loads(p.read_bytes()) == plistlib.loads(MIXED.encode("utf-8"))
    r = run_cli("check", "--format", "json", str(p))
    assert b"codesign-parse" not in r.stdout


def test_cli_reports_the_parser_line(tmp_path):
    p = tmp_path / "App.entitlements"
    p.write_text(plist("\t<!-- sign with --options runtime -->\n" + entry(JIT)))
    r = run_cli("check", str(p))
    out = r.stdout.decode()
    assert r.returncode == 1
    assert "5:" in out and "AMFIUnserializeXML: syntax error near line 5 ('--' inside a comment)" in out


@pytest_lsp.fixture(config=SERVER, params=["visual_studio_code"])
async def client(lsp_client: LanguageClient, request):
    accept_registrations(lsp_client)
    result = await lsp_client.initialize_session(init_params(request.param))
    lsp_client.encoding = encoding_of(result)
    yield
    await lsp_client.shutdown_session()


async def test_server_fix_all_applies_codesign_fixes(client: LanguageClient):
    uri = "file:///work/Codesign.entitlements"
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="entitlements", version=1, text=MIXED)))
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)),
        context=types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.SourceFixAll])))
    (action,) = actions
    assert action.kind == "source.fixAll.ent-ls"
    if action.edit is None:
        action = await client.code_action_resolve_async(action)
    assert apply_text_edits(MIXED, edits_of(action.edit, uri), client.encoding) == MIXED_FIXED


# --- the formatter ---------------------------------------------------------------------------------

def test_formatter_writes_what_the_strict_reader_accepts():
    out = format_document(Document(MIXED))
    assert out == MIXED_FIXED
    assert format_document(Document(plist(entry("r", "<real>1</real>")))) is None
    assert format_document(Document(plist(entry("a") + entry("a")))) is None


text_chars = st.characters(blacklist_categories=("Cs", "Cc", "Cn"))
plain_values = st.recursive(
    st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(text_chars, max_size=12) | st.binary(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(text_chars, max_size=8), inner, max_size=3),
    max_leaves=12)
any_values = st.recursive(
    st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(text_chars, max_size=12) | st.floats(allow_nan=False)
    | st.binary(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(text_chars, max_size=8), inner, max_size=3),
    max_leaves=12)
def in_text(t, change):
    """t with change applied to the text of every key and string."""
    return re.sub(r"<(key|string)>([^<]*)</(key|string)>", lambda m: f"<{m[1]}>{change(m[2])}</{m[3]}>", t)


MANGLES = [
    lambda t: t.replace("\n", "\r\n"),
    lambda t: "\ufeff" + t,
    lambda t: t.replace("<true/>", "<true></true>"),
    lambda t: t.replace("<false/>", "<false />"),
    lambda t: in_text(t, lambda s: s.replace('"', "&quot;").replace("'", "&apos;")),
    lambda t: in_text(t, lambda s: s.replace(".", "&#46;").replace(",", "&#x2C;")),
    lambda t: t.replace("<string>", "<string><![CDATA[]]>"),
    lambda t: t.replace("<dict>", "<dict>\n<!-- a comment -->", 1),
    lambda t: t.replace("<integer>", "<integer> ").replace("</integer>", " </integer>"),
    lambda t: t.replace("<data>", "<data><!-- inside -->").replace("</data>", "</data><!-- after -->"),
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.text(text_chars, max_size=10), plain_values, max_size=5),
       st.lists(st.sampled_from(range(len(MANGLES))), max_size=5, unique=True))
def test_formatter_output_has_no_codesign_finding(value, mangles):
    text = plistlib.dumps(value, sort_keys=False).decode("utf-8")
    for i in sorted(mangles):
        text = MANGLES[i](text)
    out = format_document(Document(text))
    # every mangling here has a safe rewrite, so the formatter must produce something
    assert out is not None, text
    assert check(out) == [] and codesign(out) == [], out
    assert plistlib.loads(out.encode("utf-8")) == value


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.text(text_chars, max_size=10), any_values, max_size=5), st.booleans())
def test_whatever_the_formatter_writes_the_strict_reader_accepts(value, crlf):
    text = plistlib.dumps(value, sort_keys=False).decode("utf-8")
    if crlf:
        text = text.replace("\n", "\r\n")
    out = format_document(Document(text))
    if out is not None:
        assert codesign(out) == [], out


def test_formatter_on_the_corpus_writes_only_accepted_files(corpus_files):
    written = 0
    for path in corpus_files:
        decoded = decode(path.read_bytes())
        out = format_document(Document(decoded.text, str(path), decoded.binary, decoded.problems))
        if out is not None:
            assert check(out) == [], path.name
            written += 1
    assert written > 150


# --- the corpus ------------------------------------------------------------------------------------

def test_corpus_shapes_match_the_manifest(corpus_files):
    """Files the manifest marks as having a BOM or CRLF line ends fail on line 1;
    files with comments pass unless a comment holds '--'."""
    notes = {}
    manifest = corpus_files[0].parent / "MANIFEST.tsv"
    for line in manifest.read_text(encoding="utf-8").splitlines()[1:]:
        cols = line.split("\t")
        notes[cols[0]] = cols[-1]
    boms = crlfs = commented = 0
    for path in corpus_files:
        decoded = decode(path.read_bytes())
        if decoded.binary:
            continue
        problems = check(decoded.text)
        note = notes.get(path.name, "")
        codes = [p.code for p in problems]
        if "UTF-8 BOM" in note:
            boms += 1
            assert problems[0].code == "bom" and problems[0].line == 1, path.name
        if "CRLF" in note:
            crlfs += 1
            assert "cr" in codes and problems[codes.index("cr")].line == 1, path.name
        if "XML comments" in note and "--" not in decoded.text.replace("<!--", "").replace("-->", ""):
            commented += 1
            assert not any(c.startswith("comment") for c in codes), path.name
        if problems:  # whatever it rejects, every safe fix leaves a file plistlib reads the same
            fixed, _, _ = fix_document(Document(decoded.text, str(path)))
            if all(p.edits for p in problems):
                assert check(fixed.text) == [], path.name
    assert boms >= 10 and crlfs >= 5 and commented >= 30


# --- apple-strict-format (opt-in) ---------------------------------------------------------------------

COMMENTED = plist("\t<!-- why we need the JIT -->\n" + entry(JIT) + f"\t<!-- ent-ls: disable-next-line false-value -->\n"
                  + entry(SANDBOX, "<false/>"))


def test_apple_strict_format_is_off_by_default():
    assert "apple-strict-format" not in [d.rule for d in analyze_text(COMMENTED)]


def test_apple_strict_format_reports_every_comment_when_turned_on():
    for options in ({"select": ["apple-strict-format"]}, {"select": ["ALL"]},
                    {"severity": {"apple-strict-format": "warning"}}):
        diags = [d for d in analyze_text(COMMENTED, **options) if d.rule == "apple-strict-format"]
        assert [COMMENTED[d.start:d.end] for d in diags] == [
            "<!-- why we need the JIT -->", "<!-- ent-ls: disable-next-line false-value -->"]
        assert all(not f.safe for d in diags for f in d.fixes)
    s = Settings()
    s.severity = {"apple-strict-format": "off"}
    assert "apple-strict-format" not in [d.rule for d in analyze_text(COMMENTED, severity=s.severity)]
    # the comments are legal to the strict reader
    assert codesign(COMMENTED) == []


def test_apple_strict_format_from_the_config_file(tmp_path):
    p = tmp_path / "App.entitlements"
    p.write_text(COMMENTED)
    r = run_cli("check", "--format", "json", str(p))
    assert b"apple-strict-format" not in r.stdout
    (tmp_path / ".ent-ls.toml").write_text('ignore = ["false-value"]\nseverity = { "apple-strict-format" = "hint" }\n')
    r = run_cli("check", "--format", "json", str(p))
    assert r.stdout.count(b'"apple-strict-format"') == 2
    r = run_cli("check", "--select", "apple-strict-format", "--format", "json", str(p))
    assert r.stdout.count(b'"apple-strict-format"') == 2
