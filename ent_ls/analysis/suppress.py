"""Suppression comments.

    <!-- ent-ls: disable-next-line RULE[, RULE] -->   the line after the comment
    <!-- ent-ls: disable RULE[, RULE] -->             the whole file

A suppression that silences nothing is itself reported (unused-suppression).
"""

from __future__ import annotations

import re
from typing import List, Optional, Tuple

from ent_ls.analysis.edits import indent_of, newline_of, remove_span
from ent_ls.analysis.engine import REGISTRY, UNNECESSARY, Diagnostic, Edit, Finding, Fix, rule_runs
from ent_ls.config import Settings
from ent_ls.document import Document
from ent_ls.syntax.xml import COMMENT

_DIRECTIVE = re.compile(r"<!--\s*ent-ls:\s*(disable-next-line|disable)\b(.*?)-->", re.S)
NEXT_LINE = "disable-next-line"
FILE = "disable"


class Suppression:
    __slots__ = ("kind", "rules", "start", "end", "line", "used")

    def __init__(self, kind: str, rules: List[Tuple[str, int, int]], start: int, end: int, line: int) -> None:
        self.kind = kind
        self.rules = rules  # (rule id, start, end) as written
        self.start = start  # the comment
        self.end = end
        self.line = line  # the line the comment ends on
        self.used: set = set()


def find_suppressions(doc: Document) -> List[Suppression]:
    text = doc.text
    out = []
    for tok in doc.plist.tokens:
        if tok.kind != COMMENT or "ent-ls" not in text[tok.start:tok.end]:
            continue
        m = _DIRECTIVE.match(text, tok.start, tok.end)
        if m is None:
            continue
        rules = [(r.group(0), r.start(), r.end()) for r in re.finditer(r"[A-Za-z0-9_-]+", text[m.start(2):m.end(2)])]
        rules = [(rid, s + m.start(2), e + m.start(2)) for rid, s, e in rules]
        line = doc.lines.position(tok.end)[0]
        out.append(Suppression(m.group(1), rules, tok.start, tok.end, line))
    return out


def apply_suppressions(doc: Document, diagnostics: List[Diagnostic], settings: Settings) -> List[Diagnostic]:
    """Drop the diagnostics that a comment silences; add unused-suppression."""
    if "ent-ls" not in doc.text:
        return diagnostics
    sups = find_suppressions(doc)
    if not sups:
        return diagnostics
    kept = []
    for d in diagnostics:
        line = None
        silenced = False
        for s in sups:
            ids = [r for r, _, _ in s.rules]
            if d.rule not in ids:
                continue
            if s.kind == NEXT_LINE:
                if line is None:
                    line = doc.lines.position(d.start)[0]
                if line != s.line + 1:
                    continue
            s.used.add(d.rule)
            silenced = True
        if not silenced:
            kept.append(d)
    if settings.rule_enabled("unused-suppression"):
        rule = REGISTRY["unused-suppression"]
        severity = settings.severity.get(rule.id, rule.severity)
        for s in sups:
            for rid, start, end in s.rules:
                if rid in s.used or (rid in REGISTRY and not rule_runs(REGISTRY[rid], settings)):
                    continue
                why = "is not a rule of ent-ls" if rid not in REGISTRY else "reports nothing here"
                fix = _removal(doc, s, rid)
                kept.append(Diagnostic(rule.id, severity, Finding(
                    start, end, f"suppression of {rid} is unused: {rid} {why}", [fix], [UNNECESSARY])))
    return kept


def _removal(doc: Document, s: Suppression, rid: str) -> Fix:
    others = [r for r, _, _ in s.rules if r != rid]
    if not others:
        return Fix("Remove the unused suppression comment", [remove_span(doc.text, s.start, s.end)], safe=True)
    new = f"<!-- ent-ls: {s.kind} {', '.join(others)} -->"
    return Fix(f"Remove {rid} from the suppression comment", [Edit(s.start, s.end, new)], safe=True)


def suppression_fixes(doc: Document, diag: Diagnostic) -> List[Fix]:
    """Fixes that insert a comment silencing diag: on its line, in the file."""
    if diag.rule in ("apple-strict-format", "codesign-parse"):
        # a comment against the rule about comments; a comment before a byte-order
        # mark or the declaration would break the file: the config file does it
        return []
    text = doc.text
    nl = newline_of(text)
    line_start = doc.lines.starts[doc.lines.position(diag.start)[0]]
    indent = indent_of(text, diag.start)
    fixes = [Fix(
        f"Suppress {diag.rule} on this line",
        [Edit(line_start, line_start, f"{indent}<!-- ent-ls: {NEXT_LINE} {diag.rule} -->{nl}")],
        safe=True,
    )]
    at = _file_comment_offset(doc)
    if at is not None:
        fixes.append(Fix(
            f"Suppress {diag.rule} in this file",
            [Edit(at, at, f"<!-- ent-ls: {FILE} {diag.rule} -->{nl}")],
            safe=True,
        ))
    return fixes


def _file_comment_offset(doc: Document) -> Optional[int]:
    # Right before the <plist> (or root) element, at the start of its line.
    root = doc.plist.plist or (doc.plist.root.elem if doc.plist.root is not None else None)
    if root is None:
        return None
    return doc.lines.starts[doc.lines.position(root.start)[0]]
