"""The entitlement catalog: what every key is, read from schema/.

Loaded once per process. Lookups by exact key, by prefix (for completion)
and by closeness (for "did you mean").
"""

from __future__ import annotations

import bisect
import contextlib
import difflib
import json
import os
import re
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from ent_ls.suggest_index import CloseIndex

from ent_ls.formats import load_format

# Our platform names on the command line and in settings, to the catalog's.
PLATFORMS = {
    "macos": "macOS",
    "ios": "iOS",
    "ipados": "iPadOS",
    "tvos": "tvOS",
    "watchos": "watchOS",
    "visionos": "visionOS",
    "maccatalyst": "Mac Catalyst",
}
TYPES = ("boolean", "string", "array-of-strings", "dictionary", "integer", "array", "any")


class AllowedValue:
    __slots__ = ("value", "meaning")

    def __init__(self, value: str, meaning: str) -> None:
        self.value = value
        self.meaning = meaning


class Entry:
    """One entitlement key as the catalog describes it."""

    __slots__ = (
        "key", "title", "type", "platforms", "deprecated", "replaced_by", "allowed_values",
        "doc_url", "category", "related", "xcode_capability", "summary", "details",
        "default", "requires", "extra", "_platform_text",
        "format", "accepts", "capability_platforms", "observed_values", "platforms_note", "kept_with",
        "excludes", "requires_source",
    )

    def __init__(self, data: dict, extra: bool = False) -> None:
        self.key: str = data["key"]
        self.title: str = data.get("title") or data["key"]
        self.type: str = data.get("type", "any")
        self.platforms: Dict[str, dict] = data.get("platforms") or {}
        self.deprecated: bool = bool(data.get("deprecated"))
        self.replaced_by: Optional[str] = data.get("replaced_by")
        values = data.get("allowed_values") or []
        self.allowed_values: List[AllowedValue] = [AllowedValue(v["value"], v.get("meaning", "")) for v in values]
        self.doc_url: Optional[str] = data.get("doc_url")
        self.category: str = data.get("category", "")
        self.related: List[str] = list(data.get("related") or [])
        self.xcode_capability: Optional[str] = data.get("xcode_capability")
        self.summary: str = data.get("summary", "")
        self.details: str = data.get("details", "")
        self.default = data.get("default")
        self.requires: List[str] = list(data.get("requires") or [])
        self.extra = extra  # declared by the user's configuration
        self._platform_text: Optional[str] = None
        # value shapes and the corrections of the 2026 audit (see catalog.schema.json)
        self.format = load_format(data.get("format"))
        self.accepts: List[str] = list(data.get("accepts") or [])
        self.capability_platforms: List[str] = list(data.get("capability_platforms") or [])
        self.observed_values = [AllowedValue(v["value"], v["meaning"]) for v in data.get("observed_values") or []]
        self.platforms_note: str = data.get("platforms_note", "")
        self.kept_with: List[str] = list(data.get("kept_with") or [])
        self.excludes: dict = data.get("excludes") or {}
        self.requires_source: str = data.get("requires_source", "apple-page")

    def allowed(self, value: str) -> Optional[AllowedValue]:
        for v in self.allowed_values + self.observed_values:
            if v.value == value:
                return v
        return None

    def available_on(self, platform: str) -> bool:
        """platform is a catalog name such as "macOS". Unknown platform lists
        (user-declared keys) are available everywhere."""
        if not self.platforms or platform in self.platforms:
            return True
        # iPadOS runs iOS apps; Mac Catalyst apps are iOS apps on the Mac.
        if platform == "iPadOS" and "iOS" in self.platforms:
            return True
        if platform == "Mac Catalyst" and ("iOS" in self.platforms or "macOS" in self.platforms):
            return True
        return False

    def listed_on(self, platform: str) -> bool:
        """available_on, or offered there by Apple's capability lists."""
        return platform in self.capability_platforms or self.available_on(platform)

    def platform_text(self) -> str:
        if self._platform_text is None:  # asked for every key at each completion
            parts = []
            for name, info in self.platforms.items():
                since = (info or {}).get("introduced")
                parts.append(f"{name} {since}+" if since else name)
            self._platform_text = ", ".join(parts)
        return self._platform_text

    def as_json(self) -> dict:
        return {
            "key": self.key,
            "title": self.title,
            "type": self.type,
            "platforms": self.platforms,
            "deprecated": self.deprecated,
            "replaced_by": self.replaced_by,
            "allowed_values": [{"value": v.value, "meaning": v.meaning} for v in self.allowed_values] or None,
            "doc_url": self.doc_url,
            "category": self.category,
            "related": self.related,
            "xcode_capability": self.xcode_capability,
            "summary": self.summary,
            "details": self.details,
        }


