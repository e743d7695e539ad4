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

import bisect
import copy
from typing import Dict, List, Optional, Tuple

from ent_ls.analysis.edits import newline_of
from ent_ls.analysis.engine import Diagnostic, Edit, Finding, Fix, Rule, finding_severity

# per entry: (index of a rule, the diagnostics it gave) for the rules that gave any
Pairs = Tuple[Tuple[int, List[Diagnostic]], ...]
# entry text from the start of its first line -> (where the entry started then, its results then)
Kept = Dict[str, Tuple[int, Pairs]]


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
        # The project is kept by identity: a re-read project is a new object.
        fp = (id(ctx.catalog), ctx.platform, ctx.platform_source, tuple(ctx.platforms), newline_of(ctx.text),
              id(getattr(settings, "project", None)),
              repr(sorted((k, v) for k, v in vars(settings).items() if k not in ("source", "problems", "project"))))
        if fp != self.fingerprint:
            self.kept = {}
            self.suggestions = {}
            self.fingerprint = fp

    def run(self, rules: List[Tuple[Rule, str]], ctx) -> Dict[str, List[Diagnostic]]:
        """Diagnostics of each per-entry rule (with its severity), in the
        order a fresh run of the rule would give them."""
        text = ctx.text
        ents = ctx.doc.entitlements
        line_starts = ctx.doc.lines.starts
        old = self.kept
        spans: List[Tuple[str, int]] = []
        results: List[Optional[Pairs]] = []  # per entry: (rule index, its diagnostics) where there are any
        todo: List[int] = []
        for i, ent in enumerate(ents):
            start = ent.item.start
            span = text[line_starts[bisect.bisect_right(line_starts, start) - 1]:ent.item.end]
            spans.append((span, start))
            found = old.get(span)
            if found is None:
                results.append(None)
                todo.append(i)
                continue
            then, pairs = found
            if then != start and pairs:
                pairs = tuple((k, [_moved(d, start - then) for d in diags]) for k, diags in pairs)
            results.append(pairs)
        whole: Dict[int, List[Diagnostic]] = {}
        if todo:
            subset = [ents[i] for i in todo]
            fresh: List[list] = [[] for _ in todo]
            for k, (rule, severity) in enumerate(rules):
                per = _run_on(rule, severity, ctx, subset)
                if per is None:  # the rule failed or reported outside its entry
                    whole[k] = _run_all(rule, severity, ctx)
                    continue
                for j, diags in enumerate(per):
                    if diags:
                        fresh[j].append((k, diags))
            for j, i in enumerate(todo):
                results[i] = tuple(fresh[j])
        outs: List[List[Diagnostic]] = [[] for _ in rules]
        for pairs in results:
            for k, diags in pairs:  # type: ignore[union-attr]
                outs[k].extend(diags)
        for k, diags in whole.items():
            outs[k] = diags
        # an entry's text may occur many times: any one occurrence will do
        self.kept = {} if whole else {span: (start, pairs) for (span, start), pairs in zip(spans, results)}
        if len(self.suggestions) > 2 * len(ents) + 64:  # keys typed and gone: drop their answers
            present = ctx.doc.by_key
            self.suggestions = {k: v for k, v in self.suggestions.items() if k[0] in present}
        return {rule.id: outs[k] for k, (rule, _) in enumerate(rules)}


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
        per[i].append(Diagnostic(rule.id, finding_severity(rule, severity, f, ctx.settings), f))
    return per


def _run_all(rule: Rule, severity: str, ctx) -> List[Diagnostic]:
    try:
        return [Diagnostic(rule.id, finding_severity(rule, severity, f, ctx.settings), f) for f in rule.check(ctx)]
    except Exception as exc:  # as analyze does: keep serving, say which rule failed
        return [Diagnostic(rule.id, "error", Finding(0, 0, f"internal error in rule {rule.id}: {exc!r}"))]


def _moved(d: Diagnostic, by: int) -> Diagnostic:
    """d, by characters later. Made directly: half the diagnostics of a big
    file move at every keystroke above them."""
    m = Diagnostic.__new__(Diagnostic)
    m.rule, m.severity, m.message, m.tags = d.rule, d.severity, d.message, d.tags
    m.start, m.end = d.start + by, d.end + by
    fixes = d._fixes
    m._fixes = (lambda: _shifted(d.fixes, by)) if callable(fixes) else (_shifted(fixes, by) if fixes else [])
    m.related = [(s + by, e + by, t) for s, e, t in d.related] if d.related else []
    return m


def _shifted(fixes: List[Fix], by: int) -> List[Fix]:
    return [Fix(f.title, [Edit(e.start + by, e.end + by, e.new_text) for e in f.edits], f.safe, f.preferred)
            for f in fixes]
