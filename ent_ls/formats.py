"""Value formats from the catalog (`format` in schema/catalog.schema.json):
the shape of a key's value, as plain data for the value-format rule and
for hovers."""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Pattern


class ValueFormat:
    __slots__ = ("item", "rule", "prefixes", "pattern", "placeholders", "min_items", "max_items",
                 "subkeys", "services", "check", "add", "add_safe", "severity", "note", "source")

    def __init__(self, data: dict) -> None:
        self.item: str = data["item"]
        self.rule: str = data["rule"]
        self.prefixes: List[str] = list(data.get("prefixes") or [])
        pattern = data.get("pattern")
        self.pattern: Optional[Pattern[str]] = re.compile(pattern) if pattern else None
        self.placeholders: List[str] = list(data.get("placeholders") or [])
        self.min_items: Optional[int] = data.get("min_items")
        self.max_items: Optional[int] = data.get("max_items")
        self.subkeys: Dict[str, str] = dict(data.get("subkeys") or {})
        self.services: List[str] = list(data.get("services") or [])
        self.check: Optional[str] = data.get("check")
        fix = data.get("fix") or {}
        self.add: Optional[str] = fix.get("add")
        self.add_safe: bool = bool(fix.get("safe"))
        self.severity: str = data.get("severity", "warning")
        self.note: str = data.get("note", "")
        self.source: Optional[str] = data.get("source")

    def fits(self, value: str) -> bool:
        return self.pattern is None or self.pattern.search(value) is not None

    def markdown(self) -> str:
        """A few lines for hovers and `ent-ls explain`."""
        lines = [f"**Format:** {self.rule[0].upper()}{self.rule[1:]}."]
        if self.prefixes:
            lines.append("Starts with " + " or ".join(f"`{p}`" for p in self.prefixes) + ".")
        if self.services:
            lines.append("Services: " + ", ".join(f"`{s}`" for s in self.services) + ".")
        counts = _count_text(self.min_items, self.max_items)
        if counts:
            lines.append(counts)
        if self.subkeys:
            lines.append("Keys: " + ", ".join(f"`{k}` ({t})" for k, t in self.subkeys.items()) + ".")
        if self.placeholders:
            lines.append("Build settings such as " + ", ".join(f"`{p}`" for p in self.placeholders)
                         + " are expanded by Xcode and not checked.")
        if self.note:
            lines.append(self.note)
        if self.source:
            lines.append(f"[Apple's description of the format]({self.source})")
        return "  \n".join(lines)


def _count_text(low: Optional[int], high: Optional[int]) -> str:
    if low is not None and high is not None and low == high:
        return f"Exactly {low} item{'s' if low != 1 else ''}."
    if low and high:
        return f"From {low} to {high} items."
    if low:
        return f"At least {low} item{'s' if low != 1 else ''}."
    if high:
        return f"At most {high} item{'s' if high != 1 else ''}."
    return ""


def load_format(data: Optional[dict]) -> Optional[ValueFormat]:
    return ValueFormat(data) if data else None
