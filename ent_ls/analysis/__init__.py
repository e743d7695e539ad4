"""Analysis: a document and the catalog in, diagnostics and fixes out.

Everything here is plain data with offsets into the document's text; the
front ends turn offsets into positions.
"""

from __future__ import annotations

import re
from typing import List, Optional

from ent_ls.analysis.engine import (
    DEPRECATED,
    ENTRY,
    SEVERITIES,
    SEVERITY_RANK,
    UNNECESSARY,
    Diagnostic,
    Edit,
    Finding,
    Fix,
    Rule,
    all_rules,
    get_rule,
    finding_severity,
    rule_runs,
)
from ent_ls.analysis.reuse import Reuse
from ent_ls.analysis.rules.kind import not_a_plist_finding
from ent_ls.analysis.suppress import apply_suppressions
from ent_ls.catalog import PLATFORMS, Catalog, default_catalog
from ent_ls.config import Settings
from ent_ls.document import Document

__all__ = [
    "DEPRECATED", "SEVERITIES", "SEVERITY_RANK", "UNNECESSARY", "Context", "Diagnostic",
    "Edit", "Finding", "Fix", "Rule", "all_rules", "analyze", "get_rule", "infer_platform",
]

_PLATFORM_WORDS = {name: name for name in PLATFORMS}
_PLATFORM_WORDS.update({"mac": "macos", "osx": "macos", "catalyst": "maccatalyst", "watch": "watchos"})
_SPLIT = re.compile(r"[-_. ]+")


def infer_platform(path: Optional[str]) -> Optional[str]:
    """The platform a path names: the nearest folder or file name part that is
    a platform word (macos/Runner/..., App-iOS.entitlements). A part naming two
    platforms (ios-mac-app) says nothing."""
    if not path:
        return None
    for part in reversed(re.split(r"[\\/]+", path)):
        found = {_PLATFORM_WORDS[w.lower()] for w in _SPLIT.split(part) if w.lower() in _PLATFORM_WORDS}
        if "maccatalyst" in found:  # "Mac Catalyst" names one platform
            found.discard("macos")
        if len(found) == 1:
            return found.pop()
        if found:
            return None
    return None


class Context:
    """What a rule sees: the document, the catalog, the settings and the
    target platform (a catalog name such as "macOS", or None)."""

    def __init__(self, doc: Document, catalog: Catalog, settings: Settings) -> None:
        self.doc = doc
        self.text = doc.text
        self.catalog = catalog
        self.settings = settings
        name = settings.platform or infer_platform(doc.path)
        self.platform_source = "settings" if settings.platform else ("path" if name else None)
        self.platform: Optional[str] = PLATFORMS.get(name) if name else None
        # The Xcode project, when one signs with the file, says more than the path.
        self.project = getattr(settings, "project", None)
        self.platforms: List[str] = [self.platform] if self.platform else []
        built_for = self.project.platforms if self.project is not None else []
        if built_for and not settings.platform:
            self.platforms = [p for p in built_for if p in PLATFORMS.values()]
            self.platform = ("macOS" if "macOS" in self.platforms else self.platforms[0]) if self.platforms else None
            self.platform_source = "project" if self.platform else None


def analyze(doc: Document, catalog: Optional[Catalog] = None, settings: Optional[Settings] = None,
            reuse: Optional[Reuse] = None) -> List[Diagnostic]:
    """Run every enabled rule over doc. Never raises for any document: a rule
    that fails is a bug, and is reported as a diagnostic instead of a crash.
    reuse: what the previous analysis of the same document left (the result
    is the same with or without it; see analysis.reuse)."""
    settings = settings or Settings()
    catalog = (catalog or default_catalog()).with_extra(settings.extend_keys)
    ctx = Context(doc, catalog, settings)
    foreign = not_a_plist_finding(doc)
    if foreign is not None:  # a Mach-O, a zip...: one finding instead of hundreds
        if not settings.rule_enabled("not-a-plist"):
            return []
        return [Diagnostic("not-a-plist", settings.severity.get("not-a-plist", "error"), foreign)]
    if reuse is not None:
        reuse.start(ctx)
        with catalog.remembering(reuse.suggestions):
            return _analyze(ctx, reuse)
    return _analyze(ctx, None)


def _analyze(ctx: Context, reuse: Optional[Reuse]) -> List[Diagnostic]:
    doc, settings = ctx.doc, ctx.settings
    rules = [(r, settings.severity.get(r.id, r.severity)) for r in all_rules()
             if r.id not in ("unused-suppression", "not-a-plist") and rule_runs(r, settings)]
    per_entry = {}
    if reuse is not None:
        per_entry = reuse.run([(r, sev) for r, sev in rules if r.scope == ENTRY], ctx,
                              [r for r, _ in rules if r.scope != ENTRY])
    out: List[Diagnostic] = []
    for rule, severity in rules:
        if rule.id in per_entry:
            out.extend(per_entry[rule.id])
            continue
        kept = reuse.whole(rule) if reuse is not None else None
        if kept is not None:
            out.extend(kept)
            continue
        found: List[Diagnostic] = []
        try:
            for finding in rule.check(ctx):
                found.append(Diagnostic(rule.id, finding_severity(rule, severity, finding, settings), finding))
        except Exception as exc:  # keep serving; say which rule failed
            found.append(Diagnostic(rule.id, "error", Finding(0, 0, f"internal error in rule {rule.id}: {exc!r}")))
        if reuse is not None:
            reuse.keep_whole(rule, found)
        out.extend(found)
    out = apply_suppressions(doc, out, settings)
    out.sort(key=lambda d: (d.start, d.end, SEVERITY_RANK[d.severity], d.rule))
    return _unique(out)


def _unique(diags: List[Diagnostic]) -> List[Diagnostic]:
    """Identical findings at one place, reported once (for every front end).
    diags are sorted by place, so identical ones sit in one run of equal
    (start, end): only such runs are compared."""
    out: List[Diagnostic] = []
    run_start = 0  # where in out the run of the current (start, end) begins
    start = end = -1
    for d in diags:
        if d.start != start or d.end != end:
            start, end, run_start = d.start, d.end, len(out)
        elif any(o.rule == d.rule and o.message == d.message for o in out[run_start:]):
            continue
        out.append(d)
    return out
