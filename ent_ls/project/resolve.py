"""Build settings resolved the way Xcode resolves them.

A target's settings for one configuration are a stack of levels, lowest
first: built-in values, the project configuration's .xcconfig, the
project configuration, the target configuration's .xcconfig, the target
configuration. The highest matching assignment of a name wins;
`$(inherited)` in it stands for what the levels below give. Within one
level an assignment with conditions (`NAME[sdk=macosx*]`) beats one
without, and in an .xcconfig a later line beats an earlier one.
"""

from __future__ import annotations

import fnmatch
import os
import re
from typing import Dict, List, Optional, Sequence, Set

from ent_ls.project.xcconfig import Assignment

MAX_DEPTH = 40  # nested and chained references; real projects use 3 or 4
MAX_LENGTH = 64 * 1024
MAX_STEPS = 100_000  # references expanded per resolver: hostile chains end, real ones need a few hundred
_BARE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def level(assignments: Sequence[Assignment]) -> List[Assignment]:
    """One level's assignments in precedence order (lowest first)."""
    return sorted(assignments, key=lambda a: 1 if a.conditions else 0)


def conditions_match(conditions: Dict[str, str], facts: Dict[str, str]) -> bool:
    for key, pattern in conditions.items():
        have = facts.get(key)
        if key == "arch" and pattern == "*":
            continue
        if have is None or not any(fnmatch.fnmatchcase(have, p.strip()) for p in pattern.split(",")):
            return False
    return True


class Resolver:
    """Values of build settings for one target, configuration and SDK."""

    def __init__(self, stack: Sequence[Assignment], facts: Dict[str, str]) -> None:
        self.facts = facts  # condition facts: sdk, config, variant
        self.stack = [a for a in stack if conditions_match(a.conditions, facts)]
        self.by_name: Dict[str, List[int]] = {}
        for i, a in enumerate(self.stack):
            self.by_name.setdefault(a.name, []).append(i)
        self.undefined: Set[str] = set()
        self._cache: Dict[str, str] = {}
        self._memo: Dict[tuple, str] = {}  # (name, below) -> value: A = $(B)$(B), B = $(C)$(C)... stays linear
        self._steps = 0
        self._cuts = 0  # loops cut short: a value computed across a cut is not memoised

    def names(self, prefix: str = "") -> List[str]:
        return sorted(n for n in self.by_name if n.startswith(prefix))

    def defined(self, name: str) -> bool:
        return name in self.by_name

    def source(self, name: str) -> Optional[Assignment]:
        """The assignment that decides name's value."""
        found = self.by_name.get(name)
        return self.stack[found[-1]] if found else None

    def get(self, name: str) -> str:
        if name not in self._cache:
            self._cache[name] = self._value(name, len(self.stack), 0, set())
        return self._cache[name]

    def expand(self, text: str) -> str:
        return self._expand(text, None, 0, 0, set())

    def undefined_in(self, text: str) -> List[str]:
        """The variables text uses, directly or through others, that nothing sets."""
        probe = Resolver([], self.facts)
        probe.stack, probe.by_name = self.stack, self.by_name
        probe.expand(text)
        return sorted(probe.undefined)

    def _value(self, name: str, below: int, depth: int, active: Set[tuple]) -> str:
        found = [i for i in self.by_name.get(name, ()) if i < below]
        if not found:
            if below == len(self.stack):
                self.undefined.add(name)
            return ""
        i = found[-1]
        key = (name, i)
        if key in self._memo:
            return self._memo[key]
        self._steps += 1
        if key in active or depth > MAX_DEPTH or self._steps > MAX_STEPS:
            self._cuts += 1
            return ""  # a reference loop: Xcode gives up on it too
        cuts = self._cuts
        active.add(key)
        try:
            value = self._expand(self.stack[i].value, name, i, depth + 1, active)
        finally:
            active.discard(key)
        if self._cuts == cuts:
            self._memo[key] = value
        return value

    def _expand(self, text: str, name: Optional[str], index: int, depth: int, active: Set[tuple]) -> str:
        if "$" not in text:
            return text
        out: List[str] = []
        i, n = 0, len(text)
        while i < n:
            ch = text[i]
            if ch != "$" or i + 1 >= n:
                out.append(ch)
                i += 1
                continue
            nxt = text[i + 1]
            if nxt in "({":
                close = ")" if nxt == "(" else "}"
                end = _matching(text, i + 1, nxt, close)
                if end < 0:
                    out.append(text[i:])
                    break
                inner = self._expand(text[i + 2:end], name, index, depth + 1, active)
                out.append(self._reference(inner, name, index, depth, active))
                i = end + 1
                continue
            m = _BARE.match(text, i)
            if m:
                out.append(self._reference(m.group(1), name, index, depth, active))
                i = m.end()
                continue
            out.append(ch)
            i += 1
            if sum(map(len, out)) > MAX_LENGTH:
                break
        return "".join(out)[:MAX_LENGTH]

    def _reference(self, inner: str, name: Optional[str], index: int, depth: int, active: Set[tuple]) -> str:
        var, _, ops = inner.partition(":")
        var = var.strip()
        if var == "inherited":
            value = self._value(name, index, depth + 1, active) if name else ""
        else:
            value = self._value(var, len(self.stack), depth + 1, active)
        return _operators(value, ops) if ops else value


def _matching(text: str, start: int, open_ch: str, close_ch: str) -> int:
    depth = 0
    for j in range(start, len(text)):
        c = text[j]
        if c == open_ch:
            depth += 1
        elif c == close_ch:
            depth -= 1
            if depth == 0:
                return j
    return -1


def _operators(value: str, ops: str) -> str:
    """The operators Xcode applies after ':' ($(NAME:default=NO), :lower)."""
    for op in ops.split(":"):
        key, eq, arg = op.partition("=")
        key = key.strip()
        if key == "default" and eq:
            value = value or arg
        elif key == "lower":
            value = value.lower()
        elif key == "upper":
            value = value.upper()
        elif key == "file":
            value = os.path.basename(value)
        elif key == "dir":
            value = os.path.dirname(value) + "/" if value else value
        elif key == "base":
            value = os.path.splitext(os.path.basename(value))[0]
        elif key == "suffix":
            value = os.path.splitext(value)[1]
        elif key == "standardizepath":
            value = os.path.normpath(value) if value else value
        elif key in ("identifier", "c99extidentifier"):
            value = re.sub(r"[^A-Za-z0-9_]", "_", value)
        elif key == "rfc1034identifier":
            value = re.sub(r"[^A-Za-z0-9.\-]", "-", value)
    return value
