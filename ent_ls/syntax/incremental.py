"""Re-parsing after an edit without parsing the whole text again.

Most keystrokes change the text inside one text token: white space between
elements, or the text of a <key> or <string>. Such an edit cannot change the
tree's shape, so the tree is kept and every offset after the edit shifts.
That costs a pass over integers instead of a parse, which is what keeps a
megabyte-sized file responsive. Any edit that could change the structure
(markup, references, a tag boundary, a file with syntax errors) is refused,
and the caller parses the whole text as usual.
"""

from __future__ import annotations

from typing import List, Optional, Sequence, Union

from ent_ls.syntax.plist import PArray, PDict, PKey, PlistDocument, PNode, PScalar, element_content
from ent_ls.syntax.xml import _BAD_CHAR, TEXT, Element, Problem, Token, count_starting_before

Node = Union[Element, Token]
_SPACE = " \t\r\n"


def apply_edit(doc: PlistDocument, start: int, end: int, new: str) -> Optional[PlistDocument]:
    """doc updated in place for text[start:end] = new, or None (doc untouched)
    when the edit needs a full parse. doc is stale once this returns a result."""
    text = doc.text
    if not (0 <= start <= end <= len(text)) or doc.xml.dropped:
        return None
    if any(p.kind != "plist" for p in doc.problems):
        return None  # recovery decisions could change; parse again
    if "<" in new or "&" in new or _BAD_CHAR.search(new) or "&" in text[start:end]:
        return None
    found = _text_token(doc.xml.nodes, start, end)
    if found is None:
        return None
    tok, parent = found
    old_raw = text[tok.start:tok.end]
    new_raw = old_raw[:start - tok.start] + new + old_raw[end - tok.start:]
    if not new_raw:
        return None  # a token would vanish
    leaf: Optional[PNode] = None
    if parent.name in ("key", "string"):
        leaf = _node_for(doc.root, parent)
        if leaf is None or any(p.start < parent.end and parent.start < p.end for p in doc.problems):
            return None
    elif parent.name in ("dict", "array", "plist"):
        if old_raw.strip(_SPACE) or new_raw.strip(_SPACE):
            return None  # stray text is a problem that would change
    else:
        return None

    # Everything checked: shift, then update.
    delta = len(new) - (end - start)
    old_end = tok.end
    if delta:
        tokens = doc.xml.tokens
        elements = doc.xml.elements
        later = count_starting_before(elements, old_end)  # elements[later:] follow the token
        i = _token_index(tokens, tok.start)
        for t in tokens[i + 1:]:
            t.start += delta
            t.end += delta
        tok.end += delta
        for e in elements[later:]:
            e.end += delta
        around: Optional[Element] = parent
        while around is not None:  # the elements holding the token
            around.end += delta
            around = around.parent
        doc.problems = [_shifted(p, old_end, delta) for p in doc.problems]
    new_text = text[:start] + new + text[end:]
    doc.text = doc.xml.text = new_text
    before = None
    if isinstance(leaf, PKey):
        before = leaf.text
        leaf.text = element_content(new_text, parent)
    elif isinstance(leaf, PScalar):
        before = leaf.text
        leaf.text = leaf.value = element_content(new_text, parent)
    log = doc.edits
    if log is not None:  # for whoever re-uses results computed before this edit
        doc.edits = log + [Edited(start, end, len(new), leaf, before)] if len(log) < MAX_LOGGED else None
    return doc


MAX_LOGGED = 64  # edits kept in a tree's log; past that, the log is given up (None)


class Edited:
    """One edit applied to a tree in place: text[start:end] became new_length
    characters; leaf is the key or scalar whose text changed (None: white
    space between elements), before its text until then."""

    __slots__ = ("start", "end", "new_length", "leaf", "before")

    def __init__(self, start: int, end: int, new_length: int, leaf: Optional[PNode], before: Optional[str]) -> None:
        self.start, self.end, self.new_length, self.leaf, self.before = start, end, new_length, leaf, before

    @property
    def delta(self) -> int:
        return self.new_length - (self.end - self.start)


def _text_token(nodes: Sequence[Node], start: int, end: int):
    """(the text token holding start..end, its element), or None."""
    parent: Optional[Element] = None
    while True:
        i = _last_starting_at_or_before(nodes, start)
        if i < 0:
            return None
        node = nodes[i]
        if node.start == start and i > 0 and isinstance(nodes[i - 1], Token) and nodes[i - 1].end == start:
            node = nodes[i - 1]  # typing at the end of a text token
        if isinstance(node, Token):
            if node.kind == TEXT and node.start <= start and end <= node.end and parent is not None:
                return node, parent
            return None
        if node.end_tag is None or not (node.content_start <= start and end <= node.content_end):
            return None
        parent, nodes = node, node.children


def _last_starting_at_or_before(nodes: Sequence, offset: int) -> int:
    return count_starting_before(nodes, offset, inclusive=True) - 1


def _token_index(tokens: List[Token], start: int) -> int:
    return _last_starting_at_or_before(tokens, start)  # token starts are unique


def _shifted(p: Problem, old_end: int, delta: int) -> Problem:
    start = p.start + delta if p.start >= old_end else p.start
    end = p.end + delta if p.end >= old_end else p.end
    return Problem(start, end, p.message, p.kind)


def _node_for(root: Optional[PNode], elem: Element) -> Optional[PNode]:
    """The key or value whose element is elem, found by offsets."""
    node = root
    while node is not None:
        if node.elem is elem:
            return node
        if isinstance(node, PDict):
            items = node.items
            i = _last_starting_at_or_before(items, elem.start)
            if i < 0:
                return None
            item = items[i]
            if item.key is not None and item.key.elem is elem:
                return item.key
            node = item.value
        elif isinstance(node, PArray):
            i = _last_starting_at_or_before(node.items, elem.start)
            node = node.items[i] if i >= 0 else None
        else:
            return None
        if node is not None and not (node.start <= elem.start and elem.end <= node.end):
            return None
    return None
