"""Re-analysis in proportion to the edit (issue 10).

Rules registered with scope="entry" find, for each entitlement, what only
that entry's text (from the start of its first line), the catalog and the
settings decide. Whole-document rules find what the tree's values decide.

Two ways to re-use a previous analysis of the same document:

- The tree was edited in place (syntax.incremental logs each edit): every
  kept diagnostic away from the edit is moved in place by the edit's length,
  the per-entry rules run again only on the entries the edit touched, and a
  whole-document rule runs again only when a key or value changed, when one
  of its findings (or their fixes) touched the edit, or when it reads the
  text's layout (Rule.layout). This costs a pass over integers.
- The text was parsed again: kept results are looked up by entry text, and
  moved copies are made for entries whose text did not change.

Diagnostics handed out by one analysis are moved in place by the next one
made with the same Reuse, so use them before analysing again (the server
does). The result equals a fresh analysis (tests/test_analysis_reuse.py).
"""

from __future__ import annotations

import bisect
import copy
from typing import Dict, List, Optional, Tuple

from ent_ls.analysis.edits import newline_of
from ent_ls.analysis.engine import Diagnostic, Finding, Rule, finding_severity, is_live, shifted
from ent_ls.syntax.xml import count_starting_before

# per entry: (index of a rule, the diagnostics it gave) for the rules that gave any
Pairs = Tuple[Tuple[int, List[Diagnostic]], ...]
# entry text from the start of its first line -> (where the entry started then, its results then)
Kept = Dict[str, Tuple[int, Pairs]]


