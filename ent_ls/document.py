"""The entitlements model of one document.

A document's entitlements are the items of its top-level dict. Keys nested
inside values are data, not entitlements. Key text is compared as plist
readers see it: references decoded, whitespace kept.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence

from ent_ls.syntax import LineIndex, PDict, PItem, PKey, PlistDocument, PNode, Problem, PScalar, parse_plist
from ent_ls.syntax.incremental import apply_edit
from ent_ls.syntax.strict import StrictProblem
from ent_ls.syntax.strict import check as strict_check
from ent_ls.syntax.strict_reuse import moved_problems
from ent_ls.syntax.xml import count_starting_before


class Entitlement:
    __slots__ = ("item", "index")

    def __init__(self, item: PItem, index: int) -> None:
        self.item = item
        self.index = index  # position among the top-level items

    @property
    def start(self) -> int:
        return self.item.start

    @property
    def key(self) -> str:
        return self.item.key.text  # type: ignore[union-attr]

    @property
    def key_node(self) -> PKey:
        return self.item.key  # type: ignore[return-value]

    @property
    def value(self) -> Optional[PNode]:
        return self.item.value

    @property
    def is_true(self) -> bool:
        v = self.item.value
        return isinstance(v, PScalar) and v.tag == "true"

    @property
    def is_false(self) -> bool:
        v = self.item.value
        return isinstance(v, PScalar) and v.tag == "false"


class Document:
    """Parsed text plus its entitlements. Immutable; a new text is a new Document."""

    # Set by the signed-code front end: the signature the text was read out
    # of (a SignedView) and the provisioning profile to check against.
    signed = None
    profile = None
    profile_problem: Optional[str] = None

    def __init__(self, text: str, path: Optional[str] = None, binary: bool = False,
                 decode_problems: Sequence[Problem] = (), plist: Optional[PlistDocument] = None,
                 entitlements: Optional[tuple] = None) -> None:
        self.text = text
        self.path = path
        self.binary = binary  # text was made from a binary plist
        self.decode_problems = list(decode_problems)  # from reading the bytes
        # plist: a parse of text made elsewhere (an incremental re-parse)
        self.plist: PlistDocument = plist if plist is not None else parse_plist(text)
        self._lines: Optional[LineIndex] = None
        self._strict: Optional[List[StrictProblem]] = None
        self._strict_from: Optional[tuple] = None
        root = self.plist.root
        self.root_dict: Optional[PDict] = root if isinstance(root, PDict) else None
        self.entitlements: List[Entitlement] = []
        self.by_key: Dict[str, List[Entitlement]] = {}
        if entitlements is not None:  # the same tree, edited in place: its entries are still these
            self.entitlements, self.by_key = entitlements
        elif self.root_dict is not None:
            for i, item in enumerate(self.root_dict.items):
                if item.key is None:
                    continue
                ent = Entitlement(item, i)
                self.entitlements.append(ent)
                self.by_key.setdefault(ent.key, []).append(ent)

    @property
    def lines(self) -> LineIndex:
        if self._lines is None:
            self._lines = LineIndex(self.text)
        return self._lines

    def edited(self, start: int, end: int, new: str) -> "Document":
        """The document after text[start:end] = new. Re-uses this parse when
        the edit cannot change the structure; this document is then stale."""
        text = self.text[:start] + new + self.text[end:]
        if not self.decode_problems:
            updated = apply_edit(self.plist, start, end, new)
            if updated is not None:
                made = self._carry(Document(text, self.path, self.binary, plist=updated,
                                            entitlements=self._entries_after(updated)))
                if self._strict is not None:  # for strict_problems: what the edit was
                    made._strict_from = (self._strict, self.text[start:end], start, new, not self.plist.problems)
                return made
        return self._carry(Document(text, self.path, self.binary, self.decode_problems))

    def _entries_after(self, plist: PlistDocument) -> Optional[tuple]:
        """This document's entitlements for the tree after an in-place edit
        (the last one logged), or None to list them again."""
        log = plist.edits
        if not log:
            return None
        last = log[-1]
        if not isinstance(last.leaf, PKey):
            return self.entitlements, self.by_key  # no key text changed
        ent = self.entitlement_at(last.leaf.start)
        if ent is None or ent.key_node is not last.leaf:
            return self.entitlements, self.by_key  # a key nested in a value: not an entitlement
        by_key = dict(self.by_key)
        by_key[last.before] = [e for e in by_key[last.before] if e is not ent]
        if not by_key[last.before]:
            del by_key[last.before]
        same = by_key.get(ent.key, [])
        by_key[ent.key] = sorted(same + [ent], key=lambda e: e.index)
        return self.entitlements, by_key

    def strict_problems(self) -> List[StrictProblem]:
        """What the strict reader (codesign, the kernel) rejects in the text;
        after a keystroke in blank space, the previous answer moved."""
        if self._strict is None:
            found = moved_problems(*self._strict_from[:4], self._strict_from[4], self.plist) \
                if self._strict_from is not None else None
            self._strict = found if found is not None else strict_check(self.text)
            self._strict_from = None
        return self._strict

    def _carry(self, new: "Document") -> "Document":
        new.signed, new.profile, new.profile_problem = self.signed, self.profile, self.profile_problem
        return new

    def get(self, key: str) -> Optional[Entitlement]:
        """The entry plist readers use for key: the last one."""
        found = self.by_key.get(key)
        return found[-1] if found else None

    def is_true(self, key: str) -> bool:
        ent = self.get(key)
        return ent is not None and ent.is_true

    def entitlement_at(self, offset: int) -> Optional[Entitlement]:
        """The entitlement whose key or value spans offset (the first one
        when two touch at offset)."""
        # Binary search: entitlements are in document order and never
        # overlap, and a large file has thousands of them.
        ents = self.entitlements
        lo = count_starting_before(ents, offset, inclusive=True)
        for ent in ents[max(lo - 2, 0):lo]:  # the last two starting at or before offset
            if ent.item.start <= offset <= ent.item.end:
                return ent
        return None
