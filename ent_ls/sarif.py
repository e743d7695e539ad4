"""SARIF 2.1.0 for `ent-ls check --format sarif`, in the shape GitHub code
scanning and Microsoft's validator accept.

Paths become URIs: relative ones percent-encoded against %SRCROOT% (the
folder ent-ls ran in), absolute ones as file:// URIs. Each result carries a
fingerprint made of what it is about rather than where, so that an alert
stays the same alert when lines above it move.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple
from urllib.parse import quote

from ent_ls import __version__
from ent_ls.analysis import Rule

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
LEVEL = {"error": "error", "warning": "warning", "information": "note", "hint": "note"}
FINGERPRINT = "entLsFinding/v1"

# Tags by the module a rule lives in: what kind of problem it finds.
_TAGS = {
    "kind": ["correctness"],
    "structure": ["correctness"],
    "runtime": ["security", "hardened-runtime"],
    "keys": ["correctness"],
    "distribution": ["security"],
}


def artifact_location(path: str, cwd: Optional[str] = None) -> dict:
    """{"uri": ..., "uriBaseId": ...} for a path as the user named it."""
    if path.startswith("<"):  # standard input without --stdin-filename
        return {"description": {"text": "standard input"}}
    cwd = cwd or os.getcwd()
    absolute = os.path.abspath(path)
    try:
        rel = os.path.relpath(absolute, cwd)
    except ValueError:  # another drive on Windows
        rel = os.pardir
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return {"uri": Path(absolute).as_uri()}
    return {"uri": quote(rel.replace(os.sep, "/"), safe="/"), "uriBaseId": SRCROOT}


def _tags(rule: Rule) -> List[str]:
    module = getattr(rule.check, "__module__", "").rsplit(".", 1)[-1]
    return ["entitlements", *_TAGS.get(module, [])]


def _rule_json(rule: Rule, rules_url: Optional[str]) -> dict:
    from ent_ls.docs import rule_markdown

    markdown = rule_markdown(rule)
    entry = {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.full},
        "help": {"text": rule.doc or rule.full, "markdown": markdown},
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": {"tags": _tags(rule)},
    }
    if rules_url:
        entry["helpUri"] = f"{rules_url}#{rule.id}"
    return entry


def _fingerprint(rule: str, uri: str, text: str, seen: Dict[Tuple[str, str, str], int]) -> str:
    # What is flagged, not where: the rule, the file and the flagged text
    # (whitespace folded), numbered when the same text is flagged twice.
    what = " ".join(text.split())
    key = (rule, uri, what)
    seen[key] = seen.get(key, 0) + 1
    digest = hashlib.sha256("\0".join((rule, uri, what, str(seen[key]))).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:32]


def logical_locations(r, d) -> list:
    """For findings without lines: the binary inside the artifact and the key."""
    out = []
    if r.inner:
        out.append({"name": r.inner, "kind": "module"})
    ent = r.doc.entitlement_at(d.start) if r.doc is not None and r.binary else None
    if ent is not None:
        name = f"{r.inner}/{ent.key}" if r.inner else ent.key
        out.append({"name": ent.key, "fullyQualifiedName": name, "kind": "member"})
    return out


def sarif_log(results, rules: Sequence[Rule], project_url: Optional[str] = None,
              rules_url: Optional[str] = None) -> dict:
    index = {r.id: i for i, r in enumerate(rules)}
    cwd = os.getcwd()
    out = []
    for r in results:
        artifact = artifact_location(r.path, cwd)
        seen: Dict[Tuple[str, str, str], int] = {}
        for d in r.diagnostics:
            physical: dict = {"artifactLocation": dict(artifact)}
            if not r.binary:
                sl, _ = r.lines.position(d.start)
                el, _ = r.lines.position(d.end)
                physical["region"] = {
                    "startLine": sl + 1,
                    "startColumn": r.utf16_column(d.start),
                    "endLine": el + 1,
                    "endColumn": r.utf16_column(d.end),
                }
            location: dict = {"physicalLocation": physical}
            logical = logical_locations(r, d)
            if logical:
                location["logicalLocations"] = logical
            where = artifact.get("uri", "") + (f"[{r.inner}]" if r.inner else "")
            result = {
                "ruleId": d.rule,
                "level": LEVEL[d.severity],
                "message": {"text": d.message},
                "locations": [location],
                "partialFingerprints": {FINGERPRINT: _fingerprint(d.rule, where, r.text[d.start:d.end], seen)},
            }
            if d.rule in index:
                result["ruleIndex"] = index[d.rule]
            out.append(result)
    driver = {
        "name": "ent-ls",
        "version": __version__,
        "semanticVersion": __version__,
        "rules": [_rule_json(rule, rules_url) for rule in rules],
    }
    if project_url:
        driver["informationUri"] = project_url
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "originalUriBaseIds": {SRCROOT: {"uri": Path(cwd).as_uri().rstrip("/") + "/"}},
            "columnKind": "utf16CodeUnits",
            "results": out,
        }],
    }