class Reuse:
    """What one document's last analysis leaves for the next. Keep one per
    open document; it is only ever used for the settings it was made with."""

    def __init__(self) -> None:
        self.kept: Kept = {}  # built from the state below when the text is parsed again
        self.fingerprint: Optional[tuple] = None
        self.suggestions: dict = {}  # the catalog's "did you mean" memo for this document
        self._forget()

    def _forget(self) -> None:
        self._tree = None  # the tree (PlistDocument) the results below are for
        self._ents: Optional[list] = None  # its entitlements
        self._pairs: List[Pairs] = []  # per-entry results, one per entitlement
        self._rule_ids: tuple = ()  # of the per-entry rules, in the order of the pairs' indices
        self._whole: Dict[str, List[Diagnostic]] = {}  # whole-document rule -> its diagnostics
        self._fresh: set = set()  # whole-document rules whose kept results hold for this analysis

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
            self._forget()

    # --- whole-document rules -----------------------------------------------------

    def whole(self, rule: Rule) -> Optional[List[Diagnostic]]:
        """The kept diagnostics of a whole-document rule, if they still hold."""
        return self._whole.get(rule.id) if rule.id in self._fresh else None

    def keep_whole(self, rule: Rule, diags: List[Diagnostic]) -> None:
        for d in diags:
            _reach(d)
        self._whole[rule.id] = diags

    # --- per-entry rules -----------------------------------------------------------

    def run(self, rules: List[Tuple[Rule, str]], ctx, whole_rules: List[Rule] = ()) -> Dict[str, List[Diagnostic]]:
        """Diagnostics of each per-entry rule (with its severity), in the
        order a fresh run of the rule would give them. Also decides which of
        whole_rules keep their results (see whole)."""
        doc = ctx.doc
        tree = doc.plist
        ids = tuple(r.id for r, _ in rules)
        self._fresh = set()
        if (self._tree is tree and self._ents is doc.entitlements and ids == self._rule_ids
                and tree.edits is not None):
            edits, tree.edits = tree.edits, []
            return self._after_edits(edits, rules, ctx, whole_rules)
        if self._tree is not None and self._tree is not tree:
            self._remember_spans()
        tree.edits = []
        return self._by_text(rules, ctx)

    def _after_edits(self, edits, rules, ctx, whole_rules) -> Dict[str, List[Diagnostic]]:
        """The tree the kept results are for was edited in place."""
        dirty_entries, dirty_rules = self._move(edits)
        if any(e.leaf is not None for e in edits):  # a key or value changed: every whole-document rule runs
            self._whole = {}
        else:
            self._fresh = {r.id for r in whole_rules if not r.layout and r.id in self._whole} - dirty_rules
            self._whole = {k: v for k, v in self._whole.items() if k in self._fresh}  # the others run again
        touched = dirty_entries | self._touched_entries(edits, ctx.doc.entitlements, ctx.text)
        whole, failed = self._rerun(sorted(touched), rules, ctx)
        return whole if failed else self._collect(rules)

    def _by_text(self, rules, ctx) -> Dict[str, List[Diagnostic]]:
        """The text was parsed again: re-use results by entry text."""
        text = ctx.text
        ents = ctx.doc.entitlements
        line_starts = ctx.doc.lines.starts
        old = self.kept
        self.kept = {}
        self._whole = {}
        results: List[Optional[Pairs]] = []  # per entry: (rule index, its diagnostics) where there are any
        todo: List[int] = []
        for i, ent in enumerate(ents):
            start = ent.item.start
            found = old.get(text[line_starts[bisect.bisect_right(line_starts, start) - 1]:ent.item.end]) if old else None
            if found is None:
                results.append(None)
                todo.append(i)
                continue
            then, pairs = found
            if then != start and pairs:  # copies, moved (the kept ones already know their reach)
                pairs = tuple((k, [_moved(d, start - then) for d in diags]) for k, diags in pairs)
                for _, diags in pairs:
                    for d in diags:
                        _reach(d)
            results.append(pairs)
        self._tree, self._ents, self._pairs, self._rule_ids = ctx.doc.plist, ents, results, tuple(r.id for r, _ in rules)
        whole, failed = self._rerun(todo, rules, ctx)
        if failed:
            return whole
        if len(self.suggestions) > 2 * len(ents) + 64:  # keys typed and gone: drop their answers
            present = ctx.doc.by_key
            self.suggestions = {k: v for k, v in self.suggestions.items() if k[0] in present}
        return self._collect(rules)

    def _rerun(self, todo: List[int], rules, ctx) -> Tuple[Dict[str, List[Diagnostic]], bool]:
        """Run the per-entry rules on the entries todo (indices, in order),
        into self._pairs. (results, True) when a rule could not be run per
        entry: then results are whole runs and nothing is kept."""
        if not todo:
            return {}, False
        ents = ctx.doc.entitlements
        subset = [ents[i] for i in todo]
        fresh: List[list] = [[] for _ in todo]
        for k, (rule, severity) in enumerate(rules):
            per = _run_on(rule, severity, ctx, subset)
            if per is None:  # the rule failed or reported outside its entry: not per entry after all
                self._forget()
                self.kept = {}
                return {r.id: _run_all(r, sev, ctx) for r, sev in rules}, True
            for j, diags in enumerate(per):
                if diags:
                    for d in diags:
                        _reach(d)
                    fresh[j].append((k, diags))
        pairs = self._pairs
        for j, i in enumerate(todo):
            pairs[i] = tuple(fresh[j])
        return {}, False

    def _collect(self, rules) -> Dict[str, List[Diagnostic]]:
        outs: List[List[Diagnostic]] = [[] for _ in rules]
        for pairs in self._pairs:
            for k, diags in pairs:
                outs[k].extend(diags)
        return {rule.id: outs[k] for k, (rule, _) in enumerate(rules)}

    def _move(self, edits) -> Tuple[set, set]:
        """Move every kept diagnostic by each edit in turn. What an edit
        touches is not moved: the entries and whole-document rules it
        belongs to are returned, to be found again."""
        entries: set = set()
        rules: set = set()
        for ed in edits:
            s, e, by = ed.start, ed.end, ed.delta
            values = ed.leaf is not None
            for rid, diags in self._whole.items():
                if values or rid in rules:
                    continue  # found again anyway
                if not _move_all(diags, s, e, by):
                    rules.add(rid)
            for i, pairs in enumerate(self._pairs):
                for _, diags in pairs:
                    if not _move_all(diags, s, e, by):
                        entries.add(i)
        return entries, rules

    @staticmethod
    def _touched_entries(edits, ents, text: str) -> set:
        """The entries whose text from the start of their first line meets
        an edit, in the text as it is now."""
        touched = set()
        for n, ed in enumerate(edits):
            lo, hi = ed.start, ed.start + ed.new_length
            for later in edits[n + 1:]:
                lo, hi = _through(lo, later, False), _through(hi, later, True)
            j = count_starting_before(ents, hi, inclusive=True)
            i = j - 1
            while i >= 0 and ents[i].item.end >= lo:
                touched.add(i)
                i -= 1
            while j < len(ents) and _line_start(text, ents[j].start) <= hi:
                touched.add(j)
                j += 1
        return touched

    def _remember_spans(self) -> None:
        """The text was parsed again: key the kept per-entry results by
        entry text, from the old tree as its last edit left it."""
        tree, ents, pairs = self._tree, self._ents, self._pairs
        edits = tree.edits
        self.kept = {}
        if edits is None or ents is None or len(pairs) != len(ents):
            self._forget()
            return
        text = tree.text
        dirty = (self._move(edits)[0] | self._touched_entries(edits, ents, text)) if edits else set()
        kept = {}
        for i, ent in enumerate(ents):
            if i in dirty:
                continue
            start = ent.item.start
            kept[text[_line_start(text, start):ent.item.end]] = (start, pairs[i])
        self.kept = kept
        self._forget()


