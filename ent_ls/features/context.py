"""Where the cursor is, in plist terms (for completion).

The tree is tolerant, so a half-typed file still has a shape: a key with no
close tag is a key element running to the next tag or the end of the file, and
a lone "<" is an element with no name. Everything here is a binary search or a
walk down one path of the tree: no recursion, whatever the nesting depth.
"""

from __future__ import annotations

import re
from typing import List, Optional, Sequence, Union

from ent_ls.document import Document
from ent_ls.syntax import Element, Token
from ent_ls.syntax.plist import LEAF_NAMES
from ent_ls.syntax.xml import END, START, TEXT, count_starting_before, tag_name

KEY_TEXT = "key-text"  # in the text of a <key>
STRING_TEXT = "string-text"  # in the text of a <string>
TAG_NAME = "tag-name"  # typing the name after "<"
CLOSE_TAG = "close-tag"  # typing the name after "</"
SLOT = "slot"  # between elements of a dict, array, plist or the top level
NONE = "none"  # in a comment, an attribute, an <integer>...

CONTAINERS = ("dict", "array", "plist")
_WORD = re.compile(r"[\w.\-]*")
_WORD_BACK = re.compile(r"[\w.\-]")
_REST_OF_TEXT = re.compile(r"[^<\r\n]*")
_LINE_END = re.compile(r"[ \t]*(?:[\r\n]|\Z)")
_INDENTED = re.compile(r"(?:\A|(?<=[\r\n]))([ \t]+)<")
_CLOSERS = {"comment": "-->", "cdata": "]]>", "pi": "?>"}

Node = Union[Element, Token]


class CursorContext:
    """kind is one of the constants above. start..end is the text a completion
    replaces: the leaf's text, the "<name" typed so far, or the bare word
    around the cursor (empty when there is none)."""

    __slots__ = ("kind", "offset", "container", "elem", "token", "prev", "next", "start", "end",
                 "tag_closed", "line_empty")

    def __init__(self, kind: str, offset: int, start: Optional[int] = None, end: Optional[int] = None) -> None:
        self.kind = kind
        self.offset = offset
        self.container: Optional[Element] = None  # holds the cursor (None: top level)
        self.elem: Optional[Element] = None  # the leaf, the partial element, or the element to close
        self.token: Optional[Token] = None  # the tag being typed
        self.prev: Optional[Element] = None  # the sibling element before the cursor
        self.next: Optional[Element] = None  # the sibling element after it
        self.start = offset if start is None else start
        self.end = offset if end is None else end
        self.tag_closed = False  # the tag being typed already has its ">" (kept)
        self.line_empty = False  # nothing else on the line but the word

    def __repr__(self) -> str:
        return f"CursorContext({self.kind}, {self.start}, {self.end}, container={self.container!r})"


def token_before(tokens: Sequence[Token], offset: int) -> Optional[Token]:
    """The token holding the character before offset (tokens cover the text)."""
    n = count_starting_before(tokens, offset)
    return tokens[n - 1] if n else None


def _last_before(nodes: Sequence[Node], offset: int) -> int:
    """Index of the last node starting before offset, or -1."""
    return count_starting_before(nodes, offset) - 1


def content_element(doc: Document, offset: int) -> Optional[Element]:
    """The innermost element whose content (between its tags) holds offset.
    Elements whose start tag has no ">" yet have no content."""
    text = doc.text
    found = None
    nodes: Sequence[Node] = doc.plist.xml.nodes
    while True:
        i = _last_before(nodes, offset)
        if i < 0:
            return found
        c = nodes[i]
        if (not isinstance(c, Element) or c.empty or text[c.start_tag.end - 1] != ">"
                or not c.content_start <= offset <= c.content_end):
            return found
        found = c
        nodes = c.children


def siblings(doc: Document, container: Optional[Element]) -> Sequence[Node]:
    return container.children if container is not None else doc.plist.xml.nodes


def _neighbours(nodes: Sequence[Node], start: int, end: int, skip: Optional[Element] = None):
    """The element siblings ending by start and starting from end."""
    prev = nxt = None
    i = _last_before(nodes, start + 1)  # nodes starting at or before start
    while i >= 0:
        n = nodes[i]
        if isinstance(n, Element) and n is not skip and n.end <= start:
            prev = n
            break
        i -= 1
        if isinstance(n, Element) and n is not skip:
            break  # an element spanning start: nothing cleanly before it
    j = max(0, _last_before(nodes, end))
    while j < len(nodes):
        n = nodes[j]
        if isinstance(n, Element) and n is not skip and n.start >= end:
            nxt = n
            break
        j += 1
    return prev, nxt


def _closing_target(doc: Document, tok: Token) -> Optional[Element]:
    """The element a "</" closes: the one it already ends, else the innermost
    element still open there."""
    elem = doc.plist.xml.element_at(tok.start)
    while elem is not None:
        if elem.end_tag is tok:
            return elem
        elem = elem.parent
    return content_element(doc, tok.start)


