"""The strict reader's problems after a keystroke in blank space or in the
text of a <string> (issue 10).

Typing or deleting spaces and tabs in the blank run between two tags of a
well-formed file changes nothing the strict reader sees: it skips those
blanks, and with no line break typed its line numbers stay. Plain text
typed into a <string> (no references, no markup, no line break) is read as
it is, and a string's text decides none of the reader's problems. Its problems
are then the previous ones, moved by the edit, instead of a new pass over
the whole text. Anything else (or a problem near the edit) is re-checked.
"""

from __future__ import annotations

import re
from typing import List, Optional

from ent_ls.syntax.strict import StrictProblem
from ent_ls.syntax.xml import END, START, TEXT

_BLANKS = re.compile(r"[ \t]*\Z")
_PLAIN = re.compile(r"[^&<>\r\n]*\Z")  # text the strict reader takes as it is, on one line
_NAME = re.compile(r"<([A-Za-z][A-Za-z0-9.:_-]*)")
_CONTAINERS = ("dict", "array", "plist", "set")


def moved_problems(old: List[StrictProblem], removed: str, start: int, new_text: str,
                   old_well_formed: bool, plist) -> Optional[List[StrictProblem]]:
    """old's problems after text[start:start + len(removed)] = new_text, or
    None when that cannot be told without checking again. plist: the
    tolerant parse of the new text."""
    if not old_well_formed or plist.problems:
        return None
    blank = _BLANKS.match(removed) and _BLANKS.match(new_text)
    if not blank and not (_PLAIN.match(removed) and _PLAIN.match(new_text)):
        return None
    text, tokens = plist.text, plist.tokens
    i = _last_starting_at_or_before(tokens, start)
    if i < 1 or i + 1 >= len(tokens):
        return None
    tok, before, after = tokens[i], tokens[i - 1], tokens[i + 1]
    if tok.kind != TEXT or tok.end < start + len(new_text):
        return None
    if before.end != tok.start or after.start != tok.end or after.kind not in (START, END):
        return None
    opens = before.kind == START and text[before.end - 2] != "/"  # the token is inside this element
    m = _NAME.match(text, before.start) if opens else None
    name = m.group(1) if m else None
    by = len(new_text) - len(removed)
    if not blank or text[tok.start:tok.end].strip(" \t\n"):
        # Plain text typed into a <string>: the reader takes it as it is (the
        # text of a <key> is not: it decides which keys are duplicates).
        if name != "string" or not _PLAIN.match(text, tok.start, tok.end):
            return None
        lo, hi = before.start, after.end - by  # the whole element, in the old text
    elif (opens and name not in _CONTAINERS) or before.kind not in (START, END):
        return None  # only blanks between tags, or inside a container, are skipped
    else:
        lo, hi = tok.start, tok.end - by  # the blank run, in the old text
    out = []
    for p in old:
        spans = [(p.start, p.end)] + [(s, e) for s, e, _ in p.edits]
        if any(s <= hi and e >= lo for s, e in spans):
            return None
        if p.start < lo:
            if any(s > hi for s, _ in spans):
                return None
            out.append(p)
            continue
        if any(s < lo for s, _ in spans):
            return None
        out.append(StrictProblem(p.start + by, p.end + by, p.line, p.message, p.reason, p.code,
                                 [(s + by, e + by, t) for s, e, t in p.edits]))
    return out


def _last_starting_at_or_before(tokens, offset: int) -> int:
    lo, hi = 0, len(tokens)
    while lo < hi:
        mid = (lo + hi) // 2
        if tokens[mid].start <= offset:
            lo = mid + 1
        else:
            hi = mid
    return lo - 1
