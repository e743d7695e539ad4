"""Xcode projects: project.pbxproj, .xcconfig files and build settings
resolved per target and configuration. Knows nothing of rules or LSP."""

from ent_ls.project.finder import ProjectCache, find_projects_above, find_projects_under
from ent_ls.project.model import Project, ProjectError, Signing, read_project

__all__ = ["Project", "ProjectCache", "ProjectError", "Signing", "find_projects_above", "find_projects_under",
           "read_project"]
