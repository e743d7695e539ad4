"""The command line's use of Xcode projects: `ent-ls targets`, and what
`ent-ls check` learns from the projects around the files it checks."""

from __future__ import annotations

import json
import os
import sys
from typing import List, Optional, Sequence, TextIO

from ent_ls.project import ProjectCache, find_projects_above, find_projects_under
from ent_ls.project.finder import file_projects


class CheckProjects:
    """Projects for one `ent-ls check` run, each read once."""

    def __init__(self, paths: Sequence[str]) -> None:
        self.cache = ProjectCache()
        self.under: List[str] = []
        for p in paths:
            if p != "-" and os.path.isdir(p):
                self.under.extend(find_projects_under(p))
        self._warned = set()
        self._above: dict = {}  # folder -> projects above it

    def attach(self, settings, path: Optional[str]) -> None:
        """Give settings the builds that sign with path (None: no project)."""
        if not path or path == "-":
            return
        settings.project = file_projects(path, self.cache, self.under, self._above)

    def results(self, settings_for, FileResult) -> list:
        """missing-entitlements-file findings for the projects under the
        checked folders, as results on project.pbxproj or an .xcconfig."""
        from ent_ls.analysis.project import project_diagnostics

        out = []
        for path in self.under:
            project, error = self.cache.get(path)
            if project is None:
                self.warn(f"ent-ls: project: {error} (skipped)")
                continue
            for pf in project_diagnostics(project, settings_for(project.pbxproj)):
                out.append(FileResult(_shown(pf.path), pf.text, pf.diagnostics))
        return out

    def warn(self, message: str) -> None:
        if message not in self._warned:
            self._warned.add(message)
            print(message, file=sys.stderr)


def _shown(path: Optional[str]) -> Optional[str]:
    if path is None:
        return None
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def run_targets(args) -> int:
    paths = args.paths or ["."]
    found: List[str] = []
    for p in paths:
        if not os.path.exists(p):
            print(f"ent-ls: error: no such file or folder: {p}", file=sys.stderr)
            return 2
        if p.endswith(".xcodeproj") and os.path.isdir(p):
            found.append(p)
        elif os.path.basename(p) == "project.pbxproj":
            found.append(os.path.dirname(p) or ".")
        elif os.path.isdir(p):
            found.extend(find_projects_under(p) or find_projects_above(p))
        else:
            found.extend(find_projects_above(p))
    found = list(dict.fromkeys(os.path.normpath(f) for f in found))
    if not found:
        print("ent-ls: error: no Xcode project (.xcodeproj) found", file=sys.stderr)
        return 2
    cache = ProjectCache()
    rows, failed = [], 0
    for xp in found:
        project, error = cache.get(xp)
        if project is None:
            print(f"ent-ls: error: {error}", file=sys.stderr)
            failed += 1
            continue
        for wanted, where, line in project.missing_includes:
            print(f"ent-ls: note: {_shown(where)}:{line}: optional #include? \"{wanted}\" is not in the repository; "
                  "resolved without it", file=sys.stderr)
        for problem in project.problems:
            print(f"ent-ls: warning: {problem}", file=sys.stderr)
        rows.extend(project.rows)
    if args.format == "json":
        data = []
        for r in rows:
            item = r.to_json()
            item["project"] = _shown(r.project.path)
            for k in ("entitlements", "entitlements_found", "info_plist"):
                item[k] = _shown(item[k])
            data.append(item)
        json.dump(data, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        write_table(rows, sys.stdout)
    return 2 if failed else 0


def write_table(rows, out: TextIO) -> None:
    head = ("project", "target", "configuration", "platforms", "hardened", "entitlements", "bundle id")
    table = [head]
    for r in rows:
        ent = _shown(r.entitlements) or "-"
        if r.entitlements_state == "missing":
            ent += " (missing)"
        elif r.entitlements_state == "case":
            ent += " (case differs)"
        hardened = "-" if r.hardened_runtime is None else ("yes" if r.hardened_runtime else "no")
        config = r.configuration + (" (debug)" if r.debug else "")
        table.append((os.path.basename(r.project.path), r.target, config, ", ".join(r.platforms) or "?",
                      hardened, ent, r.bundle_id or "-"))
    widths = [max(len(row[i]) for row in table) for i in range(len(head) - 1)]
    for row in table:
        out.write("  ".join(c.ljust(w) for c, w in zip(row, widths)) + "  " + row[-1] + "\n")
