"""Rules about the file itself: XML, plist structure, duplicate keys."""

from __future__ import annotations

import re
from typing import Iterator, List, Optional

from ent_ls.analysis.edits import remove_item
from ent_ls.analysis.engine import UNNECESSARY, Edit, Finding, Fix, rule
from ent_ls.syntax import PDict, PUnknown, to_python
from ent_ls.syntax.xml import DOCTYPE


@rule(
    "xml-syntax", "error", "The file is not well-formed XML.",
    doc="""
A property list is XML first. Unclosed or mismatched tags, a bare `&`, an
undefined entity or text after the root element mean `codesign` and Xcode
cannot read the file, and the build fails or, worse, signs without the
entitlements. ent-ls keeps reading past the error, so the rest of the file is
still checked. Entities declared in a DTD are never expanded and external
entities are never fetched.""",
    example="""
<dict>
    <key>com.apple.security.app-sandbox</key>
    <true/>
</plist>""",
    fixed="""
<dict>
    <key>com.apple.security.app-sandbox</key>
    <true/>
</dict>
</plist>""",
)
def xml_syntax(ctx) -> Iterator[Finding]:
    for p in ctx.doc.decode_problems:
        yield Finding(p.start, p.end, p.message)
    if ctx.doc.binary and ctx.doc.decode_problems:
        return  # an unreadable binary plist: the text is empty, say nothing more
    for p in ctx.doc.plist.problems:
        if p.kind in ("xml", "encoding"):
            yield Finding(p.start, p.end, p.message)
    dropped = ctx.doc.plist.xml.dropped
    if dropped:
        yield Finding(0, 0, f"{dropped} more syntax problems were not listed")


@rule(
    "plist-structure", "error", "The XML is not an entitlements property list.",
    doc="""
An entitlements file is a `<plist>` holding one `<dict>` whose items are
`<key>` elements each followed by exactly one value. A key with no value, a
value with no key, an element that is not a plist type (`<bool>`, `<str>`),
or a malformed `<integer>`, `<real>`, `<date>` or `<data>` makes the file
unreadable to the signing tools or silently drops an entitlement.""",
    example="""
<dict>
    <key>com.apple.security.app-sandbox</key>
    <key>com.apple.security.network.client</key>
    <true/>
</dict>""",
    fixed="""
<dict>
    <key>com.apple.security.app-sandbox</key>
    <true/>
    <key>com.apple.security.network.client</key>
    <true/>
</dict>""",
)
def plist_structure(ctx) -> Iterator[Finding]:
    doc = ctx.doc
    for p in doc.plist.problems:
        if p.kind == "plist":
            yield Finding(p.start, p.end, p.message)
    root = doc.plist.root
    if root is not None and not isinstance(root, (PDict, PUnknown)):
        yield Finding(root.start, root.elem.start_tag.end,
                      f"the top-level value is <{root.tag}>: entitlements are a <dict> of keys")


STANDARD_DOCTYPE = ('<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" '
                    '"http://www.apple.com/DTDs/PropertyList-1.0.dtd">')
_LITERAL = r"(?:\"([^\"]*)\"|'([^']*)')"
_DOCTYPE = re.compile(r"<!DOCTYPE\s+\S+\s+(?:PUBLIC\s+" + _LITERAL + r"(?:\s+" + _LITERAL + r")?|SYSTEM\s+"
                      + _LITERAL + r")\s*(\[|>)")
_PUBID = re.compile(r"[ \r\na-zA-Z0-9\-'()+,./:=?;!*#@$_%]*\Z")
_SYSTEM_ID = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$|^[^\s:]+\.dtd$")


