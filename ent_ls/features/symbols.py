"""Document symbols: the outline of keys, with nested dicts and arrays.

Built breadth first with a queue, so the top-level keys always make it in
before the caps (MAX_SYMBOLS in all, MAX_DEPTH levels) cut a huge or deeply
nested file short. The depth cap also keeps the server's JSON encoder, which
recurses, well inside Python's recursion limit.
"""

from __future__ import annotations

from collections import deque
from typing import Deque, List, Optional, Tuple

from ent_ls.document import Document
from ent_ls.syntax import PArray, PDict, PItem, PNode, PScalar

MAX_SYMBOLS = 5000
MAX_DEPTH = 32
_PREVIEW = 40

# kind of an array item's symbol, by element name
_KINDS = {
    "dict": "dict", "array": "array", "string": "string", "integer": "number", "real": "number",
    "true": "boolean", "false": "boolean", "date": "date", "data": "data",
}


class Symbol:
    """name: the key text, or "[i]" for the i-th item of an array. kind: "key"
    for a dict item, else the value's kind (dict, array, string, number,
    boolean, date, data, unknown). start..end spans the key and its value;
    selection_start..selection_end the key text (the value for array items)."""

    __slots__ = ("name", "detail", "kind", "start", "end", "selection_start", "selection_end", "children")

    def __init__(self, name: str, detail: str, kind: str, start: int, end: int,
                 selection_start: int, selection_end: int) -> None:
        self.name = name
        self.detail = detail
        self.kind = kind
        self.start = start
        self.end = end
        self.selection_start = selection_start
        self.selection_end = selection_end
        self.children: List["Symbol"] = []

    def __repr__(self) -> str:
        return f"Symbol({self.name!r}, {self.kind}, {self.detail!r}, {self.start}, {self.end})"


def document_symbols(doc: Document, limit: int = MAX_SYMBOLS, max_depth: int = MAX_DEPTH) -> List[Symbol]:
    """The outline of the top-level value (the entitlements dict). Never raises."""
    out: List[Symbol] = []
    root = doc.plist.root
    if not isinstance(root, (PDict, PArray)):
        return out
    count = 0
    queue: Deque[Tuple[PNode, List[Symbol], int]] = deque([(root, out, 1)])
    while queue:
        node, into, depth = queue.popleft()
        for sym, value in _children(doc.text, node):
            if count >= limit:
                return out
            into.append(sym)
            count += 1
            if isinstance(value, (PDict, PArray)) and depth < max_depth:
                queue.append((value, sym.children, depth + 1))
    return out


def _children(text: str, node: PNode):
    if isinstance(node, PDict):
        for item in node.items:
            yield _item_symbol(text, item), item.value
    elif isinstance(node, PArray):
        for i, value in enumerate(node.items):
            sym = Symbol(f"[{i}]", preview(value), _KINDS.get(value.tag, "unknown"),
                         value.start, value.end, value.start, value.end)
            yield sym, value


def _item_symbol(text: str, item: PItem) -> Symbol:
    key = item.key
    if key is None:
        name = "(no key)"
        sel = (item.start, item.end)
    else:
        # LSP clients reject an empty name
        name = key.text if key.text.strip() else "(empty key)"
        sel = (key.text_start, key.text_end)
    return Symbol(name, preview(item.value), "key", item.start, item.end, sel[0], sel[1])


def preview(value: Optional[PNode]) -> str:
    """A short description of a value: its text, or its type and size."""
    if value is None:
        return "no value"
    if isinstance(value, PDict):
        return f"dict ({len(value.items)})"
    if isinstance(value, PArray):
        return f"array ({len(value.items)})"
    if isinstance(value, PScalar):
        if value.tag in ("true", "false"):
            return value.tag
        if value.tag == "data":
            return f"data ({len(value.value)} bytes)" if value.value is not None else "data"
        shown = " ".join(value.text.split())
        if len(shown) > _PREVIEW:
            shown = shown[:_PREVIEW - 1] + "…"
        return f'"{shown}"' if value.tag == "string" else shown or value.tag
    return f"<{value.tag}>"
