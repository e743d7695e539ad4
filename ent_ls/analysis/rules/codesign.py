"""Rules about the reader signing uses: codesign-parse, apple-strict-format."""

from __future__ import annotations

from typing import Iterator

from ent_ls.analysis.edits import remove_span
from ent_ls.analysis.engine import Edit, Finding, Fix, rule
from ent_ls.syntax.strict import DUPLICATE, END_OF_BUFFER, FORWARD, SYNTAX
from ent_ls.syntax.xml import COMMENT

NOTARIZATION_URL = "https://developer.apple.com/documentation/security/resolving-common-notarization-issues"
_WHAT = {
    SYNTAX: "syntax error",
    DUPLICATE: "duplicate dictionary key",
    END_OF_BUFFER: "unexpected end of buffer",
    FORWARD: "forward reference",
}
_FIX_TITLES = {
    "cr": "Write the whole file with LF line ends",
    "bom": "Remove the byte-order mark",
    "entity": "Write the character itself",
    "cdata": "Write the CDATA section as escaped text",
    "boolean": "Write it as an empty tag",
    "empty-key": "Write <key></key>",
    "comment-dashes": "Separate the dashes in the comment",
    "integer": "Write the integer as the strict reader wants it",
    "tag-space": "Write the tag without the extra white space",
    "quote": "Use double quotes",
    "space": "Remove the character",
    "inner-markup": "Remove it from the text",
}


def message(p) -> str:
    # "AMFIUnserializeXML: syntax error near line N" is what codesign prints: keep it searchable
    what = _WHAT.get(p.message, p.message)
    return f"codesign rejects this: AMFIUnserializeXML: {what} near line {p.line} ({p.reason})"


@rule(
    "codesign-parse", "error", "codesign's strict property-list reader rejects the file.",
    layout=True,
    doc=f"""
`codesign` and the kernel do not read entitlements with an XML parser. They
use a small reader of their own (`OSUnserializeXML` in xnu, which prints
`AMFIUnserializeXML: syntax error near line N`), much stricter than
`plutil -lint`, Xcode or Python's `plistlib`. A file all of those accept can
still fail to sign, or sign and then be refused at launch. ent-ls follows
that reader step by step and reports, at the place it fails, what it would
reject, with the line number it would print:

- a carriage return between tags (a file checked out with Windows line
  ends) or a byte-order mark: only space, tab and LF count as blanks;
- `--` inside a comment (`--options runtime`), or a CDATA section;
- references other than `&lt;`, `&gt;` and `&amp;` (`&quot;`, `&apos;`,
  `&#46;`) in a key or string;
- elements other than plist, dict, array, set, key, string, data, integer,
  true and false (so `<real>` and `<date>` fail), `<true></true>` instead of
  `<true/>`, `<key/>`, white space before `>` or a line break inside a tag,
  single quotes, tag names, attribute names or values of 31 characters or
  more, integers with spaces or uppercase hex, `format="hex"` data with
  uppercase digits, attributes starting with `ID` other than `ID` and
  `IDREF`, and an `IDREF` that names no earlier `ID`;
- the same key twice in one dict.

The reader counts lines by LF alone and stops at the first error, so its
line number can differ from the editor's; each problem after the first is
reported with the number the reader prints once the earlier ones are gone.
Where a rewrite reads the same everywhere there is a safe fix (`ent-ls
check --fix` and the editor's fix-all apply them): LF line ends for the whole
file, no byte-order mark, the character instead of its reference, CDATA as
escaped text, `<true/>` for `<true></true>`, tidy tags. Apple asks for
plain XML entitlements with no byte-order mark in
[Resolving common notarization issues]({NOTARIZATION_URL}).""",
    example="""
<dict>
    <!-- signed with --options runtime -->
    <key>com.apple.security.cs.allow-jit</key>
    <true></true>
</dict>""",
    fixed="""
<dict>
    <!-- signed with - -options runtime -->
    <key>com.apple.security.cs.allow-jit</key>
    <true/>
</dict>""",
)
def codesign_parse(ctx) -> Iterator[Finding]:
    doc = ctx.doc
    # Text read out of a signature is XML the kernel parses at launch: check it
    # as such. Only a binary plist file itself is refused outright.
    if doc.binary and doc.signed is None:
        if not doc.decode_problems:
            yield Finding(0, 0, "codesign rejects this: AMFIUnserializeXML: syntax error near line 1 "
                          "(a binary plist: plutil -convert xml1 it)")
        return
    for p in doc.strict_problems():
        fixes = []
        if p.edits:
            title = _FIX_TITLES.get(p.code, "Rewrite it the way the strict reader reads it")
            fixes = [Fix(title, [Edit(s, e, new) for s, e, new in p.edits], safe=True, preferred=True)]
        yield Finding(p.start, p.end, message(p), fixes)


@rule(
    "apple-strict-format", "warning", "A comment in the file (Apple asks for entitlements without comments).",
    opt_in=True, layout=True,
    doc=f"""
Off unless turned on: add it to `select` (or give it a severity, for
example `severity = {{ "apple-strict-format" = "warning" }}` under
`[tool.ent-ls]`). Apple's advice for files passed to `codesign` is plain XML
with LF line ends, no byte-order mark and nothing extra
([Resolving common notarization issues]({NOTARIZATION_URL})). Comments
without `--` are legal to the strict reader, so `codesign-parse` leaves them
alone; this rule is for teams that follow the advice to the letter and want
no comment at all. That includes ent-ls's own `<!-- ent-ls: ... -->`
suppression comments: such teams silence rules in the configuration file
instead, with `ignore = ["rule-id"]` or `severity = {{ "rule-id" = "off" }}`
under `[tool.ent-ls]` in `pyproject.toml` or `.ent-ls.toml` next to the
files (the nearest one applies, so one folder can have its own).""",
    example="""
<dict>
    <!-- needed for the JIT -->
    <key>com.apple.security.cs.allow-jit</key>
    <true/>
</dict>""",
    fixed="""
<dict>
    <key>com.apple.security.cs.allow-jit</key>
    <true/>
</dict>""",
)
def apple_strict_format(ctx) -> Iterator[Finding]:
    text = ctx.doc.text
    for tok in ctx.doc.plist.tokens:
        if tok.kind != COMMENT:
            continue
        # removing a comment changes nothing the app does, but it may drop a
        # note someone meant to keep or an ent-ls suppression: not applied by fix-all
        fix = Fix("Remove the comment", [remove_span(text, tok.start, tok.end)], safe=False)
        yield Finding(tok.start, tok.end, "a comment: Apple asks for entitlements without comments", [fix])
