"""Finding the Xcode projects that concern a file, read once per run."""

from __future__ import annotations

import os
from typing import Dict, Iterable, List, Optional, Tuple

from ent_ls.project.model import Project, ProjectError, Signing, read_project

SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv", "DerivedData", "Pods",
             "Carthage", ".build", "build", ".swiftpm"}
MAX_PROJECTS = 200
MAX_FOLDERS = 20_000  # a workspace walk stops here: a huge monorepo must not delay the first diagnostics


def _projects_in(folder: str) -> List[str]:
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    return [os.path.join(folder, n) for n in names
            if n.endswith(".xcodeproj") and os.path.isfile(os.path.join(folder, n, "project.pbxproj"))]


def find_projects_above(path: str) -> List[str]:
    """The .xcodeproj folders beside path and in each folder above it, up to
    the repository's root (the first folder holding .git) or the disk's."""
    folder = os.path.abspath(path if os.path.isdir(path) else os.path.dirname(path) or ".")
    found: List[str] = []
    while True:
        found.extend(_projects_in(folder))
        parent = os.path.dirname(folder)
        if parent == folder or os.path.exists(os.path.join(folder, ".git")):
            return found
        folder = parent


def find_projects_under(folder: str) -> List[str]:
    found: List[str] = []
    seen = 0
    for root, dirs, _files in os.walk(folder):
        seen += 1
        if seen > MAX_FOLDERS:
            break
        keep = []
        for d in sorted(dirs):
            if d.endswith(".xcodeproj"):
                if os.path.isfile(os.path.join(root, d, "project.pbxproj")):
                    found.append(os.path.join(root, d))
            elif d not in SKIP_DIRS and not d.endswith((".xcworkspace", ".xcassets", ".app", ".framework")):
                keep.append(d)
        dirs[:] = keep
        if len(found) >= MAX_PROJECTS:
            break
    return found


def _stamp(paths: Iterable[str]) -> Tuple:
    out = []
    for p in paths:
        try:
            st = os.stat(p)
            out.append((p, st.st_mtime_ns, st.st_size))
        except OSError:
            out.append((p, None, None))
    return tuple(out)


class ProjectCache:
    """Projects read once, and again only when a file they were read from
    (project.pbxproj, an .xcconfig) changes."""

    def __init__(self, check_stamps: bool = False) -> None:
        self.check_stamps = check_stamps  # the server checks; one CLI run does not
        self._entries: Dict[str, Tuple[Tuple, Optional[Project], Optional[str]]] = {}

    def get(self, xcodeproj: str) -> Tuple[Optional[Project], Optional[str]]:
        """(project, None) or (None, error message)."""
        key = os.path.abspath(xcodeproj)
        entry = self._entries.get(key)
        if entry is not None and (not self.check_stamps or _stamp(s[0] for s in entry[0]) == entry[0]):
            return entry[1], entry[2]
        try:
            project, error = read_project(key), None
            files = project.files
        except ProjectError as exc:
            project, error, files = None, str(exc), [os.path.join(key, "project.pbxproj")]
        self._entries[key] = (_stamp(files), project, error)
        return project, error

    def forget(self, path: Optional[str] = None) -> None:
        if path is None:
            self._entries.clear()
            return
        path = os.path.abspath(path)
        for key, (stamps, _, _) in list(self._entries.items()):
            if any(s[0] == path for s in stamps) or path.startswith(key + os.sep):
                del self._entries[key]

    def read_all(self, paths: Iterable[str]) -> Tuple[List[Project], List[str]]:
        projects, errors = [], []
        for p in paths:
            project, error = self.get(p)
            if project is not None:
                projects.append(project)
            elif error:
                errors.append(error)
        return projects, errors


class FileProjects:
    """What the projects say about one entitlements file: the builds that
    sign with it (empty when no target names it)."""

    def __init__(self, path: str, projects: List[Project], complete: bool = True) -> None:
        self.path = path
        self.projects = projects
        self.complete = complete  # every project concerned could be read
        self.uses: List[Signing] = [row for p in projects for row in p.uses_of(path)]
        here = os.path.abspath(path)
        self.inside = any(here.startswith(p.srcroot.rstrip(os.sep) + os.sep) for p in projects)

    @property
    def platforms(self) -> List[str]:
        out: List[str] = []
        for row in self.uses:
            for p in row.platforms:
                if p not in out:
                    out.append(p)
        return out

    @property
    def release_uses(self) -> List[Signing]:
        return [r for r in self.uses if not r.debug]

    def summary(self) -> str:
        """Markdown: which builds use the file, platforms, Hardened Runtime."""
        if not self.uses:
            names = ", ".join(os.path.basename(p.path) for p in self.projects)
            return f"No target of {names} signs with this file."
        lines = ["**Signed into** (from the Xcode project):", ""]
        by_target: Dict[Tuple[str, str], List[Signing]] = {}
        for row in self.uses:
            by_target.setdefault((row.project.name, row.target), []).append(row)
        for (project, target), rows in by_target.items():
            configs = ", ".join(f"{r.configuration}{' (debug)' if r.debug else ''}" for r in rows)
            platforms = ", ".join(dict.fromkeys(p for r in rows for p in r.platforms)) or "unknown platform"
            hardened = {r.hardened_runtime for r in rows if r.hardened_runtime is not None}
            runtime = ""
            if hardened:
                runtime = "; Hardened Runtime " + ("on" if hardened == {True} else
                                                   "off" if hardened == {False} else "on in some configurations")
            lines.append(f"- `{target}` ({project}): {configs}; {platforms}{runtime}")
        return "\n".join(lines)


def file_projects(path: str, cache: ProjectCache, extra: Iterable[str] = (),
                  above: Optional[Dict[str, List[str]]] = None) -> Optional[FileProjects]:
    """The projects above path (and the extra ones, such as those found in
    the checked folder or the workspace); None when there are none. above:
    a memo of find_projects_above by folder, for many files in one run."""
    folder = os.path.dirname(os.path.abspath(path))
    if above is None:
        found = find_projects_above(path)
    elif folder in above:
        found = above[folder]
    else:
        found = above[folder] = find_projects_above(path)
    paths = list(dict.fromkeys(list(found) + [os.path.abspath(p) for p in extra]))
    if not paths:
        return None
    projects, errors = cache.read_all(paths)
    if not projects:
        return None
    return FileProjects(path, projects, complete=not errors)
