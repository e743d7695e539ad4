"""Output formats of `ent-ls check`: text, json, sarif, github."""

from __future__ import annotations

import json
import os
from typing import Dict, List, Optional, Sequence, TextIO

from ent_ls.analysis import SEVERITY_RANK, Diagnostic, Rule
from ent_ls.analysis.fixes import chosen_fix
from ent_ls.syntax import LineIndex

FORMATS = ("text", "json", "sarif", "github")
_COLORS = {"error": "31", "warning": "33", "information": "36", "hint": "2"}


class FileResult:
    """One file's outcome, for every format."""

    doc = None  # the Document, when a logical location needs its keys

    def __init__(self, path: str, text: str, diagnostics: List[Diagnostic], binary: bool = False,
                 fixed: int = 0, lines: Optional[LineIndex] = None, inner: Optional[str] = None,
                 fixable: bool = True) -> None:
        self.path = path
        self.inner = inner  # the binary inside a bundle or archive at path, as path[inner]
        self.text = text
        self.diagnostics = diagnostics
        self.binary = binary  # no line numbers: the text was made from a binary plist
        self.fixed = fixed
        self.lines = lines or LineIndex(text)
        self.fixable = fixable  # --fix would write this file (not binary, not damaged text)

    def key_of(self, d: Diagnostic) -> Optional[str]:
        """The entitlement a finding is about, for results without lines
        (signed code, binary plists): the message alone does not say which."""
        if not self.binary or self.doc is None:
            return None
        ent = self.doc.entitlement_at(d.start)
        return ent.key if ent is not None else None

    def shown_message(self, d: Diagnostic) -> str:
        key = self.key_of(d)
        return f"{key}: {d.message}" if key and key not in d.message else d.message

    def position(self, offset: int) -> Optional[tuple]:
        """1-based (line, column in code points), or None for binary plists."""
        if self.binary:
            return None
        line, col = self.lines.position(offset)
        return line + 1, col + 1

    def utf16_column(self, offset: int) -> int:
        line, col = self.lines.position(offset)
        prefix = self.lines.text[self.lines.starts[line]:self.lines.starts[line] + col]
        # surrogatepass: a lone surrogate (left by the decoder for a bad byte)
        # is one UTF-16 code unit, and must not stop the report
        return len(prefix.encode("utf-16-le", "surrogatepass")) // 2 + 1


def display_path(path: str) -> str:
    if path == "-" or path.startswith("<"):
        return path
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return path if rel.startswith("..") else rel


def write_text(results: Sequence[FileResult], out: TextIO, color: bool, unsafe_hint: bool) -> None:
    def paint(code: str, s: str) -> str:
        return f"\x1b[{code}m{s}\x1b[0m" if color else s

    counts: Dict[str, int] = {}
    fixable = hidden = 0
    for r in results:
        shown = display_path(r.path)  # once per file: a big file has tens of thousands of findings
        for d in r.diagnostics:
            pos = r.position(d.start)
            where = f"{shown}:{pos[0]}:{pos[1]}" if pos else shown
            where += f"[{r.inner}]" if r.inner else ""
            sev = paint(_COLORS[d.severity], d.severity)
            fix = chosen_fix(d, unsafe=True) if r.fixable else None
            mark = ""
            if fix is not None:
                if fix.safe:
                    fixable += 1
                    mark = paint("32", " [*]")
                else:
                    hidden += 1
                    mark = paint("2", " [unsafe fix]")
            out.write(f"{paint('1', where)}: {sev}[{paint('1', d.rule)}] {r.shown_message(d)}{mark}\n")
            counts[d.severity] = counts.get(d.severity, 0) + 1
    fixed = sum(r.fixed for r in results)
    total = sum(counts.values())
    files = len(results)
    parts = [f"{n} {sev if n == 1 or sev == 'information' else sev + 's'}" for sev, n in sorted(counts.items(), key=lambda kv: SEVERITY_RANK[kv[0]])]
    noun = "file" if files == 1 else "files"
    if fixed:
        out.write(f"Fixed {fixed} problem{'s' if fixed != 1 else ''}.\n")
    if total:
        out.write(f"Found {total} problem{'s' if total != 1 else ''} ({', '.join(parts)}) in {files} {noun}.\n")
        if fixable:
            out.write(f"{fixable} fixable with --fix.\n")
        if hidden and unsafe_hint:
            out.write(f"{hidden} more fixable with --fix --unsafe-fixes.\n")
    else:
        out.write(f"All clear: {files} {noun} checked, no problems.\n")


def write_json(results: Sequence[FileResult], out: TextIO, rules_url: Optional[str] = None) -> None:
    items = []
    for r in results:
        for d in r.diagnostics:
            start, end = r.position(d.start), r.position(d.end)
            items.append({
                "path": r.path,
                "inner": r.inner,
                "rule": d.rule,
                "severity": d.severity,
                "message": d.message,
                "key": r.key_of(d),
                "start": {"line": start[0], "column": start[1], "offset": d.start} if start else None,
                "end": {"line": end[0], "column": end[1], "offset": d.end} if end else None,
                "tags": d.tags,
                "fixes": [f.to_json() for f in d.fixes] if r.fixable else [],
            })
            if rules_url:
                items[-1]["url"] = f"{rules_url}#{d.rule}"
    json.dump(items, out, indent=2, ensure_ascii=False)
    out.write("\n")


def write_sarif(results: Sequence[FileResult], rules: Sequence[Rule], out: TextIO,
                project_url: Optional[str] = None, rules_url: Optional[str] = None) -> None:
    from ent_ls.sarif import sarif_log

    json.dump(sarif_log(results, rules, project_url, rules_url), out, indent=2, ensure_ascii=False)
    out.write("\n")


_GITHUB_LEVEL = {"error": "error", "warning": "warning", "information": "notice", "hint": "notice"}


def _gh_escape(s: str, prop: bool = False) -> str:
    s = s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        s = s.replace(":", "%3A").replace(",", "%2C")
    return s


def write_github(results: Sequence[FileResult], out: TextIO) -> None:
    for r in results:
        for d in r.diagnostics:
            props = [f"file={_gh_escape(display_path(r.path), True)}"]
            start, end = r.position(d.start), r.position(d.end)
            if start and end:
                props += [f"line={start[0]}", f"col={start[1]}", f"endLine={end[0]}", f"endColumn={end[1]}"]
            props.append(f"title={_gh_escape('ent-ls (' + d.rule + ')', True)}")
            message = f"[{r.inner}] {r.shown_message(d)}" if r.inner else r.shown_message(d)
            out.write(f"::{_GITHUB_LEVEL[d.severity]} {','.join(props)}::{_gh_escape(message)}\n")
