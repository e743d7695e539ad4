"""Applying fixes to a whole document (`ent-ls check --fix`, fix-all)."""

from __future__ import annotations

from typing import List, Optional, Tuple

from ent_ls.analysis import analyze
from ent_ls.analysis.edits import apply_edits
from ent_ls.analysis.engine import Diagnostic, Edit, Fix
from ent_ls.catalog import Catalog
from ent_ls.config import Settings
from ent_ls.document import Document

MAX_ROUNDS = 100  # unsafe fixes go one per round
SYNTAX_RULES = ("xml-syntax", "plist-structure")


def chosen_fix(diag: Diagnostic, unsafe: bool) -> Optional[Fix]:
    """The fix fix-all applies for diag: the preferred one, if allowed."""
    candidates = [f for f in diag.fixes if f.safe or unsafe]
    for f in candidates:
        if f.preferred:
            return f
    return candidates[0] if candidates else None


def _syntax_count(diags: List[Diagnostic]) -> int:
    return sum(1 for d in diags if d.rule in SYNTAX_RULES)


def fix_document(
    doc: Document,
    catalog: Optional[Catalog] = None,
    settings: Optional[Settings] = None,
    unsafe: bool = False,
) -> Tuple[Document, int, List[Diagnostic]]:
    """Apply fixes until none is left. Returns the fixed document, how many
    fixes were applied, and the diagnostics that remain.

    Each round re-analyses the result. A round takes every non-overlapping
    safe fix, or else a single unsafe one: unsafe fixes change what the app
    may do, and two of them computed from the same text can undo each other
    (removing a redundant allow-jit while another fix counts on it). A round
    whose edits would make the file less readable is dropped."""
    applied = 0
    diags = analyze(doc, catalog, settings)
    for _ in range(MAX_ROUNDS):
        fixes = [f for f in (chosen_fix(d, unsafe) for d in diags) if f is not None]
        safe = [f for f in fixes if f.safe]
        batch = safe if safe else fixes[:1]
        edits: List[Edit] = []
        taken = 0
        for fix in batch:
            if any(_overlaps(e, x) for e in fix.edits for x in edits):
                continue
            edits.extend(fix.edits)
            taken += 1
        if not edits:
            break
        new_doc = Document(apply_edits(doc.text, edits), doc.path, doc.binary, doc.decode_problems)
        new_diags = analyze(new_doc, catalog, settings)
        if _syntax_count(new_diags) > _syntax_count(diags) or new_doc.text == doc.text:
            break
        doc, diags = new_doc, new_diags
        applied += taken
    return doc, applied, diags


def _overlaps(a: Edit, b: Edit) -> bool:
    # Touching insertions at one point also conflict: their order is unclear.
    return a.start < b.end and b.start < a.end or a.start == b.start
