"""Settings: from [tool.ent-ls] in pyproject.toml or .ent-ls.toml, from the
command line, and from an editor's settings.

A broken configuration never stops a run: its problems are reported with the
file and line, and the defaults apply to what could not be read.
"""

from __future__ import annotations

import difflib
import fnmatch
import os
import re
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10
    import tomli as tomllib

from ent_ls.catalog import PLATFORMS, TYPES

SEVERITY_VALUES = ("error", "warning", "information", "hint", "off")
CONFIG_NAMES = (".ent-ls.toml", "pyproject.toml")
DEFAULT_DEBUG_FILES = ("*debug*",)
OPTIONS = ("platform", "select", "ignore", "severity", "extend-keys", "debug-files",
           "exclude", "extend-exclude", "respect-gitignore")


class Settings:
    """Everything that changes what the analysis reports."""

    def __init__(self) -> None:
        self.platform: Optional[str] = None  # a key of catalog.PLATFORMS
        self.select: Optional[List[str]] = None  # None: every rule
        self.ignore: List[str] = []
        self.severity: Dict[str, str] = {}
        self.extend_keys: List[Tuple[str, str]] = []
        self.debug_files: List[str] = list(DEFAULT_DEBUG_FILES)
        # folder walking (ent_ls.discover): None keeps the default exclusions
        self.exclude: Optional[List[str]] = None
        self.extend_exclude: List[str] = []
        self.respect_gitignore = True
        self.source: Optional[str] = None  # the config file read, if any
        self.problems: List[str] = []  # "file:line: message"
        self.project: Any = None  # ent_ls.project.FileProjects: the builds that sign with the file

    def copy(self) -> "Settings":
        new = Settings()
        new.__dict__.update({k: (list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v)
                             for k, v in self.__dict__.items()})
        return new

    def rule_enabled(self, rule_id: str) -> bool:
        if rule_id in self.ignore or self.severity.get(rule_id) == "off":
            return False
        return self.select is None or rule_id in self.select or "ALL" in self.select

    def is_debug_file(self, path: Optional[str]) -> bool:
        uses = self.project.uses if self.project is not None else None
        if uses:  # the project decides: debug when only debug configurations sign with it
            return all(u.debug for u in uses)
        if not path:
            return False
        name = os.path.basename(path).lower()
        full = path.replace(os.sep, "/").lower()
        return any(fnmatch.fnmatch(name, g.lower()) or fnmatch.fnmatch(full, g.lower()) for g in self.debug_files)

    def update(self, data: Dict[str, Any], where: str = "settings", lines: Optional[str] = None) -> None:
        """Apply a mapping of options (file table, client settings). Problems
        are recorded; valid options still apply."""

        def bad(option: str, message: str) -> None:
            self.problems.append(f"{where}:{_line_of(lines, option)}: {message}")

        for option, value in data.items():
            name = option.replace("_", "-")
            if name in ("extendKeys", "debugFiles"):
                name = {"extendKeys": "extend-keys", "debugFiles": "debug-files"}[name]
            if name not in OPTIONS:
                close = difflib.get_close_matches(name, OPTIONS, 1, 0.6)
                hint = f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(OPTIONS)})"
                bad(option, f"unknown option {option!r}{hint}")
            elif name == "platform":
                if value is None or value == "":
                    self.platform = None
                elif isinstance(value, str) and value.lower().replace(" ", "") in PLATFORMS:
                    self.platform = value.lower().replace(" ", "")
                else:
                    bad(option, f"platform must be one of {', '.join(PLATFORMS)}, not {value!r}")
            elif name == "respect-gitignore":
                if isinstance(value, bool):
                    self.respect_gitignore = value
                elif value is not None:
                    bad(option, "respect-gitignore must be true or false")
            elif name in ("select", "ignore", "debug-files", "exclude", "extend-exclude"):
                if value is None:  # editors send null for "not set"
                    continue
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    bad(option, f"{option} must be a list of strings")
                elif name == "select":
                    self.select = list(value) or None
                elif name == "ignore":
                    self.ignore = list(value)
                elif name == "exclude":
                    self.exclude = list(value)
                elif name == "extend-exclude":
                    self.extend_exclude = list(value)
                else:
                    self.debug_files = list(value)
            elif name == "severity":
                if value is None:
                    continue
                if not isinstance(value, dict):
                    bad(option, "severity must be a table of rule id = severity")
                    continue
                for rule_id, sev in value.items():
                    if isinstance(sev, str) and sev.lower() in SEVERITY_VALUES:
                        self.severity[rule_id] = sev.lower()
                    else:
                        bad(rule_id, f"severity of {rule_id} must be one of {', '.join(SEVERITY_VALUES)}, not {sev!r}")
            elif name == "extend-keys":
                if value is None:
                    continue
                if not isinstance(value, dict):
                    bad(option, "extend-keys must be a table of key = type")
                    continue
                for key, typ in value.items():
                    if typ in TYPES:
                        self.extend_keys.append((key, typ))
                    else:
                        bad(key, f"type of {key} must be one of {', '.join(TYPES)}, not {typ!r}")

    def check_rule_ids(self, known: List[str]) -> None:
        for rid in list(self.select or []) + self.ignore + list(self.severity):
            if rid not in known and rid != "ALL":
                close = difflib.get_close_matches(rid, known, 1, 0.6)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                self.problems.append(f"{self.source or 'settings'}: unknown rule id {rid!r}{hint}")


