"""Pieces every rule module uses."""

from __future__ import annotations

from typing import Iterator, List, Sequence

from ent_ls.analysis.edits import remove_item
from ent_ls.analysis.engine import Finding, Fix
from ent_ls.document import Entitlement
from ent_ls.syntax import PArray, PNode, PScalar


def at_key(ent: Entitlement, message: str, fixes: Sequence[Fix] = (), tags: Sequence[str] = ()) -> Finding:
    """A finding over the key text of an entitlement, where rules point."""
    k = ent.key_node
    return Finding(k.text_start, k.text_end, message, fixes, tags)


def true_entries(ctx, key: str) -> Iterator[Entitlement]:
    for ent in ctx.doc.by_key.get(key, ()):
        if ent.is_true:
            yield ent


def removal(ctx, ent: Entitlement, safe: bool = False) -> List[Fix]:
    return [Fix(f"Remove {ent.key}", [remove_item(ctx.text, ent.item)], safe=safe, preferred=True)]


def string_nodes(node: PNode) -> List[PScalar]:
    """The <string> itself, or the <string> items of an <array>."""
    if isinstance(node, PScalar) and node.tag == "string":
        return [node]
    if isinstance(node, PArray):
        return [i for i in node.items if isinstance(i, PScalar) and i.tag == "string"]
    return []