def _line_start(text: str, offset: int) -> int:
    return max(text.rfind("\n", 0, offset), text.rfind("\r", 0, offset)) + 1


def _through(offset: int, ed, high: bool) -> int:
    """offset in the text after ed (inside the replaced part: its start,
    or with high its end)."""
    if offset < ed.start:
        return offset
    if offset > ed.end:
        return offset + ed.delta
    return ed.start + ed.new_length if high else ed.start


def _move_all(diags: List[Diagnostic], s: int, e: int, by: int) -> bool:
    """Move diags after text[s:e] was replaced (by: the change in length);
    False if one of them reaches into that span (it may no longer hold).
    A diagnostic's range, each related range and its fixes move on their
    own: a duplicate key and the first one may lie on either side."""
    ok = True
    for d in diags:
        if d.end < s:
            pass
        elif d.start > e:
            if by:
                d.start += by
                d.end += by
        else:
            ok = False
            continue
        if d.related:
            moved = []
            for a, b, m in d.related:
                if b < s:
                    moved.append((a, b, m))
                elif a > e:
                    moved.append((a + by, b + by, m))
                else:
                    ok = False
            if by:
                d.related = moved
        if d._hi >= s:  # fixes not all before the edit
            if d._lo > e:
                if by:
                    d._lo += by
                    d._hi += by
                    d._by += by
            else:
                ok = False
    return ok


def _reach(d: Diagnostic) -> None:
    """Note the span d's fixes edit (made now if they are to be moved);
    fixes made on demand from the tree as it is then need no moving."""
    lo, hi = 1 << 62, -1
    if not is_live(d._fixes):
        for f in d.fixes:
            for ed in f.edits:
                lo, hi = min(lo, ed.start), max(hi, ed.end)
    d._lo, d._hi = lo, hi


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
    """A copy of d, by characters later. Made directly: half the diagnostics
    of a big file move at every keystroke above them."""
    m = Diagnostic.__new__(Diagnostic)
    m.rule, m.severity, m.message, m.tags = d.rule, d.severity, d.message, d.tags
    m.start, m.end = d.start + by, d.end + by
    fixes = d._fixes
    m._fixes = (lambda: shifted(d.fixes, by)) if callable(fixes) else (shifted(d.fixes, by) if fixes else [])
    m._by = 0
    m.related = [(s + by, e + by, t) for s, e, t in d.related] if d.related else []
    return m