@rule(
    "doctype", "warning", "The DOCTYPE's public or system identifier is broken.",
    doc="""
Apple's tools write one DOCTYPE, naming Apple's public identifier and the
DTD's web address. Files edited by hand or pasted from a web page sometimes
carry a broken one: `...` or an ellipsis character where the address
belongs, typographic quotes, or a public identifier without the system
identifier that XML requires after it. CoreFoundation's property-list
parser, which `codesign` and Xcode use, skips over the DOCTYPE without
reading it, so Apple's tools accept such a file and this is a warning, not
an error. Python's `plistlib` and other strict XML readers (build scripts,
CI checks, other linters) reject a public identifier with characters XML
does not allow there, or one with no system identifier; a system
identifier that is not an address is accepted by them but points nowhere.
The fix writes Apple's standard DOCTYPE.""",
    example="""
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "…">
<plist version="1.0">
<dict>
    <key>com.apple.security.app-sandbox</key>
    <true/>
</dict>
</plist>""",
    fixed="""
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
    <key>com.apple.security.app-sandbox</key>
    <true/>
</dict>
</plist>""",
)
def doctype(ctx) -> Iterator[Finding]:
    for tok in ctx.doc.plist.xml.tokens:
        if tok.kind != DOCTYPE:
            continue
        raw = ctx.text[tok.start:tok.end]
        problem = _doctype_problem(raw)
        if problem is None:
            continue
        fixes = []
        if "[" not in raw and raw.endswith(">"):
            fixes.append(Fix("Write Apple's standard DOCTYPE", [Edit(tok.start, tok.end, STANDARD_DOCTYPE)],
                             safe=True, preferred=True))
        yield Finding(tok.start, tok.end, problem + ": write Apple's standard DOCTYPE", fixes)


def _doctype_problem(raw: str) -> Optional[str]:
    m = _DOCTYPE.match(raw)
    if m is None:
        if re.match(r"<!DOCTYPE\s+\S+\s*(\[|>)", raw):
            return None  # no external identifier at all: nothing to be wrong
        return "the DOCTYPE's identifiers are not quoted as XML requires"
    public = m.group(1) if m.group(1) is not None else m.group(2)
    system = next((g for g in m.groups()[2:6] if g is not None), None)
    if public is not None and not _PUBID.match(public):
        return f"the DOCTYPE's public identifier {public!r} has characters XML does not allow there"
    if public is not None and system is None:
        return "the DOCTYPE names a public identifier but no system identifier"
    if system is not None and not _SYSTEM_ID.match(system):
        return f"the DOCTYPE's system identifier {system!r} is not the DTD's address"
    return None


@rule(
    "duplicate-key", "error", "A key appears more than once in the same dict.",
    full="duplicate key: it already appears earlier in this dict, with the same value or with a different value (readers use the last one).",
    doc="""
Only one of the two entries takes effect (readers keep the last), so the
first is dead text that a reviewer will misread, and some signing tools
reject the file outright. Remove one of them.""",
    example="""
<key>com.apple.security.network.client</key>
<false/>
<key>com.apple.security.network.client</key>
<true/>""",
    fixed="""
<key>com.apple.security.network.client</key>
<true/>""",
)
def duplicate_key(ctx) -> Iterator[Finding]:
    tree = ctx.doc.plist
    # every dict in the document, without recursion
    stack = [tree.root] if tree.root is not None else []
    while stack:
        node = stack.pop()
        items = getattr(node, "items", None)
        if items is None:
            continue
        if isinstance(node, PDict):
            first = {}
            for item in items:
                if item.key is None:
                    continue
                prev = first.get(item.key.text)
                if prev is None:
                    first[item.key.text] = item
                else:
                    yield _duplicate(tree, prev, item)
            stack.extend(i.value for i in items if i.value is not None)
        else:
            stack.extend(items)


def _duplicate(tree, first, second) -> Finding:
    key = second.key
    a, b = first.value, second.value
    # equal text is an equal value, without building either
    text = tree.text
    same = a is not None and ((b is not None and text[a.start:a.end] == text[b.start:b.end])
                              or to_python(a) == to_python(b))

    def fixes() -> List[Fix]:  # made only when asked for: a big file may have thousands of duplicates
        # From the tree as it is when asked: an edit elsewhere moves the
        # tree in place, and the finding with it (analysis.reuse).
        text = tree.text
        made = [
            Fix("Remove this duplicate entry", [remove_item(text, second)], safe=same),
            Fix("Remove the earlier entry", [remove_item(text, first)], safe=same),
        ]
        if not same:
            made.reverse()  # the last entry is the one readers use: keep it
        made[0].preferred = True
        return made

    fixes.live = True  # type: ignore[attr-defined]

    effect = "the same value: remove one" if same else "a different value: readers use the last one"
    return Finding(
        key.text_start, key.text_end,
        f"duplicate key, with {effect}",
        fixes,
        [UNNECESSARY] if same else [],
        [(first.key.text_start, first.key.text_end, f"first {key.text!r} is here")],
    )
