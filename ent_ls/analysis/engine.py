"""Rules, diagnostics and fixes as plain data (offsets, not positions)."""

from __future__ import annotations

from typing import Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

SEVERITIES = ("error", "warning", "information", "hint")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}  # lower is worse

# Diagnostic tags, as LSP knows them.
UNNECESSARY = "unnecessary"
DEPRECATED = "deprecated"

# Rule scopes. A rule whose findings for each entitlement depend only on that
# entry's text (with its line), the catalog and the settings says ENTRY; the
# server then re-runs it only for the entries an edit touched. DOCUMENT, the
# default, is always safe: the rule runs on every analysis.
DOCUMENT = "document"
ENTRY = "entry"


class Edit:
    """Replace text[start:end] with new_text."""

    __slots__ = ("start", "end", "new_text")

    def __init__(self, start: int, end: int, new_text: str) -> None:
        self.start = start
        self.end = end
        self.new_text = new_text

    def to_json(self) -> dict:
        return {"start": self.start, "end": self.end, "new_text": self.new_text}

    def __repr__(self) -> str:
        return f"Edit({self.start}, {self.end}, {self.new_text!r})"


class Fix:
    """A titled set of edits. Unsafe fixes may change what the app does."""

    __slots__ = ("title", "edits", "safe", "preferred")

    def __init__(self, title: str, edits: Sequence[Edit], safe: bool = True, preferred: bool = False) -> None:
        self.title = title
        self.edits = list(edits)
        self.safe = safe
        self.preferred = preferred

    def to_json(self) -> dict:
        return {
            "title": self.title,
            "safe": self.safe,
            "preferred": self.preferred,
            "edits": [e.to_json() for e in self.edits],
        }

    @classmethod
    def from_json(cls, data: dict) -> "Fix":
        edits = [Edit(e["start"], e["end"], e["new_text"]) for e in data.get("edits", [])]
        return cls(data["title"], edits, bool(data.get("safe")), bool(data.get("preferred")))


class _LazyFixes:
    """fixes may be held as a function that makes them: made on first use, so
    a rule with thousands of findings builds no edits nobody asks for."""

    __slots__ = ()

    @property
    def fixes(self) -> List[Fix]:
        fixes = self._fixes
        if callable(fixes):
            fixes = self._fixes = list(fixes())
        return fixes

    @fixes.setter
    def fixes(self, value) -> None:
        self._fixes = value


class Finding(_LazyFixes):
    """What a rule reports; the engine adds the rule id and severity."""

    __slots__ = ("start", "end", "message", "_fixes", "tags", "related", "severity")

    def __init__(
        self,
        start: int,
        end: int,
        message: str,
        fixes: Union[Sequence[Fix], Callable[[], Sequence[Fix]]] = (),
        tags: Sequence[str] = (),
        related: Sequence[Tuple[int, int, str]] = (),
        severity: Optional[str] = None,
    ) -> None:
        self.start = start
        self.end = end
        self.message = message
        self._fixes = fixes if callable(fixes) else list(fixes)
        self.tags = list(tags)
        self.related = list(related)
        self.severity = severity  # overrides the rule's default severity, unless the user set one


def is_live(fixes) -> bool:
    """Fixes made on demand from the tree as it is then (duplicate-key's):
    never kept, and never moved."""
    return callable(fixes) and getattr(fixes, "live", False)


def shifted(fixes: Sequence[Fix], by: int) -> List[Fix]:
    """fixes, by characters later."""
    if not by:
        return list(fixes)
    return [Fix(f.title, [Edit(e.start + by, e.end + by, e.new_text) for e in f.edits], f.safe, f.preferred)
            for f in fixes]


