"""Findings on an Xcode project's own lines (project.pbxproj, .xcconfig):
a CODE_SIGN_ENTITLEMENTS that names no file, or one that differs in case."""

from __future__ import annotations

import os
from typing import Dict, List, Optional, Tuple

from ent_ls.analysis.engine import SEVERITY_RANK, Diagnostic, Finding, get_rule
from ent_ls.config import Settings


class ProjectFile:
    """One file of a project with the findings on it."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self.diagnostics: List[Diagnostic] = []


def _line_span(text: str, line: int) -> Tuple[int, int]:
    start = 0
    for _ in range(max(line - 1, 0)):
        nl = text.find("\n", start)
        if nl < 0:
            break
        start = nl + 1
    end = text.find("\n", start)
    return start, (end if end >= 0 else len(text))


def _rel(path: str, root: str) -> str:
    try:
        return os.path.relpath(path, root)
    except ValueError:
        return path


def project_diagnostics(project, settings: Optional[Settings] = None) -> List[ProjectFile]:
    """missing-entitlements-file and entitlements-path-case for a project
    (an ent_ls.project.Project), on the line that sets the value."""
    settings = settings or Settings()
    files: Dict[str, ProjectFile] = {}
    groups: Dict[tuple, list] = {}
    for row in project.rows:
        if row.entitlements_state not in ("missing", "case") or row.where is None:
            continue
        key = (row.entitlements_state, row.where.path, row.where.line, row.entitlements)
        groups.setdefault(key, []).append(row)
    for (state, path, line, _), rows in groups.items():
        rule_id = "missing-entitlements-file" if state == "missing" else "entitlements-path-case"
        rule = get_rule(rule_id)
        if rule is None or not settings.rule_enabled(rule_id):
            continue
        pf = files.get(path)
        if pf is None:
            text = project.text if path == project.pbxproj else _read(path)
            if text is None:
                continue
            pf = files[path] = ProjectFile(path, text)
        row = rows[0]
        if row.where.start is not None and path == project.pbxproj:
            start, end = row.where.start, row.where.end or _line_span(pf.text, line)[1]
        else:
            start, end = _line_span(pf.text, line)
        pf.diagnostics.append(Diagnostic(rule_id, settings.severity.get(rule_id, rule.severity),
                                         Finding(start, end, _message(project, state, rows))))
    out = []
    for pf in files.values():
        pf.diagnostics.sort(key=lambda d: (d.start, SEVERITY_RANK[d.severity], d.rule))
        out.append(pf)
    return out


def _who(rows) -> str:
    targets = list(dict.fromkeys(r.target for r in rows))
    configs = list(dict.fromkeys(r.configuration for r in rows))
    who = ", ".join(targets[:2]) + (f" and {len(targets) - 2} more" if len(targets) > 2 else "")
    return f"{who}: {', '.join(configs[:3])}" + ("..." if len(configs) > 3 else "")


def _message(project, state: str, rows) -> str:
    row = rows[0]
    value = row.entitlements_value or ""
    written = (row.entitlements_written or value).strip().strip('"')
    if state == "case":
        actual = _rel(row.entitlements_actual or "", project.srcroot)
        return (f"{value} matches {actual} only when case is ignored, so it fails on case-sensitive disks "
                f"and in Linux CI ({_who(rows)})")
    if written != value:
        message = f"{written} gives {value}, which does not exist ({_who(rows)})"
    else:
        message = f"{value} does not exist ({_who(rows)})"
    if row.undefined:
        missing = [inc for inc, _, _ in project.missing_includes]
        because = f" ({missing[0]} is not in the repository)" if missing else ""
        message += f"; {', '.join(row.undefined)} is unset{because}"
    return message


def _read(path: str) -> Optional[str]:
    try:
        with open(path, "rb") as fh:
            return fh.read().decode("utf-8", errors="replace")
    except OSError:
        return None
