"""Folding ranges: multi-line dicts, arrays, comments and DOCTYPEs.

A range folds from the line of start to the line of end, both included. For
an element whose end tag starts a line, end is the end of the line before it,
so the end tag stays visible when folded, as editors fold XML.
"""

from __future__ import annotations

from typing import List, NamedTuple, Sequence, Union

from ent_ls.document import Document
from ent_ls.syntax import Element, Token
from ent_ls.syntax.xml import COMMENT, DOCTYPE

MAX_RANGES = 20000  # in document order; clients show far fewer


class FoldingRange(NamedTuple):
    start: int
    end: int
    kind: str  # "region" or "comment"


def folding_ranges(doc: Document, limit: int = MAX_RANGES) -> List[FoldingRange]:
    text = doc.text
    lines = doc.lines
    out: List[FoldingRange] = []
    # an explicit stack of child lists, walked in document order
    stack: List[Sequence[Union[Element, Token]]] = [list(reversed(doc.plist.xml.nodes))]
    while stack and len(out) < limit:
        nodes = stack[-1]
        if not nodes:
            stack.pop()
            continue
        node = nodes.pop()  # type: ignore[attr-defined]
        if isinstance(node, Element):
            if node.name in ("dict", "array") and not node.empty:
                end = _element_end(text, node)
                if lines.position(node.start)[0] < lines.position(end)[0]:
                    out.append(FoldingRange(node.start, end, "region"))
            if node.children:
                stack.append(list(reversed(node.children)))
        elif node.kind in (COMMENT, DOCTYPE):
            if lines.position(node.start)[0] < lines.position(node.end)[0]:
                out.append(FoldingRange(node.start, node.end, "comment" if node.kind == COMMENT else "region"))
    return out


def _element_end(text: str, elem: Element) -> int:
    if elem.end_tag is None:
        end = elem.end  # unclosed: stop at its last non-blank character
        while end > elem.start_tag.end and text[end - 1] in " \t\r\n":
            end -= 1
        return end
    p = elem.end_tag.start
    while p > 0 and text[p - 1] in " \t":
        p -= 1
    if p > 0 and text[p - 1] in "\r\n":
        p -= 1
        if text[p] == "\n" and p > 0 and text[p - 1] == "\r":
            p -= 1
        return p
    return elem.end