def _line_of(text: Optional[str], option: str) -> int:
    if not text:
        return 1
    m = re.search(r'^\s*"?' + re.escape(option) + r'"?\s*=', text, re.M)
    if m is None:
        m = re.search(re.escape(option), text)
    return text.count("\n", 0, m.start()) + 1 if m else 1


def find_config(start: Path) -> Optional[Path]:
    """The nearest .ent-ls.toml, or pyproject.toml with [tool.ent-ls], at or
    above start (a file or a folder)."""
    folder = start if start.is_dir() else start.parent
    folder = folder.resolve()
    for d in [folder, *folder.parents]:
        for name in CONFIG_NAMES:
            candidate = d / name
            if candidate.is_file():
                if name == "pyproject.toml" and not _has_our_table(candidate):
                    continue
                return candidate
    return None


def _has_our_table(path: Path) -> bool:
    """Whether a pyproject.toml has [tool.ent-ls], in any TOML spelling
    (tool."ent-ls", a dotted key, an inline table). One that does not
    parse counts when it names ent-ls, so that its error is reported."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    if "ent-ls" not in text:  # most pyproject.toml files: skip the parse
        return False
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return True
    tool = data.get("tool")
    return isinstance(tool, dict) and "ent-ls" in tool


_TOML_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)")


def _toml_error(path: Path, exc: Exception) -> str:
    message = str(exc)
    m = _TOML_AT.search(message)
    if m is None:
        m2 = re.search(r"line (\d+)", message)
        return f"{path}:{m2.group(1) if m2 else 1}: invalid TOML: {message}"
    return f"{path}:{m.group(1)}:{m.group(2)}: invalid TOML: {_TOML_AT.sub('', message)}"


def load_config(path: Path, base: Optional[Settings] = None) -> Settings:
    """Read a config file on top of base (defaults when None). Never raises."""
    settings = base.copy() if base is not None else Settings()
    settings.source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        settings.problems.append(f"{path}: cannot read: {exc}")
        return settings
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        settings.problems.append(_toml_error(path, exc))
        return settings
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("ent-ls", {})
    else:
        table = data.get("tool", {}).get("ent-ls", data)
    if not isinstance(table, dict):
        settings.problems.append(f"{path}:1: [tool.ent-ls] must be a table")
        return settings
    settings.update(table, str(path), text)
    return settings


def settings_for(path: Optional[str]) -> Settings:
    """Settings for a file: the defaults, then the config file found for it."""
    found = find_config(Path(path)) if path else None
    return load_config(found) if found is not None else Settings()
