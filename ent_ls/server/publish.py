"""Diagnostics as JSON text, each converted once (issue 10).

A keystroke in a big file changes few diagnostics; analysis.reuse moves the
others in place, and unless a line break was typed or removed, those on
lines the edit did not touch keep their LSP range. So each diagnostic's
JSON is kept with the object it was made for, and the next publication
re-uses it. Messages are sent as ready JSON, without lsprotocol objects or
cattrs. Published diagnostics carry no `data`: code actions are computed
from the server's own analysis, and offsets in `data` would make every
diagnostic after an edit look changed.
"""

from __future__ import annotations

import bisect
import json
import os
from typing import Dict, List, Optional, Tuple

RULES_URL = os.environ.get("ENT_LS_RULES_URL")  # where docs/rules.md is published, if anywhere (no made-up host)
SEVERITY = {"error": 1, "warning": 2, "information": 3, "hint": 4}
TAGS = {"unnecessary": 1, "deprecated": 2}
_dumps = json.JSONEncoder(separators=(",", ":")).encode  # ASCII out, so characters = bytes


class RawJson(str):
    """Text that is already JSON, sent as it is."""


class DiagnosticJson:
    """One open document's diagnostics as JSON fragments."""

    def __init__(self) -> None:
        # id(diagnostic) -> (diagnostic, the lines its ranges are on, its LSP ranges, its fragment)
        self.kept: Dict[int, tuple] = {}
        self.lean = False
        self.encoding = ""
        self.rests: Dict[tuple, str] = {}  # what a diagnostic says -> its JSON after the range

    def items(self, uri: str, lines, encoding: str, diagnostics, lean: bool = False,
              touched: Optional[List[Tuple[int, int]]] = None) -> List[str]:
        """lean (a big file): without the rule links and related locations.
        touched: the line ranges edited since the last call when no line
        break was typed or removed (None: unknown). A diagnostic kept from
        the last call (the same object: analysis.reuse moves them in place)
        on other lines has the same LSP range, so its fragment is re-used
        without converting anything."""
        units = lines.units
        if encoding == "utf-32" or not lines._wide_chars(encoding)[0]:
            units = _plain_units(lines)  # every character one unit: a bisect, no more
        same = lean == self.lean and encoding == self.encoding
        old, kept = (self.kept if same else {}), {}
        self.lean, self.encoding = lean, encoding
        quick = touched is not None and same
        # the lines any change touched lie within lo..hi (changes come in any order)
        lo, hi = (min(a for a, _ in touched), max(b for _, b in touched)) if touched else (0, -1)
        out = []
        if not same or len(self.rests) > 4 * len(diagnostics) + 1024:
            self.rests = {}
        rests = self.rests
        uri_json = None
        for d in diagnostics:
            got = old.get(id(d))
            if got is not None and got[0] is d and quick:
                on = got[1]  # (first line, last line, the lines of every range's ends)
                if on[1] < lo or on[0] > hi or not _meets(on[2], touched):
                    kept[id(d)] = got
                    out.append(got[3])
                    continue
            sl, sc = units(d.start, encoding)
            el, ec = units(d.end, encoding)
            related = tuple((units(s, encoding), units(e, encoding), m) for s, e, m in d.related) \
                if d.related and not lean else ()
            where = (sl, sc, el, ec, related)
            if got is not None and got[0] is d and got[2] == where:
                frag = got[3]
            else:
                # Moved by a line break, or made again by a re-run rule: what
                # it says is most likely said already, and only its ranges are new.
                what = (d.rule, d.severity, d.message, tuple(d.tags))
                rest = rests.get(what)
                if rest is None:
                    rest = rests[what] = _fragment(uri, d, 0, 0, 0, 0, (), lean)[_EMPTY_RANGE:]
                frag = _RANGE % (sl, sc, el, ec) + rest
                if related:
                    if uri_json is None:
                        uri_json = _dumps(uri)
                    frag = frag[:-1] + ',"relatedInformation":[%s]}' % ",".join(
                        _RELATED % (uri_json, a[0], a[1], b[0], b[1], _dumps(m)) for a, b, m in related)
            ends = (sl, el) + tuple(x for r in related for x in (r[0][0], r[1][0]))
            on = (min(ends), max(ends), ends)
            kept[id(d)] = (d, on, where, frag)
            out.append(frag)
        self.kept = kept
        return out


_RANGE = '{"range":{"start":{"line":%d,"character":%d},"end":{"line":%d,"character":%d}}'
_EMPTY_RANGE = len(_RANGE % (0, 0, 0, 0))
_RELATED = '{"location":{"uri":%s,"range":{"start":{"line":%d,"character":%d},"end":{"line":%d,"character":%d}}},' \
    '"message":%s}'


def _meets(on: tuple, touched: List[Tuple[int, int]]) -> bool:
    """Whether one of the lines a diagnostic's ranges start or end on is
    in a touched line range (a range across touched lines keeps its ends)."""
    for a, b in touched:
        for x in on:
            if a <= x <= b:
                return True
    return False


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
