"""Diagnostics as JSON text, each converted once (issue 10).

A keystroke in a big file changes few diagnostics; the others keep their
message and, unless a line break was typed above them, their LSP range. So
each diagnostic's JSON is kept under what it says and where it is in LSP
terms, and the next publication reuses it. Messages are sent as ready JSON,
without lsprotocol objects or cattrs. Published diagnostics carry no `data`:
code actions are computed from the server's own analysis, and offsets in
`data` would make every diagnostic after an edit look changed.
"""

from __future__ import annotations

import bisect
import json
import os
from typing import Dict, List

RULES_URL = os.environ.get("ENT_LS_RULES_URL")  # where docs/rules.md is published, if anywhere (no made-up host)
SEVERITY = {"error": 1, "warning": 2, "information": 3, "hint": 4}
TAGS = {"unnecessary": 1, "deprecated": 2}
_dumps = json.JSONEncoder(separators=(",", ":")).encode  # ASCII out, so characters = bytes


class RawJson(str):
    """Text that is already JSON, sent as it is."""


class DiagnosticJson:
    """One open document's diagnostics as JSON fragments."""

    def __init__(self) -> None:
        self.kept: Dict[tuple, str] = {}
        self.lean = False

    def items(self, uri: str, lines, encoding: str, diagnostics, lean: bool = False) -> List[str]:
        """lean (a big file): without the rule links and related locations."""
        units = lines.units
        if encoding == "utf-32" or not lines._wide_chars(encoding)[0]:
            units = _plain_units(lines)  # every character one unit: a bisect, no more
        old, kept = (self.kept if lean == self.lean else {}), {}
        self.lean = lean
        out = []
        for d in diagnostics:
            sl, sc = units(d.start, encoding)
            el, ec = units(d.end, encoding)
            related = tuple((units(s, encoding), units(e, encoding), m) for s, e, m in d.related) \
                if d.related and not lean else ()
            key = (d.rule, d.severity, d.message, tuple(d.tags), sl, sc, el, ec, related)
            frag = old.get(key)
            if frag is None:
                frag = _fragment(uri, d, sl, sc, el, ec, related, lean)
            kept[key] = frag
            out.append(frag)
        self.kept = kept
        return out


def _plain_units(lines):
    starts, size, find = lines.starts, len(lines.text), bisect.bisect_right

    def units(offset: int, _encoding: str):
        offset = 0 if offset < 0 else size if offset > size else offset
        line = find(starts, offset) - 1
        return line, offset - starts[line]

    return units


def _range(sl: int, sc: int, el: int, ec: int) -> dict:
    return {"start": {"line": sl, "character": sc}, "end": {"line": el, "character": ec}}


def _fragment(uri: str, d, sl: int, sc: int, el: int, ec: int, related: tuple, lean: bool = False) -> str:
    obj: dict = {"range": _range(sl, sc, el, ec), "message": d.message, "severity": SEVERITY[d.severity],
                 "code": d.rule, "source": "ent-ls"}
    if not lean and RULES_URL:
        obj["codeDescription"] = {"href": f"{RULES_URL}#{d.rule}"}
    tags = [TAGS[t] for t in d.tags if t in TAGS]
    if tags:
        obj["tags"] = tags
    if related:
        obj["relatedInformation"] = [{"location": {"uri": uri, "range": _range(*s, *e)}, "message": m}
                                     for s, e, m in related]
    return _dumps(obj)


def publish_message(uri: str, version, items: List[str]) -> RawJson:
    return RawJson('{"jsonrpc":"2.0","method":"textDocument/publishDiagnostics","params":{"uri":%s,"version":%s,'
                   '"diagnostics":[%s]}}' % (_dumps(uri), _dumps(version), ",".join(items)))


def full_report(result_id: str, items: List[str]) -> RawJson:
    """The result of textDocument/diagnostic, a full report."""
    return RawJson('{"kind":"full","resultId":%s,"items":[%s]}' % (_dumps(result_id), ",".join(items)))
