"""Keys that belong in Info.plist (schema/info-plist-keys.json): found in an
entitlements file they do nothing, and saying so helps more than "unknown"."""

from __future__ import annotations

import json
import re
from typing import Optional, Pattern

from ent_ls.catalog import schema_dir

_KEYS: Optional[frozenset] = None
_PATTERN: Optional[Pattern[str]] = None


def _load() -> None:
    global _KEYS, _PATTERN
    path = schema_dir() / "info-plist-keys.json"
    data: dict = {}
    if path.is_file():
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    _KEYS = frozenset(data.get("keys", []))
    patterns = data.get("patterns") or ["(?!)"]
    _PATTERN = re.compile("(?:" + "|".join(patterns) + r")\Z")


def is_info_plist_key(key: str) -> bool:
    if _KEYS is None:
        _load()
    assert _KEYS is not None and _PATTERN is not None
    return key in _KEYS or _PATTERN.match(key) is not None
