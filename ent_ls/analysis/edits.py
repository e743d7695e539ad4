"""Text-edit helpers shared by the rules' fixes.

Edits keep the file's indentation and line endings and touch nothing else.
"""

from __future__ import annotations

from typing import List, Optional, Sequence

from ent_ls.analysis.engine import Edit
from ent_ls.syntax import PItem


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """Apply non-overlapping edits (any order). Overlapping ones raise."""
    out: List[str] = []
    pos = 0
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        if e.start < pos:
            raise ValueError("overlapping edits")
        out.append(text[pos:e.start])
        out.append(e.new_text)
        pos = e.end
    out.append(text[pos:])
    return "".join(out)


def line_bounds(text: str, start: int, end: int) -> Optional[tuple]:
    """(line start, after line break) when start..end has only white space
    around it on its lines; else None."""
    ls = _line_break_before(text, start) + 1
    if text[ls:start].strip(" \t"):
        return None
    le = end
    while le < len(text) and text[le] in " \t":
        le += 1
    if le < len(text) and text[le] not in "\r\n":
        return None
    if text.startswith("\r\n", le):
        le += 2
    elif le < len(text):
        le += 1
    return ls, le


def remove_span(text: str, start: int, end: int) -> Edit:
    """Remove start..end; whole lines when it stands on lines of its own."""
    bounds = line_bounds(text, start, end)
    if bounds is not None:
        return Edit(bounds[0], bounds[1], "")
    # inline: also take the white space before it, so no gap is left
    s = start
    while s > 0 and text[s - 1] in " \t":
        s -= 1
    return Edit(s, end, "")


def remove_item(text: str, item: PItem) -> Edit:
    """Remove a key and its value, with their lines when they stand alone."""
    return remove_span(text, item.start, item.end)


def replace_key(item: PItem, new_key: str) -> Edit:
    key = item.key
    assert key is not None
    return Edit(key.text_start, key.text_end, escape(new_key))


def replace_value(text: str, item: PItem, new_value_xml: str) -> Edit:
    value = item.value
    assert value is not None
    return Edit(value.start, value.end, new_value_xml)


def indent_of(text: str, offset: int) -> str:
    ls = _line_break_before(text, offset) + 1
    i = ls
    while i < len(text) and text[i] in " \t":
        i += 1
    return text[ls:i]


def newline_of(text: str) -> str:
    i = text.find("\n")
    if i > 0 and text[i - 1] == "\r":
        return "\r\n"
    if i == -1 and "\r" in text:
        return "\r"
    return "\n"


def minimal_edit(old: str, new: str) -> Edit:
    """One edit that turns old into new, covering only the changed middle."""
    p = 0
    limit = min(len(old), len(new))
    while p < limit and old[p] == new[p]:
        p += 1
    s = 0
    while s < limit - p and old[-1 - s] == new[-1 - s]:
        s += 1
    # never cut a \r\n in two: positions between them are not on any line
    if p > 0 and old[p - 1] == "\r" and (old[p:p + 1] == "\n" or new[p:p + 1] == "\n"):
        p -= 1
    eo, en = len(old) - s, len(new) - s
    if s > 0 and old[eo] == "\n" and ((eo > p and old[eo - 1] == "\r") or (en > p and new[en - 1] == "\r")):
        s -= 1
        eo, en = eo + 1, en + 1
    return Edit(p, eo, new[p:en])


def _line_break_before(text: str, offset: int) -> int:
    """Where the last line break before offset is (-1: none). Looks for a
    "\r" only after the last "\n", so it never scans back to the start."""
    nl = text.rfind("\n", 0, offset)
    return max(nl, text.rfind("\r", nl + 1, offset))
