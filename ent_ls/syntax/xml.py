"""A tolerant, lossless XML scanner and tree builder.

Why hand-written: the language server needs a tree for every keystroke of a
half-typed file, with exact offsets and a token for every character, and must
never expand entities or read external files. A regex-driven scanner gives all
of that in linear time, with no native dependency, on Python 3.9.

The tokens cover the text end to end (lossless). The tree is built with an
explicit stack, so nesting depth is limited only by memory.
"""

from __future__ import annotations

import re
import weakref
from typing import Iterable, List, Optional, Sequence, Union

# Token kinds.
TEXT = "text"
COMMENT = "comment"
CDATA = "cdata"
PI = "pi"
DOCTYPE = "doctype"
DECL = "decl"  # any other <!...> markup declaration
START = "start"  # <name ...> or <name .../>
END = "end"  # </name>
BOM = "bom"

# Every alternative is bounded by the next "<" or by its own terminator, so a
# hostile file full of unterminated constructs still scans in linear time.
_TOKEN = re.compile(
    r"""
      (?P<text>[^<]+)
    | (?P<comment><!--.*?(?:-->|\Z))
    | (?P<cdata><!\[CDATA\[.*?(?:\]\]>|\Z))
    | (?P<doctype><!DOCTYPE[^\[<>]*(?:\[.*?(?:\][^<>]*>|\Z)|>)?)
    | (?P<decl><![^<>]*>?)
    | (?P<pi><\?[^<]*?\?>|<\?[^<]*)
    | (?P<end></[^<>]*>?)
    | (?P<start><[^<>]*>?)
    """,
    re.S | re.X,
)
_NAME = re.compile(r"[A-Za-z_:][-A-Za-z0-9_:.]*")
_ATTR = re.compile(r"""\s*([^\s=/>]+)\s*(?:=\s*("[^"]*"|'[^']*'|[^\s>]*))?""")
_ENTITY_REF = re.compile(r"&(?:#x([0-9A-Fa-f]+)|#([0-9]+)|([A-Za-z_:][-A-Za-z0-9_:.]*));")
# U+DC80..U+DCFF stand for undecodable bytes (surrogateescape); decoding
# reports those once, so they are left out here.
_BAD_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udc7f\udd00-\udfff\ufffe\uffff]")
_PREDEFINED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}

MAX_PROBLEMS = 200  # beyond this a hostile file only gets a count


class Token:
    __slots__ = ("kind", "start", "end")

    def __init__(self, kind: str, start: int, end: int) -> None:
        self.kind = kind
        self.start = start
        self.end = end

    def __repr__(self) -> str:
        return f"Token({self.kind}, {self.start}, {self.end})"


class Element:
    """An element: its start tag, children (elements and tokens), end tag.

    end is the offset after the end tag; for an unclosed element, after its
    last child (so the spans of siblings never overlap).
    """

    __slots__ = ("name", "start_tag", "end_tag", "children", "_parent", "end", "empty", "__weakref__")

    def __init__(self, name: str, start_tag: Token, parent: Optional["Element"], empty: bool = False) -> None:
        self.name = name
        self.start_tag = start_tag
        self.end_tag: Optional[Token] = None
        self.children: List[Union["Element", Token]] = []
        # A weak link up: with strong links both ways every tree is a knot of
        # cycles that only the cyclic collector can free, in pauses of
        # hundreds of milliseconds for a large file. The tree keeps each
        # element's parent alive through the children lists.
        self._parent = None if parent is None else weakref.ref(parent)
        self.end = start_tag.end
        self.empty = empty  # written as <name/>

    @property
    def parent(self) -> Optional["Element"]:
        """The enclosing element (None at the top level)."""
        return None if self._parent is None else self._parent()

    @property
    def start(self) -> int:
        return self.start_tag.start

    @property
    def content_start(self) -> int:
        return self.start_tag.end

    @property
    def content_end(self) -> int:
        return self.end_tag.start if self.end_tag is not None else self.end

    def elements(self) -> List["Element"]:
        return [c for c in self.children if isinstance(c, Element)]

    def __repr__(self) -> str:
        return f"Element({self.name!r}, {self.start}, {self.end})"


