"""The server's view of the Xcode projects in the workspace folders: read
once, read again when a project.pbxproj or an .xcconfig changes."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, List, Optional

from lsprotocol import types

from ent_ls.project import ProjectCache, find_projects_under
from ent_ls.project.finder import FileProjects, file_projects
from ent_ls.syntax import LineIndex

PROJECT_GLOBS = ("**/project.pbxproj", "**/*.xcconfig")


def _path(uri: str) -> Optional[str]:
    from ent_ls.server.app import uri_to_path

    return uri_to_path(uri) if uri.startswith("file:") else None


class WorkspaceProjects:
    def __init__(self) -> None:
        self.cache = ProjectCache(check_stamps=True)
        self._in_folders: Optional[List[str]] = None
        self.published: Dict[str, int] = {}  # uri -> diagnostics count, to clear them later

    def folders(self, ls) -> List[str]:
        try:
            roots = [_path(f.uri) for f in ls.workspace.folders.values()] or [ls.workspace.root_path]
        except RuntimeError:  # no workspace yet
            return []
        return [r for r in roots if r and os.path.isdir(r)]

    def in_folders(self, ls) -> List[str]:
        if self._in_folders is None:
            self._in_folders = [p for root in self.folders(ls) for p in find_projects_under(root)]
        return self._in_folders

    def for_path(self, ls, path: Optional[str]) -> Optional[FileProjects]:
        if not path:
            return None
        return file_projects(path, self.cache, self.in_folders(ls))

    def changed(self, changes) -> bool:
        """Forget projects a watched-file change touches; True if any did."""
        hit = False
        for change in changes:
            path = _path(change.uri)
            if path and (path.endswith("project.pbxproj") or path.endswith(".xcconfig")):
                self.cache.forget(path)
                hit = True
        if hit:
            self._in_folders = None  # a project may have appeared or gone
        return hit

    def publish(self, ls) -> None:
        """missing-entitlements-file and entitlements-path-case on the
        project files, where the client shows them like any other."""
        from ent_ls.analysis.project import project_diagnostics
        from ent_ls.config import settings_for
        from ent_ls.server.app import SEVERITY, SOURCE, Positions

        now: Dict[str, int] = {}
        for xp in self.in_folders(ls):
            project, error = self.cache.get(xp)
            if project is None:
                ls.log(types.MessageType.Warning, f"ent-ls: {error}")
                continue
            for pf in project_diagnostics(project, settings_for(project.pbxproj)):
                conv = Positions(LineIndex(pf.text), ls.encoding)
                uri = Path(os.path.abspath(pf.path)).as_uri()
                diags = [types.Diagnostic(range=conv.range(d.start, d.end), message=d.message,
                                          severity=SEVERITY[d.severity], code=d.rule, source=SOURCE)
                         for d in pf.diagnostics]
                now[uri] = len(diags)
                ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=diags))
        for uri in self.published:
            if uri not in now:
                ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        self.published = now


def on_top_dict(doc, offset: int) -> bool:
    root = doc.root_dict
    return root is not None and root.elem.start_tag.start <= offset <= root.elem.start_tag.end


def project_platform(settings) -> Optional[str]:
    """The platforms to rank completions for, comma-separated: the targets'."""
    project = getattr(settings, "project", None)
    platforms = project.platforms if project is not None else []
    return ",".join(platforms) or None


def lens_title(fp: FileProjects) -> str:
    if not fp.uses:
        return "Not signed into any target of " + ", ".join(p.name for p in fp.projects)
    targets = list(dict.fromkeys(f"{r.target} ({r.configuration})" for r in fp.uses))
    title = "Signs " + ", ".join(targets[:3]) + (f" +{len(targets) - 3}" if len(targets) > 3 else "")
    title += " · " + ", ".join(fp.platforms)
    hardened = {r.hardened_runtime for r in fp.uses if r.hardened_runtime is not None}
    if hardened:
        title += " · Hardened Runtime " + ("on" if hardened == {True} else "off" if hardened == {False} else "mixed")
    return title
