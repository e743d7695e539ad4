"""Document links: each known entitlement key to Apple's page about it."""

from __future__ import annotations

from typing import List, NamedTuple

from ent_ls.catalog import Catalog
from ent_ls.document import Document


class Link(NamedTuple):
    start: int
    end: int
    url: str


def document_links(doc: Document, catalog: Catalog) -> List[Link]:
    """The text of every top-level key the catalog documents (keys nested in
    values are data, not entitlements)."""
    out = []
    for ent in doc.entitlements:
        entry = catalog.get(ent.key)
        if entry is not None and entry.doc_url:
            key = ent.key_node
            out.append(Link(key.text_start, key.text_end, entry.doc_url))
    return out
