"""Finding a file the way a case-sensitive disk and a default Mac disk do."""

from __future__ import annotations

import os
from typing import Optional, Tuple


def locate(path: str) -> Tuple[str, Optional[str]]:
    """("ok", path) when path exists with this exact case; ("case", found)
    when it exists only if case is ignored (it builds on a default Mac disk
    and fails on a case-sensitive one and in Linux CI); ("missing", None)."""
    path = os.path.abspath(path)
    drive, rest = os.path.splitdrive(path)
    parts = [p for p in rest.replace("\\", "/").split("/") if p]
    current = drive + os.sep
    exact = True
    for part in parts:
        try:
            names = os.listdir(current)
        except OSError:
            return "missing", None
        if part in names:
            current = os.path.join(current, part)
            continue
        folded = [n for n in names if n.lower() == part.lower()]
        if not folded:
            return "missing", None
        exact = False
        current = os.path.join(current, sorted(folded)[0])
    if not os.path.isfile(current):
        return "missing", None
    return ("ok", path) if exact else ("case", current)
