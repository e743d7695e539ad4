"""Which files `ent-ls check` reads: named files, and entitlements files
found under named folders the way users expect from other linters.

Folders skip build output, dependency checkouts and hidden folders, and
whatever the project's .gitignore files ignore. Patterns use gitignore's
rules (pathspec), so `exclude` settings read like .gitignore lines.
"""

from __future__ import annotations

import os
from typing import Iterable, List, Optional, Sequence, Tuple

import pathspec

# Build products and dependency folders of Xcode, CocoaPods, Carthage,
# SwiftPM, React Native and Python projects. Hidden folders are skipped too.
DEFAULT_EXCLUDE = ("build/", "DerivedData/", "Pods/", "Carthage/", "node_modules/", "__pycache__/", "venv/")


def is_entitlements_name(name: str) -> bool:
    lower = name.lower()
    return lower.endswith(".entitlements") or (lower.startswith("entitlements") and lower.endswith(".plist"))


def _spec(lines: Iterable[str]) -> "pathspec.PathSpec":
    return pathspec.GitIgnoreSpec.from_lines(list(lines))


def _read_ignore(path: str) -> Optional["pathspec.PathSpec"]:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return _spec(fh.read().splitlines())
    except OSError:
        return None


def _git_root(folder: str) -> Optional[str]:
    d = os.path.abspath(folder)
    while True:
        if os.path.exists(os.path.join(d, ".git")):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def _outer_ignores(folder: str) -> List[Tuple[str, "pathspec.PathSpec"]]:
    """.gitignore files above folder, up to its repository's root, and the
    repository's info/exclude, outermost first."""
    root = _git_root(folder)
    if root is None:
        return []
    found: List[Tuple[str, pathspec.PathSpec]] = []
    info = _read_ignore(os.path.join(root, ".git", "info", "exclude"))
    if info is not None:
        found.append((root, info))
    d = os.path.dirname(os.path.abspath(folder))
    chain = []
    while len(d) >= len(root):
        chain.append(d)
        if d == root:
            break
        d = os.path.dirname(d)
    for d in reversed(chain):
        spec = _read_ignore(os.path.join(d, ".gitignore"))
        if spec is not None:
            found.append((d, spec))
    return found


def _ignored(specs: Sequence[Tuple[str, "pathspec.PathSpec"]], path: str, is_dir: bool) -> bool:
    """gitignore's answer for an absolute path: the last pattern that
    matches decides, deeper files after shallower ones."""
    decision = None
    for base, spec in specs:
        rel = os.path.relpath(path, base).replace(os.sep, "/")
        if rel.startswith(".."):
            continue
        result = spec.check_file(rel + "/" if is_dir else rel)
        if result.include is not None:
            decision = result.include
    return bool(decision)


def walk(folder: str, exclude: Sequence[str] = DEFAULT_EXCLUDE, gitignore: bool = True,
         hidden: bool = False) -> List[str]:
    """Entitlements files under folder, sorted. exclude holds gitignore-style
    patterns matched against paths relative to folder."""
    excluded = _spec(exclude)
    top = os.path.abspath(folder)
    specs = _outer_ignores(top) if gitignore else []
    found: List[str] = []
    stack: List[Tuple[str, str, List[Tuple[str, pathspec.PathSpec]]]] = [(folder, top, specs)]
    while stack:
        shown, absolute, specs = stack.pop()
        if gitignore:
            own = _read_ignore(os.path.join(absolute, ".gitignore"))
            if own is not None:
                specs = specs + [(absolute, own)]
        try:
            entries = sorted(os.scandir(absolute), key=lambda e: e.name)
        except OSError:
            continue
        subdirs = []
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:
                continue
            rel = os.path.relpath(entry.path, top).replace(os.sep, "/")
            if is_dir:
                if (not hidden and entry.name.startswith(".")) or excluded.match_file(rel + "/"):
                    continue
                if specs and _ignored(specs, entry.path, True):
                    continue
                subdirs.append((os.path.join(shown, entry.name), entry.path, specs))
            elif is_entitlements_name(entry.name):
                if excluded.match_file(rel) or (specs and _ignored(specs, entry.path, False)):
                    continue
                found.append(os.path.join(shown, entry.name))
        stack.extend(reversed(subdirs))
    return sorted(found)


def discover(paths: Sequence[str], exclude: Sequence[str] = DEFAULT_EXCLUDE, gitignore: bool = True,
             everything: bool = False) -> List[str]:
    """Files named on the command line (always checked, whatever their name),
    and entitlements files under named folders. everything: no exclusions,
    no .gitignore, hidden folders included (--no-ignore).
    Raises FileNotFoundError for a path that does not exist."""
    out: List[str] = []
    for p in paths:
        if p == "-":
            out.append(p)
        elif os.path.isdir(p):
            if everything:
                out.extend(walk(p, (), False, hidden=True))
            else:
                out.extend(walk(p, exclude, gitignore))
        elif os.path.exists(p):
            out.append(p)
        else:
            raise FileNotFoundError(p)
    return out
