"""A broken .ent-ls.toml or pyproject.toml, shown in the editor: one warning
at the top of each entitlements file it applies to, pointing at the line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import List

from lsprotocol import types

_WHERE = re.compile(r"^(?P<path>.+?):(?P<line>\d+)(?::(?P<col>\d+))?: (?P<message>.*)$", re.S)


def config_diagnostics(problems: List[str]) -> List[types.Diagnostic]:
    out = []
    for problem in problems:
        m = _WHERE.match(problem)
        related = None
        if m is not None and Path(m.group("path")).is_absolute():
            line = int(m.group("line")) - 1
            col = int(m.group("col") or 1) - 1
            at = types.Range(start=types.Position(line=line, character=col),
                             end=types.Position(line=line, character=col))
            related = [types.DiagnosticRelatedInformation(
                location=types.Location(uri=Path(m.group("path")).as_uri(), range=at), message=m.group("message"))]
        zero = types.Position(line=0, character=0)
        out.append(types.Diagnostic(
            range=types.Range(start=zero, end=zero),
            message=f"ent-ls configuration: {problem} (the defaults apply)",
            severity=types.DiagnosticSeverity.Warning,
            code="config",
            source="ent-ls",
            related_information=related,
        ))
    return out