def cursor_context(doc: Document, offset: int) -> CursorContext:
    """Classify offset. Never raises."""
    text = doc.text
    offset = max(0, min(offset, len(text)))
    tok = token_before(doc.plist.tokens, offset)
    if tok is not None and (offset < tok.end or not _finished(text, tok)):
        if tok.kind == START:
            name_end = tok.start + 1 + len(tag_name(text, tok))
            if offset > name_end:
                return CursorContext(NONE, offset)  # among the attributes
            return _tag_context(doc, tok, offset, name_end)
        if tok.kind == END:
            name_end = tok.start + 2 + len(tag_name(text, tok))
            if offset < tok.start + 2 or offset > name_end:
                return CursorContext(NONE, offset)
            ctx = CursorContext(CLOSE_TAG, offset, tok.start, name_end)
            ctx.token = tok
            ctx.tag_closed = text[tok.end - 1] == ">"
            ctx.elem = _closing_target(doc, tok)
            return ctx
        if tok.kind != TEXT:
            return CursorContext(NONE, offset)  # comment, CDATA, DOCTYPE...
    container = content_element(doc, offset)
    if container is not None and container.name in LEAF_NAMES:
        kind = KEY_TEXT if container.name == "key" else STRING_TEXT if container.name == "string" else NONE
        # Editors take single-line ranges only: keep to the cursor's line. A
        # half-typed leaf runs on to the next tag, so stop at the line end too.
        start = max(container.content_start, line_start(text, offset))
        end = _REST_OF_TEXT.match(text, offset).end()
        if container.end_tag is not None:
            end = min(end, container.content_end)
        ctx = CursorContext(kind, offset, start, max(end, offset))
        ctx.elem = container
        ctx.container = container.parent
        return ctx
    if container is not None and container.name not in CONTAINERS:
        return CursorContext(NONE, offset)
    start = offset
    while start > 0 and _WORD_BACK.match(text, start - 1):
        start -= 1
    end = _WORD.match(text, offset).end()
    ctx = CursorContext(SLOT, offset, start, end)
    ctx.container = container
    ctx.line_empty = _alone_on_line(text, start, end)
    ctx.prev, ctx.next = _neighbours(siblings(doc, container), start, end)
    return ctx


def _tag_context(doc: Document, tok: Token, offset: int, name_end: int) -> CursorContext:
    text = doc.text
    closed = text[tok.end - 1] == ">"
    ctx = CursorContext(TAG_NAME, offset, tok.start, name_end)
    ctx.token = tok
    ctx.tag_closed = closed
    elem = doc.plist.xml.element_at(tok.start + 1)
    while elem is not None and elem.start_tag is not tok:
        elem = elem.parent
    ctx.elem = elem
    ctx.container = elem.parent if elem is not None else None
    ctx.line_empty = _alone_on_line(text, tok.start, name_end)
    ctx.prev, ctx.next = _neighbours(siblings(doc, ctx.container), tok.start, name_end, skip=elem)
    return ctx


def _finished(text: str, tok: Token) -> bool:
    """Whether a token has its closing delimiter (so offset == end is after it)."""
    if tok.kind in (START, END):
        return text[tok.end - 1] == ">"
    if tok.kind == TEXT:
        return True
    closer = _CLOSERS.get(tok.kind, ">")
    return tok.end - tok.start > len(closer) + 1 and text.endswith(closer, tok.start, tok.end)


def _alone_on_line(text: str, start: int, end: int) -> bool:
    ls = _line_break_before(text, start) + 1
    if text[ls:start].strip(" \t"):
        return False
    return _LINE_END.match(text, end) is not None


def line_start(text: str, offset: int) -> int:
    return _line_break_before(text, offset) + 1


def leading_indent(text: str, offset: int) -> str:
    """The white space that starts offset's line, up to offset at most."""
    ls = line_start(text, offset)
    i = ls
    while i < offset and text[i] in " \t":
        i += 1
    return text[ls:i]


_last_unit: list = [None, "\t"]  # (text, its unit): asked for at every completion


def indent_unit(text: str) -> str:
    """A tab unless most indented lines use spaces; then the smallest step."""
    if _last_unit[0] is text:
        return _last_unit[1]
    unit = _indent_unit(text)
    _last_unit[:] = [text, unit]
    return unit


def _indent_unit(text: str) -> str:
    tabs = 0
    widths: List[int] = []
    for i, m in enumerate(_INDENTED.finditer(text)):
        if i == 500:
            break
        if m.group(1)[0] == "\t":
            tabs += 1
        else:
            widths.append(len(m.group(1)) - len(m.group(1).lstrip(" ")))
    widths = [w for w in widths if w]
    if len(widths) > tabs:
        return " " * min(widths)
    return "\t"


def _line_break_before(text: str, offset: int) -> int:
    """Where the last line break before offset is (-1: none). Looks for a
    "\r" only after the last "\n", so it never scans back to the start."""
    nl = text.rfind("\n", 0, offset)
    return max(nl, text.rfind("\r", nl + 1, offset))
