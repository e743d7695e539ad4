"""Markdown for hovers (and `ent-ls explain`): keys, allowed values, and
keys the catalog does not know."""

from __future__ import annotations

from typing import List, Optional

from ent_ls.catalog import Catalog, Entry

TYPE_LABELS = {
    "boolean": "Boolean",
    "string": "String",
    "array-of-strings": "Array of strings",
    "dictionary": "Dictionary",
    "integer": "Integer",
    "array": "Array",
    "any": "Not stated by Apple",
}


def key_markdown(entry: Entry, catalog: Optional[Catalog] = None) -> str:
    """Title, key, type, platforms, summary, details, values, related, link."""
    lines: List[str] = [f"### {entry.title}", "", f"`{entry.key}`", ""]
    facts = [f"**Type:** {TYPE_LABELS.get(entry.type, entry.type)}"]
    if entry.platforms:
        facts.append(f"**Platforms:** {entry.platform_text()}")
    if entry.capability_platforms:
        facts.append("**Also in Apple's capability lists for:** " + ", ".join(entry.capability_platforms))
    if entry.category:
        facts.append(f"**Category:** {entry.category}")
    if entry.deprecated:
        dep = "**Deprecated**"
        if entry.replaced_by:
            dep += f": use `{entry.replaced_by}`"
        facts.append(dep)
    if entry.xcode_capability:
        facts.append(f"**Xcode:** {entry.xcode_capability}")
    if entry.platforms_note:  # where Apple's pages disagree, say so
        facts.append(f"**Note:** {entry.platforms_note}")
    lines.append("  \n".join(facts))
    if entry.summary:
        lines += ["", entry.summary]
    if entry.details:
        lines += ["", entry.details.strip()]
    if entry.allowed_values:
        lines += ["", "**Values:**", ""]
        lines += [f"- `{v.value}`" + (f": {v.meaning}" if v.meaning else "") for v in entry.allowed_values]
        lines += [f"- `{v.value}` (not on Apple's page): {v.meaning}" for v in entry.observed_values]
    if entry.format is not None:
        lines += ["", entry.format.markdown()]
    if entry.related:
        shown = [f"`{k}`" for k in entry.related]
        lines += ["", "**Related:** " + ", ".join(shown)]
    if entry.doc_url:
        lines += ["", f"[Apple documentation]({entry.doc_url})"]
    return "\n".join(lines)


def value_markdown(entry: Entry, value: str) -> Optional[str]:
    allowed = entry.allowed(value)
    if allowed is None:
        return format_markdown(entry, value)
    text = f"`{value}`: {allowed.meaning}" if allowed.meaning else f"`{value}`"
    return f"{text}\n\nA value of `{entry.key}` ({entry.title})."


def format_markdown(entry: Entry, value: str) -> Optional[str]:
    """The expected shape of a value of entry, for a hover on the value."""
    fmt = entry.format
    if fmt is None:
        return None
    return f"{_a(fmt.item).capitalize()} for `{entry.key}`.\n\n{fmt.markdown()}"


def _a(noun: str) -> str:
    return ("an " if noun[0].lower() in "aeiou" else "a ") + noun


def unknown_key_markdown(key: str, suggestions: List[str]) -> str:
    text = f"`{key}` is not an entitlement that Apple documents; the system most likely ignores it."
    if suggestions:
        text += "\n\nDid you mean " + " or ".join(f"`{s}`" for s in suggestions) + "?"
    return text


def private_key_markdown(key: str) -> str:
    return (
        f"`{key}` is a private entitlement, reserved for Apple's own software. "
        "A third-party app whose signature carries it is not allowed to launch."
    )


def markdown_for_key(key: str, catalog: Catalog) -> str:
    entry = catalog.get(key)
    if entry is not None:
        return key_markdown(entry, catalog)
    if catalog.is_internal(key):
        return private_key_markdown(key)
    return unknown_key_markdown(key, catalog.suggest(key))
