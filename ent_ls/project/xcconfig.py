"""Build configuration files (.xcconfig): assignments, conditions and
#include / #include? of other files.

An optional include (#include?) that is not in the repository is recorded
as missing and skipped, as Xcode does; nothing is guessed in its place. A
required one that is missing is recorded too, because Xcode fails the build.
"""

from __future__ import annotations

import os
import re
from typing import Dict, List, Optional, Set, Tuple

MAX_INCLUDE_DEPTH = 32
MAX_FILE_SIZE = 4 * 1024 * 1024
MAX_READS = 500  # files read for one .xcconfig, includes counted: a diamond of includes stays bounded

_INCLUDE = re.compile(r'^\s*#include(\?)?\s*"([^"]*)"\s*$')
_ASSIGN = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)((?:\[[^\]=]*=[^\]]*\])*)\s*=(.*)$")
_CONDITION = re.compile(r"\[([^\]=]*)=([^\]]*)\]")


class Assignment:
    """NAME[cond=value]... = value, from one line of one file."""

    __slots__ = ("name", "conditions", "value", "path", "line", "start", "end")

    def __init__(self, name: str, conditions: Dict[str, str], value: str, path: str, line: int,
                 start: Optional[int] = None, end: Optional[int] = None) -> None:
        self.name = name
        self.conditions = conditions
        self.value = value
        self.path = path
        self.line = line  # 1-based
        self.start = start  # offsets in a project.pbxproj, None in an .xcconfig
        self.end = end

    def __repr__(self) -> str:
        return f"Assignment({self.name!r}, {self.conditions!r}, {self.value!r})"


class Xcconfig:
    """What reading one .xcconfig (and what it includes) gave."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.assignments: List[Assignment] = []
        self.files: List[str] = []  # every file read, for watching
        self.missing_optional: List[Tuple[str, str, int]] = []  # (wanted path, in file, line)
        self.missing_required: List[Tuple[str, str, int]] = []
        self.problems: List[str] = []  # "file:line: message"


def strip_comment(value: str) -> str:
    """Xcode ends a value at '//' (a URL needs '/$()/'), and drops a final ';'."""
    cut = value.find("//")
    if cut >= 0:
        value = value[:cut]
    value = value.strip()
    if value.endswith(";"):
        value = value[:-1].rstrip()
    return value


def parse_conditions(text: str) -> Dict[str, str]:
    return {k.strip(): v.strip() for k, v in _CONDITION.findall(text)}


def read_xcconfig(path: str) -> Xcconfig:
    """Read path and its includes. Never raises."""
    result = Xcconfig(path)
    _read(path, result, set(), 0)
    return result


def _read(path: str, result: Xcconfig, active: Set[str], depth: int) -> None:
    real = os.path.realpath(path)
    if real in active:
        result.problems.append(f"{path}:1: includes itself (through its includes); the loop is skipped")
        return
    try:
        if os.path.getsize(path) > MAX_FILE_SIZE:
            result.problems.append(f"{path}:1: larger than {MAX_FILE_SIZE // (1024 * 1024)} MB, not read")
            return
        with open(path, "rb") as fh:
            text = fh.read().decode("utf-8", errors="replace")
    except OSError as exc:
        result.problems.append(f"{path}:1: cannot read: {exc.strerror or exc}")
        return
    if len(result.files) >= MAX_READS:
        result.problems.append(f"{path}:1: more than {MAX_READS} includes; the rest are skipped")
        return
    result.files.append(path)
    active.add(real)
    folder = os.path.dirname(path)
    for n, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("//"):
            continue
        inc = _INCLUDE.match(line)
        if inc:
            optional, wanted = bool(inc.group(1)), inc.group(2)
            target = wanted if os.path.isabs(wanted) else os.path.join(folder, wanted)
            if wanted.startswith("<"):  # <DEVELOPER_DIR>/...: outside the repository
                (result.missing_optional if optional else result.missing_required).append((wanted, path, n))
            elif not os.path.isfile(target):
                (result.missing_optional if optional else result.missing_required).append((wanted, path, n))
            elif depth >= MAX_INCLUDE_DEPTH:
                result.problems.append(f"{path}:{n}: includes nest more than {MAX_INCLUDE_DEPTH} deep")
            else:
                _read(target, result, active, depth + 1)
            continue
        if stripped.startswith("#"):
            result.problems.append(f"{path}:{n}: unknown directive {stripped.split()[0]!r}")
            continue
        m = _ASSIGN.match(line)
        if m is None:
            result.problems.append(f"{path}:{n}: not a NAME = value line")
            continue
        result.assignments.append(Assignment(m.group(1), parse_conditions(m.group(2)), strip_comment(m.group(3)),
                                             path, n))
    active.discard(real)


def split_key(key: str) -> Tuple[str, Dict[str, str]]:
    """'CODE_SIGN_ENTITLEMENTS[sdk=macosx*]' -> name and conditions."""
    cut = key.find("[")
    if cut < 0:
        return key.strip(), {}
    return key[:cut].strip(), parse_conditions(key[cut:])

