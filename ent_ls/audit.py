"""The CLI's side of signed code: `ent-ls check` on binaries, bundles,
archives and profiles, and `ent-ls show`.

Entitlements read out of a signature become an ordinary Document (marked
binary: findings carry no line numbers) and go through the same analysis as
a file in a repository; the signature facts ride along on `doc.signed`.
"""

from __future__ import annotations

import datetime
import json
import os
import plistlib
import sys
from typing import Any, Callable, List, Optional, Sequence, Tuple

from ent_ls.syntax.sniff import sniff

SIGNED_KINDS = {"macho", "fat-macho", "zip", "cms"}
FIX_REFUSED = "--fix cannot change entitlements inside signed code; edit the .entitlements file and sign again"


def is_signed_path(path: str) -> bool:
    """Bundle folders, .xcarchives, and files that are Mach-O, zip or CMS."""
    from ent_ls.signed.bundle import is_signed_dir

    if path == "-":
        return False
    if os.path.isdir(path):
        return is_signed_dir(path)
    try:
        with open(path, "rb") as fh:
            return sniff(fh.read(1024)).name in SIGNED_KINDS
    except OSError:
        return False


def split_paths(paths: Sequence[str]) -> Tuple[List[str], List[str]]:
    """(paths for the signed-code reader, paths for the usual discovery)."""
    signed = [p for p in paths if is_signed_path(p)]
    return signed, [p for p in paths if p not in signed]


def load_profile(path: Optional[str]):
    """The --profile option's profile; a UsageError-worthy message on failure."""
    if not path:
        return None
    from ent_ls.signed import ProfileError, read_profile

    try:
        return read_profile(path)
    except ProfileError as exc:
        raise ValueError(f"--profile {path}: {exc}") from None


def _platform_name(label: Optional[str]) -> Optional[str]:
    from ent_ls.catalog import PLATFORMS

    return next((name for name, lab in PLATFORMS.items() if lab == label), None)


def check_target(path: str, settings, catalog, profile=None) -> list:
    """FileResults for everything found under one signed path."""
    from ent_ls.analysis import SEVERITY_RANK, analyze
    from ent_ls.document import Document
    from ent_ls.report import FileResult
    from ent_ls.signed import EMPTY_PLIST, Code, SignedView, read_target, views

    target = read_target(path)
    found: List[Tuple[Any, Any]] = []  # (view or None, profile)
    if target.problems:
        stub = Code("")
        stub.problems = target.problems
        found.append((SignedView(stub, []), None))
    if target.profile is not None:
        found.append((None, target.profile))
    for code in target.codes:
        for view in views(code):
            found.append((view, profile if (profile is not None and code.main) else code.profile))
    results = []
    for view, prof in found:
        doc = Document(view.text() if view is not None else EMPTY_PLIST, path, binary=True)
        doc.signed, doc.profile = view, prof
        if view is not None and view.code.profile_problem and prof is None:
            doc.profile_problem = view.code.profile_problem
        s = settings.copy()
        if not s.platform and view is not None and _platform_name(view.platform):
            s.platform = _platform_name(view.platform)
        diags = analyze(doc, catalog, s)
        # The signed rules say it more precisely than the file rule does.
        precise = {d.start for d in diags if d.rule in ("signed-get-task-allow", "profile-get-task-allow")}
        diags = [d for d in diags if not (d.rule == "get-task-allow" and d.start in precise)]
        diags.sort(key=lambda d: (SEVERITY_RANK[d.severity], d.start, d.rule))
        for d in diags:
            d.fixes = []  # signed code is not edited in place
        inner = view.label if view is not None else None
        result = FileResult(path, doc.text, diags, binary=True, inner=inner or None, fixable=False)
        result.doc = doc
        results.append(result)
    return results


# -- ent-ls show --------------------------------------------------------------

def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, bytes):
        import base64

        return base64.b64encode(value).decode("ascii")
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return value


def show_records(path: str) -> List[dict]:
    """One record per binary and slice (and one for a profile)."""
    from ent_ls.signed import read_target

    target = read_target(path)
    records = []
    for problem in target.problems:
        records.append({"path": path, "inner": None, "problem": problem})
    if target.profile is not None:
        p = target.profile
        records.append({"path": path, "inner": None, "profile": p.name, "kind": p.kind,
                        "expires": p.expiration.isoformat() if p.expiration else None,
                        "entitlements": _jsonable(p.entitlements)})
    for code in target.codes:
        if code.macho is None:
            records.append({"path": path, "inner": code.inner or None, "problem": "; ".join(code.problems)})
            continue
        for s in code.macho.slices:
            from ent_ls.signed import SignedView

            v = SignedView(code, [s])
            rec = {
                "path": path, "inner": code.inner or None, "arch": s.arch, "platform": s.platform,
                "signed": v.signed, "adhoc": v.adhoc, "identifier": v.identifier, "team": v.team_id,
                "signer": v.signer, "hardened_runtime": v.hardened_runtime,
                "entitlements": _jsonable(v.xml_value if v.xml_value is not None else v.der_value),
                "xml": v.xml_raw.decode("utf-8", "replace") if v.xml_raw is not None else None,
                "der": v.der_raw is not None,
            }
            if v.problems:
                rec["problem"] = "; ".join(v.problems)
            records.append(rec)
    return records


def run_show(args, out=None) -> int:
    out = out or sys.stdout
    if not os.path.exists(args.path):
        print(f"ent-ls: error: no such file or folder: {args.path}", file=sys.stderr)
        return 2
    if not is_signed_path(args.path):
        print(f"ent-ls: error: {args.path} is not signed code, a bundle, an archive or a profile", file=sys.stderr)
        return 2
    records = show_records(args.path)
    if args.format == "json":
        for r in records:
            r.pop("xml", None)
        json.dump(records, out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        for r in records:
            out.write(_xml_record(r))
    return 2 if any("problem" in r for r in records) else 0


def _xml_record(r: dict) -> str:
    where = r["path"] + (f"[{r['inner']}]" if r.get("inner") else "")
    if "arch" in r:
        where += f" ({r['arch']})"
    lines = [f"{'Profile' if 'profile' in r else 'Executable'}={where}"]
    if "problem" in r:
        lines.append(f"# cannot read: {r['problem']}")
    elif "profile" in r:
        lines.append(f"# provisioning profile {r['profile']!r} ({r['kind']}), expires {r['expires']}")
        lines.append(_plist_text(r["entitlements"]))
    elif not r["signed"]:
        lines.append("# not signed")
    elif r["xml"] is not None:
        lines.append(r["xml"].strip())
    elif r["entitlements"] is not None:
        lines.append("# DER entitlements only, shown as XML")
        lines.append(_plist_text(r["entitlements"]))
    else:
        lines.append("# no entitlements")
    return "\n".join(lines) + "\n"


def _plist_text(value: Any) -> str:
    try:
        return plistlib.dumps(value).decode("utf-8").strip()
    except (TypeError, OverflowError, ValueError):
        return json.dumps(value, indent=2)


def refuse_fix(paths: Sequence[str], warn: Callable[[str], None]) -> None:
    for p in paths:
        warn(f"ent-ls: {p}: {FIX_REFUSED}")