def schema_dir() -> Path:
    """schema/ inside an installed wheel, else beside the package in a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "schema", here.parent / "schema"):
        if (candidate / "entitlements").is_dir():
            return candidate
    return here.parent / "schema"


class Catalog:
    def __init__(self, entries: Iterable[Entry], internal_prefixes: Sequence[str] = ("com.apple.private.",),
                 internal_keys: Iterable[str] = ()) -> None:
        self.entries: Dict[str, Entry] = {}
        for e in entries:
            self.entries[e.key] = e
        self.keys: List[str] = sorted(self.entries)
        self.internal_prefixes = tuple(internal_prefixes)
        self.internal_keys = frozenset(internal_keys)
        self._folded: Optional[Dict[str, str]] = None
        self._tails: Optional[Dict[str, List[str]]] = None
        self._close: Optional[CloseIndex] = None
        self._suggested: Dict[Tuple[str, int], List[str]] = {}  # for callers with no memo of their own
        self._memo = self._suggested
        self._extended: Dict[tuple, "Catalog"] = {}

    @classmethod
    def load(cls, directory: Optional[Path] = None) -> "Catalog":
        directory = directory or schema_dir()
        entries = []
        folder = directory / "entitlements"
        for name in sorted(os.listdir(folder)):
            if name.endswith(".json"):
                with open(folder / name, encoding="utf-8") as fh:
                    entries.extend(Entry(d) for d in json.load(fh)["entitlements"])
        internal: dict = {}
        if (directory / "apple-internal.json").is_file():
            with open(directory / "apple-internal.json", encoding="utf-8") as fh:
                internal = json.load(fh)
        prefixes = ["com.apple.private."] + [p for p in internal.get("prefixes", []) if p != "com.apple.private."]
        return cls(entries, prefixes, internal.get("keys", []))

    def with_extra(self, extra: Sequence[Tuple[str, str]]) -> "Catalog":
        """A catalog that also knows the user's own keys, (key, type) pairs."""
        if not extra:
            return self
        # Asked at every analysis: keep the catalog (and its index) per list.
        known = self._extended.get(tuple(extra))
        if known is not None:
            return known
        if len(self._extended) >= 8:
            self._extended.clear()
        added = [Entry({"key": k, "type": t, "summary": "Declared in the project's ent-ls configuration."}, extra=True)
                 for k, t in extra if k not in self.entries]
        made = Catalog(list(self.entries.values()) + added, self.internal_prefixes, self.internal_keys)
        self._extended[tuple(extra)] = made
        return made

    def get(self, key: str) -> Optional[Entry]:
        entry = self.entries.get(key)
        if entry is None and ":before:" in key:  # temporary-exception.x:before:10.8 (QA1802)
            entry = self.entries.get(before_base(key) or "")
        return entry

    def is_internal(self, key: str) -> bool:
        """Reserved for Apple's own software (com.apple.private.* and the like)."""
        return key not in self.entries and (key in self.internal_keys or key.startswith(self.internal_prefixes))

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def __len__(self) -> int:
        return len(self.entries)

    def with_prefix(self, prefix: str) -> List[Entry]:
        i = bisect.bisect_left(self.keys, prefix)
        out = []
        while i < len(self.keys) and self.keys[i].startswith(prefix):
            out.append(self.entries[self.keys[i]])
            i += 1
        return out

    def suggest(self, key: str, limit: int = 3) -> List[str]:
        """Known keys the user probably meant, best first."""
        memo = self._memo
        found = memo.get((key, limit))
        if found is None:
            if memo is self._suggested and len(memo) >= 65536:
                del memo[next(iter(memo))]  # the oldest; never the whole memo at once
            found = memo[(key, limit)] = self._suggest(key, limit)
        return list(found)

    @contextlib.contextmanager
    def remembering(self, memo: Dict[Tuple[str, int], List[str]]) -> Iterator[None]:
        """Keep suggest's answers in memo meanwhile: one document's memo, kept
        by the server across that document's edits, so a big file's answers
        neither push each other out nor those of other files."""
        old, self._memo = self._memo, memo
        try:
            yield
        finally:
            self._memo = old

    def _suggest(self, key: str, limit: int) -> List[str]:
        if key in self.entries:
            return [key]
        stripped = key.strip()
        if stripped in self.entries:
            return [stripped]
        if self._folded is None:
            self._folded = {k.lower(): k for k in self.keys}
        folded = self._folded.get(stripped.lower())
        if folded:
            return [folded]
        # The same distinctive last segment under another prefix
        # (com.apple.security.allow-jit for ...security.cs.allow-jit).
        if self._tails is None:
            self._tails = {}
            for k in self.keys:
                self._tails.setdefault(k.rsplit(".", 1)[-1], []).append(k)
        tail = stripped.rsplit(".", 1)[-1]
        by_tail = self._tails.get(tail, [])
        if len(by_tail) > 2 or len(tail) < 4:
            by_tail = []
        if self._close is None:
            self._close = CloseIndex(self.keys)
        close = [k for k in self._close.close_matches(stripped, n=limit, cutoff=0.85) if _plausible(stripped, k)]
        out: List[str] = []
        for k in by_tail + close:
            if k not in out:
                out.append(k)
        return out[:limit]

    def close_values(self, entry: Entry, value: str, limit: int = 3) -> List[str]:
        values = [v.value for v in entry.allowed_values]
        for v in values:
            if v.lower() == value.strip().lower():
                return [v]
        return difflib.get_close_matches(value.strip(), values, n=limit, cutoff=0.6)


def _plausible(typed: str, known: str) -> bool:
    """Whether known is a likely meaning of typed, not just a key with the
    same long prefix: the segments that differ must look alike, unless the
    two share two or more trailing segments (files.movies vs assets.movies)."""
    a, b = typed.split("."), known.split(".")
    while a and b and a[0] == b[0]:
        a, b = a[1:], b[1:]
    shared_tail = 0
    while a and b and a[-1] == b[-1]:
        a, b = a[:-1], b[:-1]
        shared_tail += 1
    if shared_tail >= 2:
        return True
    return difflib.SequenceMatcher(None, ".".join(a), ".".join(b)).ratio() >= 0.6


_BEFORE = re.compile(r"^(com\.apple\.security\.temporary-exception\.[^:]+):before:[0-9]+(\.[0-9]+)*$")


def before_base(key: str) -> Optional[str]:
    """The temporary exception a `:before:<version>` key limits to older
    systems, or None."""
    m = _BEFORE.match(key)
    return m.group(1) if m else None


_DEFAULT: Optional[Catalog] = None


def default_catalog() -> Catalog:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Catalog.load()
    return _DEFAULT
