#!/usr/bin/env python3
"""Compare the catalog's platforms and deprecations with Apple's pages.

Sources, newest first:
  scripts/data/apple-2026-availability.json  availability read from Apple's
      2026 key pages (the stored copies the search tool serves), one record
      per page: key, url, and Apple's availability lines ("iOS: 27.0.0 -",
      "visionOS: 1.0.0 - 27.0.0");
  ../shared/reference/apple-docs/<key>.md      Apple's pages as published
      ("iOS 3.0+iPadOS 3.0+..." or "- iOS 26.0+" lines);
  ../shared/reference/entitlements-facts.json  the 2025 facts, as a baseline.

Prints each key whose catalog entry differs from the newest page, and with
--apply writes the page's platforms into schema/entitlements/*.json with a
`corrected` record naming the page. Keys listed in KEEP are never changed
(the catalog is right and the page is wrong; each has a reason).

Usage: scripts/recheck-platforms.py [--shared DIR] [--apply] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAMES = {"iOS": "iOS", "iPadOS": "iPadOS", "macOS": "macOS", "tvOS": "tvOS", "watchOS": "watchOS",
         "visionOS": "visionOS", "macCatalyst": "Mac Catalyst", "Mac Catalyst": "Mac Catalyst"}
# Pages whose availability is wrong; the catalog keeps its own (audit item 13).
KEEP = {
    "com.apple.developer.location.push":
        "the 2026 page says iOS 7.0 and macOS 10.9, but every API the key guards is iOS/iPadOS 15.0 only",
    "com.apple.developer.game-center":
        "the key page omits tvOS; Apple's account help says Xcode adds the key to tvOS apps",
}
_JSON_LINE = re.compile(r"^(\w[\w ]*): ([0-9.]+)(?: -\s*([0-9.]*))?$")
_PAGE = re.compile(r"(iOS|iPadOS|macOS|Mac Catalyst|tvOS|watchOS|visionOS) ([0-9]+(?:\.[0-9]+)*)"
                   r"(?:\+|[–-]([0-9]+(?:\.[0-9]+)*))")


def short(version: str) -> str:
    """27.0.0 -> 27.0, 10.15.4 stays."""
    parts = version.split(".")
    while len(parts) > 2 and parts[-1] == "0":
        parts.pop()
    return ".".join(parts)


def from_json_lines(lines) -> dict:
    out = {}
    for line in lines:
        m = _JSON_LINE.match(line.strip())
        if m and m.group(1) in NAMES:
            out[NAMES[m.group(1)]] = {"introduced": short(m.group(2)),
                                      "deprecated": short(m.group(3)) if m.group(3) else None}
    return out


def from_page(text: str) -> dict:
    """The first availability block of a published page."""
    out = {}
    head = text[:3000]
    start = None
    for m in _PAGE.finditer(head):
        if start is not None and m.start() - start > 400:
            break  # a later mention, not the availability block
        start = m.start() if start is None else start
        out.setdefault(m.group(1), {"introduced": m.group(2), "deprecated": m.group(3)})
    return out


def load_sources(shared: Path) -> dict:
    """key -> (source, url, platforms), newest source winning."""
    found = {}
    facts = shared / "reference" / "entitlements-facts.json"
    if facts.is_file():
        for f in json.loads(facts.read_text(encoding="utf-8"))["entitlements"]:
            plats = {p: {"introduced": v.get("introduced"), "deprecated": v.get("deprecated")}
                     for p, v in f["platforms"].items()}
            if plats:
                found[f["key"]] = ("facts-2025", f["doc_url"], plats)
    docs = shared / "reference" / "apple-docs"
    if docs.is_dir():
        for page in sorted(docs.glob("*.md")):
            plats = from_page(page.read_text(encoding="utf-8", errors="replace"))
            if plats:
                found[page.stem] = ("apple-docs", f"apple-docs/{page.name}", plats)
    data = ROOT / "scripts" / "data" / "apple-2026-availability.json"
    if data.is_file():
        for rec in json.loads(data.read_text(encoding="utf-8"))["pages"]:
            found[rec["key"]] = ("2026-page", rec["url"], from_json_lines(rec["availability"]))
    return found


def differences(entry: dict, page: dict) -> list:
    out = []
    ours = entry.get("platforms") or {}
    for name in sorted(set(ours) | set(page)):
        a, b = ours.get(name), page.get(name)
        if a is None:
            out.append(f"{name}: missing (page: {b['introduced']}+)")
        elif b is None:
            # Mac Catalyst is often implied by iOS on the pages
            if name != "Mac Catalyst":
                out.append(f"{name}: not on the page")
        else:
            if a.get("introduced") != b["introduced"] and b["introduced"]:
                out.append(f"{name}: introduced {a.get('introduced')} -> {b['introduced']}")
            if (a.get("deprecated") or None) != (b["deprecated"] or None):
                out.append(f"{name}: deprecated {a.get('deprecated')} -> {b['deprecated']}")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--apply", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    sources = load_sources(Path(args.shared))
    if not sources:
        print(f"no reference material under {args.shared}", file=sys.stderr)
        return 2
    report = []
    checked = 0
    for path in sorted((ROOT / "schema" / "entitlements").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        changed = False
        for entry in data["entitlements"]:
            src = sources.get(entry["key"])
            if src is None or src[0] == "facts-2025":
                continue  # only newer pages can correct the catalog
            checked += 1
            kind, url, page = src
            diff = differences(entry, page)
            if not diff:
                continue
            keep = KEEP.get(entry["key"])
            report.append({"key": entry["key"], "source": kind, "url": url, "changes": diff, "kept": keep})
            if args.apply and not keep and kind == "2026-page":
                merged = dict(entry.get("platforms") or {})
                merged.update(page)
                entry["platforms"] = dict(sorted(merged.items()))
                entry["deprecated"] = entry["deprecated"] or any(v["deprecated"] for v in page.values())
                notes = entry.setdefault("corrected", [])
                if not any(c["field"] == "platforms" for c in notes):
                    notes.append({"field": "platforms", "source": url,
                                  "note": "Re-checked against the 2026 page: " + "; ".join(diff)})
                changed = True
        if changed:
            path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    known = {e["key"] for p in (ROOT / "schema" / "entitlements").glob("*.json")
             for e in json.loads(p.read_text(encoding="utf-8"))["entitlements"]}
    missing = sorted(k for k, (kind, _, _) in sources.items() if kind == "2026-page" and k not in known)
    if args.json:
        print(json.dumps({"checked": checked, "differ": report, "missing": missing}, indent=2))
    else:
        for r in report:
            tail = f"  (kept: {r['kept']})" if r["kept"] else ""
            print(f"{r['key']} [{r['source']}]: " + "; ".join(r["changes"]) + tail)
        for k in missing:
            print(f"{k}: on Apple's 2026 pages but not in the catalog")
        print(f"{checked} keys checked against newer pages, {len(report)} differ, {len(missing)} missing")
    return 0


if __name__ == "__main__":
    sys.exit(main())