def _close_unfinished(elem: Element) -> None:
    elem.end = elem.children[-1].end if elem.children else elem.start_tag.end


class Problem:
    """A syntax problem: offsets into the text and a sentence for a person."""

    __slots__ = ("start", "end", "message", "kind")

    def __init__(self, start: int, end: int, message: str, kind: str = "xml") -> None:
        self.start = start
        self.end = end
        self.message = message
        self.kind = kind  # "xml", "plist" or "encoding"

    def __repr__(self) -> str:
        return f"Problem({self.kind}, {self.start}, {self.end}, {self.message!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Problem) and (
            (self.start, self.end, self.message, self.kind)
            == (other.start, other.end, other.message, other.kind)
        )


class XmlTree:
    """The result of parsing: tokens, top-level nodes, the root and problems."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: List[Token] = []
        self.nodes: List[Union[Element, Token]] = []  # top level, in order
        self.elements: List[Element] = []  # every element, in the order they start
        self.root: Optional[Element] = None
        self.problems: List[Problem] = []
        self.dropped = 0

    def add_problem(self, start: int, end: int, message: str, kind: str = "xml") -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(start, end, message, kind))
        else:
            self.dropped += 1

    def element_at(self, offset: int) -> Optional[Element]:
        """The innermost element whose span contains offset (start < offset <= end
        counts the end, so a cursor right after a tag still finds it)."""
        found = None
        nodes: Sequence[Union[Element, Token]] = self.nodes
        while True:
            nxt = _find_child(nodes, offset)
            if nxt is None:
                return found
            found = nxt
            nodes = nxt.children


def count_starting_before(nodes: Sequence, offset: int, inclusive: bool = False) -> int:
    """How many of nodes (ordered by .start) start before offset, or at it
    too when inclusive: a binary search, as trees can be very wide."""
    lo, hi = 0, len(nodes)
    while lo < hi:
        mid = (lo + hi) // 2
        start = nodes[mid].start
        if start < offset or (inclusive and start == offset):
            lo = mid + 1
        else:
            hi = mid
    return lo


def _find_child(nodes: Sequence[Union[Element, Token]], offset: int) -> Optional[Element]:
    # Binary search: children are ordered and do not overlap.
    lo, hi = 0, len(nodes)
    while lo < hi:
        mid = (lo + hi) // 2
        n = nodes[mid]
        if n.end < offset:
            lo = mid + 1
        elif n.start >= offset:
            hi = mid
        else:
            return n if isinstance(n, Element) else None
    # offset == end of the previous element: inside it only if it is unclosed
    if lo < len(nodes):
        n = nodes[lo]
        if isinstance(n, Element) and n.start < offset <= n.end:
            return n
    return None


def tag_name(text: str, tok: Token) -> str:
    """The name in a start or end tag ("" when none is typed yet)."""
    skip = 2 if tok.kind == END else 1
    m = _NAME.match(text, tok.start + skip, tok.end)
    return m.group(0) if m else ""


def tag_attributes(text: str, tok: Token) -> List["tuple[str, str, int]"]:
    """(name, value, offset of the name) for each attribute of a start tag."""
    name = tag_name(text, tok)
    pos = tok.start + 1 + len(name)
    stop = tok.end - (2 if text.endswith("/>", tok.start, tok.end) else 1 if text[tok.end - 1:tok.end] == ">" else 0)
    out = []
    for m in _ATTR.finditer(text, pos, max(pos, stop)):
        if not m.group(1):
            continue
        value = m.group(2) or ""
        if value[:1] in "\"'":
            value = value[1:-1]
        out.append((m.group(1), value, m.start(1)))
    return out


def decode_text(raw: str) -> str:
    """Character data as an XML reader sees it: references expanded and line
    ends normalised to "\n". Bad references stay as written; the scanner has
    already reported them."""
    if "\r" in raw:
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    if "&" not in raw:
        return raw
    return _ENTITY_REF.sub(_expand, raw)


def _expand(m: "re.Match[str]") -> str:
    hexa, dec, name = m.groups()
    if name is not None:
        return _PREDEFINED.get(name, m.group(0))
    try:
        ch = chr(int(hexa, 16) if hexa is not None else int(dec))
    except (ValueError, OverflowError):
        return m.group(0)
    if _BAD_CHAR.match(ch) and ch not in "\t\n\r":
        return m.group(0)
    return ch


def parse_xml(text: str, leaf_names: Iterable[str] = ()) -> XmlTree:
    """Parse text into an XmlTree. Never raises.

    leaf_names: elements that cannot hold child elements; a start tag met
    inside one closes it (this is how half-typed plist files recover).
    """
    tree = XmlTree(text)
    leaves = frozenset(leaf_names)
    tokens = tree.tokens
    problem = tree.add_problem
    stack: List[Element] = []
    top: List[Union[Element, Token]] = tree.nodes
    children = top
    pos = 0
    n = len(text)
    if text.startswith("\ufeff"):
        tok = Token(BOM, 0, 1)
        tokens.append(tok)
        top.append(tok)
        pos = 1
    seen_root = False
    match = _TOKEN.match
    for_bad = _BAD_CHAR.search
    # One scan of the whole text each spares a scan per text token in the
    # usual file, which has neither.
    any_bad = for_bad(text) is not None
    any_ref = "&" in text

    while pos < n:
        m = match(text, pos)
        kind = m.lastgroup  # the pattern always matches at least one char
        end = m.end()
        tok = Token(kind, pos, end)
        tokens.append(tok)
        if kind == TEXT:
            children.append(tok)
            if not stack:
                stripped = text[pos:end].strip(" \t\r\n")
                if stripped:
                    off = pos + len(text[pos:end]) - len(text[pos:end].lstrip(" \t\r\n"))
                    problem(off, off + len(stripped), "text outside the root element")
            if any_bad:
                bad = for_bad(text, pos, end)
                if bad:
                    problem(bad.start(), bad.start() + 1, f"character U+{ord(bad.group(0)):04X} is not allowed in XML")
            if any_ref and text.find("&", pos, end) != -1:
                _check_references(text, pos, end, tree)
        elif kind == START:
            name_m = _NAME.match(text, pos + 1, end)
            name = name_m.group(0) if name_m else ""
            closed_tag = text[end - 1] == ">"
            # A tag still being typed (no ">") holds nothing: treating it as
            # open would swallow every sibling after it until the parent ends.
            empty = not closed_tag or (text[end - 2] == "/" and end - pos >= 3)
            if not name:
                problem(pos, end, "expected an element name after <")
            elif not closed_tag:
                problem(pos, end, f"unterminated tag <{name}: expected >")
            # a start tag inside a leaf element closes the leaf first
            while stack and stack[-1].name in leaves:
                leaf = stack.pop()
                _close_unfinished(leaf)
                problem(pos, pos, f"expected </{leaf.name}> before <{name}>")
                children = stack[-1].children if stack else top
            parent = stack[-1] if stack else None
            if parent is None:
                if seen_root and name:  # an unnamed tag is reported once, above
                    problem(pos, end, f"a second root element <{name}>: a document has exactly one")
                seen_root = True
            elem = Element(name, tok, parent, empty)
            children.append(elem)
            tree.elements.append(elem)
            if tree.root is None and parent is None:
                tree.root = elem
            if not empty:
                stack.append(elem)
                children = elem.children
        elif kind == END:
            name_m = _NAME.match(text, pos + 2, end)
            name = name_m.group(0) if name_m else ""
            if not name:
                problem(pos, end, "expected an element name after </")
            elif text[end - 1] != ">":
                problem(pos, end, f"unterminated tag </{name}: expected >")
            depth = len(stack) - 1
            while depth >= 0 and stack[depth].name != name:
                depth -= 1
            if depth < 0:
                if not name:
                    pass
                elif stack and stack[-1].name:
                    problem(pos, end, f"unexpected </{name}>: the open element is <{stack[-1].name}>")
                else:
                    problem(pos, end, f"unexpected </{name}>: no element is open")
                children.append(tok)
            else:
                while len(stack) - 1 > depth:
                    inner = stack.pop()
                    _close_unfinished(inner)
                    if inner.name:
                        problem(pos, end, f"expected </{inner.name}> before </{name}>")
                elem = stack.pop()
                elem.end_tag = tok
                elem.end = end
                children = stack[-1].children if stack else top
        else:
            children.append(tok)
            _check_markup(text, tok, bool(stack), seen_root, tree)
        pos = end

    # Elements still open run to the end of the text, innermost first.
    for elem in reversed(stack):
        _close_unfinished(elem)
        if elem.name:  # an unnamed tag was reported where it stands
            problem(n, n, f"expected </{elem.name}> before the end of the file")
    if not seen_root:
        if n == 0 or not text.strip(" \t\r\n\ufeff"):
            problem(0, n, "the file is empty")
        else:
            problem(0, 0, "no root element: expected <plist>")
    return tree


def _check_references(text: str, start: int, end: int, tree: XmlTree) -> None:
    i = text.find("&", start, end)
    while i != -1:
        m = _ENTITY_REF.match(text, i, end)
        if m is None:
            tree.add_problem(i, i + 1, "a bare & must be written &amp;")
        else:
            name = m.group(3)
            if name is not None and name not in _PREDEFINED:
                tree.add_problem(i, m.end(), f"undefined entity &{name}; (entities are never expanded; only &lt; &gt; &amp; &quot; &apos; exist)")
            elif name is None:
                try:
                    code = int(m.group(1), 16) if m.group(1) else int(m.group(2))
                    ch = chr(code)
                    if _BAD_CHAR.match(ch) and ch not in "\t\n\r":
                        raise ValueError
                except (ValueError, OverflowError):
                    tree.add_problem(i, m.end(), f"{m.group(0)} is not a valid XML character")
        i = text.find("&", i + 1, end)


def _check_markup(text: str, tok: Token, in_element: bool, seen_root: bool, tree: XmlTree) -> None:
    start, end, kind = tok.start, tok.end, tok.kind
    if kind == COMMENT:
        if not text.endswith("-->", start, end) or end - start < 7:
            tree.add_problem(start, end, "unterminated comment: expected -->")
        elif "--" in text[start + 4:end - 3]:
            tree.add_problem(start, end, "-- is not allowed inside a comment")
    elif kind == CDATA:
        if not in_element:
            tree.add_problem(start, end, "CDATA outside the root element")
        if not text.endswith("]]>", start, end) or end - start < 12:
            tree.add_problem(start, end, "unterminated CDATA section: expected ]]>")
    elif kind == PI:
        if not text.endswith("?>", start, end) or end - start < 4:
            tree.add_problem(start, end, "unterminated processing instruction: expected ?>")
        elif text.startswith("<?xml", start) and (end - start == 7 or text[start + 5] in " \t\r\n?"):
            if start != 0 and not (start == 1 and text[0] == "\ufeff"):
                tree.add_problem(start, end, "the XML declaration must be the very first thing in the file")
    elif kind == DOCTYPE:
        if in_element or seen_root:
            tree.add_problem(start, end, "DOCTYPE must come before the root element")
        if text[end - 1] != ">":
            tree.add_problem(start, end, "unterminated DOCTYPE: expected >")
        bracket = text.find("[", start, end)
        if bracket != -1:
            # An internal subset can declare entities; they are never expanded.
            subset = text[bracket:end]
            if "<!ENTITY" in subset:
                i = text.find("<!ENTITY", bracket, end)
                tree.add_problem(i, i + 8, "entity declarations are not supported in property lists (ent-ls never expands them)")
            else:
                tree.add_problem(bracket, end, "an internal DTD subset is not supported in property lists")
    elif kind == DECL:
        tree.add_problem(start, end, "markup declarations are only allowed inside a DOCTYPE")