class Diagnostic(_LazyFixes):
    # _by: how far the fixes have moved since they were made (analysis.reuse
    # moves a kept diagnostic in place and its fixes only when asked for);
    # _lo, _hi: the span its fixes edit (set by analysis.reuse).
    __slots__ = ("rule", "severity", "start", "end", "message", "_fixes", "tags", "related", "_by", "_lo", "_hi")

    def __init__(self, rule: str, severity: str, finding: Finding) -> None:
        self.rule = rule
        self.severity = severity
        self.start = finding.start
        self.end = finding.end
        self.message = finding.message
        self._fixes = finding._fixes
        self.tags = finding.tags
        self.related = finding.related
        self._by = 0

    @property
    def fixes(self) -> List[Fix]:
        fixes = self._fixes
        if is_live(fixes):  # made from the tree as it is now: not kept
            return list(fixes())
        if callable(fixes):
            fixes = list(fixes())
        elif not self._by:
            return fixes
        self._fixes, self._by = shifted(fixes, self._by), 0
        return self._fixes

    @fixes.setter
    def fixes(self, value) -> None:
        self._fixes = value
        self._by = 0

    def to_json(self) -> dict:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "start": self.start,
            "end": self.end,
            "message": self.message,
            "tags": self.tags,
            "related": [{"start": s, "end": e, "message": m} for s, e, m in self.related],
            "fixes": [f.to_json() for f in self.fixes],
        }

    def __repr__(self) -> str:
        return f"Diagnostic({self.rule}, {self.severity}, {self.start}, {self.end}, {self.message!r})"


class Rule:
    """A rule: a stable id, a default severity, a one-line summary, and a
    check from the analysis context to findings. doc is markdown for
    docs/rules.md: why it matters, an example, the fix."""

    def __init__(
        self,
        id: str,
        severity: str,
        summary: str,
        check: Callable[["object"], Iterable[Finding]],
        doc: str = "",
        example: str = "",
        fixed: str = "",
        applies_to: str = "",
        opt_in: bool = False,
        scope: str = DOCUMENT,
        full: str = "",
        layout: bool = False,
    ) -> None:
        assert severity in SEVERITIES, severity
        assert scope in (DOCUMENT, ENTRY), scope
        self.id = id
        self.severity = severity
        self.summary = summary
        self.check = check
        self.doc = doc.strip()
        self.example = example.strip("\n")
        self.fixed = fixed.strip("\n")
        # "" for every document; "signed": only entitlements read out of
        # signed code; "profile": only when a provisioning profile is given.
        self.applies_to = applies_to
        self.opt_in = opt_in  # off unless named in select (or ALL) or given a severity
        self.scope = scope
        # What a finding of this rule means, in full: SARIF's fullDescription.
        # Messages stay short; this keeps the longer wording.
        self.full = " ".join(full.split()) or summary
        # Whether the findings depend on the text's white space and layout,
        # not only on the tree's values: such a rule runs after every edit.
        self.layout = layout


REGISTRY: Dict[str, Rule] = {}


def rule(id: str, severity: str, summary: str, doc: str = "", example: str = "", fixed: str = "",
         applies_to: str = "", opt_in: bool = False, scope: str = DOCUMENT, full: str = "",
         layout: bool = False) -> Callable:
    """Register a check function as a rule. An opt_in rule runs only when
    the settings ask for it; scope: see ENTRY; full: the long wording."""

    def register(check: Callable[[object], Iterator[Finding]]) -> Callable:
        if id in REGISTRY:
            raise ValueError(f"rule {id} registered twice")
        REGISTRY[id] = Rule(id, severity, summary, check, doc, example, fixed,
                            applies_to=applies_to, opt_in=opt_in, scope=scope, full=full, layout=layout)
        return check

    return register


def finding_severity(rule: Rule, severity: str, finding: Finding, settings) -> str:
    """A finding's own severity wins over the rule's, unless the user set one for the rule."""
    if finding.severity and rule.id not in settings.severity:
        return finding.severity
    return severity


def rule_runs(rule: Rule, settings) -> bool:
    """Whether settings turn rule on: not ignored or off, and for an opt-in
    rule, named in select (or ALL) or given a severity."""
    if not settings.rule_enabled(rule.id):
        return False
    if rule.opt_in:
        chosen = settings.select or []
        return rule.id in chosen or "ALL" in chosen or rule.id in settings.severity
    return True


def all_rules() -> List[Rule]:
    from ent_ls.analysis import rules  # noqa: F401  registers every rule

    return list(REGISTRY.values())


def get_rule(id: str) -> Optional[Rule]:
    all_rules()
    return REGISTRY.get(id)
