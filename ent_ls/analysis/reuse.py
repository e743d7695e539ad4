"""Re-analysis in proportion to the edit (issue 10).

Rules registered with scope="entry" find, for each entitlement, what only
that entry's text (from the start of its first line), the catalog and the
settings decide. Their results are kept per entry text: on the next analysis
of the same document an entry whose text is unchanged gets its previous
diagnostics back, moved by however far the entry moved, and the rule runs
only over the entries that are new. Whole-document rules run every time.
The result equals a fresh analysis (tests/test_analysis_reuse.py).
"""

from __future__ import annotations

import copy
from typing import Dict, List, Optional, Tuple

from ent_ls.analysis.edits import newline_of
from ent_ls.analysis.engine import Diagnostic, Edit, Finding, Fix, Rule

# (entry text, rule id) -> (the entry's start then, its diagnostics then)
Kept = Dict[Tuple[str, str], Tuple[int, List[Diagnostic]]]


class Reuse:
    """What one document's last analysis leaves for the next. Keep one per
    open document; it is only ever used for the settings it was made with."""

    def __init__(self) -> None:
        self.kept: Kept = {}
        self.fingerprint: Optional[tuple] = None
        self.suggestions: dict = {}  # the catalog's "did you mean" memo for this document

    def start(self, ctx) -> None:
        """Forget everything if what decides the per-entry results changed."""
        settings = ctx.settings
        fp = (id(ctx.catalog), ctx.platform, ctx.platform_source, newline_of(ctx.text),
              repr(sorted((k, v) for k, v in vars(settings).items() if k not in ("source", "problems"))))
        if fp != self.fingerprint:
            self.kept = {}
            self.suggestions = {}
            self.fingerprint = fp

    def run(self, rules: List[Tuple[Rule, str]], ctx) -> Dict[str, List[Diagnostic]]:
        """Diagnostics of each per-entry rule (with its severity), in the
        order a fresh run of the rule would give them."""
        text = ctx.text
        ents = ctx.doc.entitlements
        spans = []
        for ent in ents:
            start = ent.item.start
            line = max(text.rfind("\n", 0, start), text.rfind("\r", 0, start)) + 1
            spans.append((text[line:ent.item.end], start))
        old, kept = self.kept, {}
        out: Dict[str, List[Diagnostic]] = {}
        for rule, severity in rules:
            rid = rule.id
            per_entry: List[Optional[List[Diagnostic]]] = []
            todo = []
            for i, (span, start) in enumerate(spans):
                found = old.get((span, rid))
                if found is None:
                    per_entry.append(None)
                    todo.append(i)
                else:
                    then, diags = found
                    per_entry.append(diags if then == start else [_moved(d, start - then) for d in diags])
            if todo:
                fresh = _run_on(rule, severity, ctx, [ents[i] for i in todo])
                if fresh is None:  # the rule failed or reported outside its entry
                    out[rid] = _run_all(rule, severity, ctx)
                    continue
                for i, diags in zip(todo, fresh):
                    per_entry[i] = diags
            result: List[Diagnostic] = []
            for (span, start), diags in zip(spans, per_entry):
                kept[(span, rid)] = (start, diags)  # type: ignore[assignment]
                result.extend(diags)  # type: ignore[arg-type]
            out[rid] = result
        self.kept = kept
        if len(self.suggestions) > 2 * len(ents) + 64:  # keys typed and gone: drop their answers
            present = ctx.doc.by_key
            self.suggestions = {k: v for k, v in self.suggestions.items() if k[0] in present}
        return out


class _Only:
    """A document that shows a rule only some of its entitlements."""

    def __init__(self, doc, entitlements) -> None:
        self._doc = doc
        self.entitlements = entitlements

    def __getattr__(self, name):
        return getattr(self._doc, name)


def _run_on(rule: Rule, severity: str, ctx, ents) -> Optional[List[List[Diagnostic]]]:
    """The rule's diagnostics for each of ents, or None if it reported
    something outside them (then it is not per entry after all)."""
    view = copy.copy(ctx)
    view.doc = _Only(ctx.doc, ents)
    per: List[List[Diagnostic]] = [[] for _ in ents]
    try:
        findings = list(rule.check(view))
    except Exception:
        return None
    i = 0
    for f in findings:
        while i < len(ents) and f.start > ents[i].item.end:
            i += 1
        if i == len(ents) or f.start < ents[i].item.start or f.end > ents[i].item.end:
            return None
        per[i].append(Diagnostic(rule.id, severity, f))
    return per


def _run_all(rule: Rule, severity: str, ctx) -> List[Diagnostic]:
    try:
        return [Diagnostic(rule.id, severity, f) for f in rule.check(ctx)]
    except Exception as exc:  # as analyze does: keep serving, say which rule failed
        return [Diagnostic(rule.id, "error", Finding(0, 0, f"internal error in rule {rule.id}: {exc!r}"))]


def _moved(d: Diagnostic, by: int) -> Diagnostic:
    fixes = [Fix(f.title, [Edit(e.start + by, e.end + by, e.new_text) for e in f.edits], f.safe, f.preferred)
             for f in d.fixes]
    related = [(s + by, e + by, m) for s, e, m in d.related]
    return Diagnostic(d.rule, d.severity, Finding(d.start + by, d.end + by, d.message, fixes, d.tags, related))
