"""Selection ranges: from the text under the cursor out to the whole file.

The chain for an offset: key or value text, its element, the key-and-value
item, the content of the containing dict or array, that element, its item...
the plist, the document. Found by walking down one path of the value tree
(binary search at each level), so nesting depth costs no recursion; chains
longer than MAX_CHAIN keep their innermost and outermost ends, because the
server's JSON encoding of the nested LSP structure recurses.
"""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

from ent_ls.document import Document
from ent_ls.syntax import PArray, PDict, PNode, PScalar
from ent_ls.syntax.xml import count_starting_before

Span = Tuple[int, int]
MAX_CHAIN = 64
_OUTER_KEPT = 8


def selection_ranges(doc: Document, offsets: Sequence[int]) -> List[List[Span]]:
    """For each offset, (start, end) spans from innermost to outermost, each
    containing the one before it and the offset."""
    return [_chain(doc, max(0, min(o, len(doc.text)))) for o in offsets]


def _chain(doc: Document, offset: int) -> List[Span]:
    text = doc.text
    outer: List[Span] = [(0, len(text))]  # outermost first
    plist = doc.plist.plist
    if plist is not None and plist.start <= offset <= plist.end:
        outer.append((plist.start, plist.end))
        _content(text, outer, plist.content_start, plist.content_end, [doc.plist.root] if doc.plist.root else [])
    node: Optional[PNode] = doc.plist.root
    while node is not None and node.start <= offset <= node.end:
        outer.append((node.start, node.end))
        nxt: Optional[PNode] = None
        if isinstance(node, PDict):
            _content(text, outer, node.elem.content_start, node.elem.content_end, node.items)
            item = _find(node.items, offset)
            if item is not None:
                outer.append((item.start, item.end))
                if item.value is not None and item.value.start <= offset:
                    nxt = item.value
                elif item.key is not None:
                    _leaf(outer, item.key)
        elif isinstance(node, PArray):
            _content(text, outer, node.elem.content_start, node.elem.content_end, node.items)
            nxt = _find(node.items, offset)
        elif isinstance(node, PScalar):
            _leaf(outer, node)
        node = nxt
    spans: List[Span] = []
    for s in reversed(outer):
        if s[0] <= offset <= s[1] and (not spans or s != spans[-1]):
            spans.append(s)
    if len(spans) > MAX_CHAIN:
        spans = spans[:MAX_CHAIN - _OUTER_KEPT] + spans[-_OUTER_KEPT:]
    return spans


def _content(text: str, out: List[Span], start: int, end: int, items: Sequence) -> None:
    """The content between two tags, without the white space around it (but
    all of its items: an unclosed one may end in white space)."""
    lo, hi = start, end
    while start < end and text[start] in " \t\r\n":
        start += 1
    while end > start and text[end - 1] in " \t\r\n":
        end -= 1
    if items:
        start = max(lo, min(start, items[0].start))
        end = min(hi, max(end, items[-1].end))
    if start < end:
        out.append((start, end))


def _leaf(out: List[Span], node: PNode) -> None:
    out.append((node.start, node.end))
    elem = node.elem
    if not elem.empty and elem.content_start < elem.content_end:
        out.append((elem.content_start, elem.content_end))


def _find(items: Sequence, offset: int):
    """The last of items (PItem or PNode, in order) starting at or before
    offset, if it reaches offset."""
    n = count_starting_before(items, offset, inclusive=True)
    if n == 0:
        return None
    found = items[n - 1]
    return found if found.end >= offset else None

