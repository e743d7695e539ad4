"""Readers of what ships: signed Mach-O code, bundles, archives and
provisioning profiles. Beside the syntax layer: plain data out, nothing
about rules or LSP.

`views(code)` turns one binary into what the analysis looks at: one view
per group of slices that carry the same signature facts (usually one).
"""

from __future__ import annotations

import plistlib
from typing import Any, List, Optional

from ent_ls.signed.bundle import Code, Target, read_target
from ent_ls.signed.codesign import CS_RUNTIME, decode_xml, signing_kind
from ent_ls.signed.der import decode_der
from ent_ls.signed.macho import Slice
from ent_ls.signed.profile import Profile, ProfileError, read_profile

__all__ = ["Code", "Profile", "ProfileError", "SignedView", "Target", "read_profile", "read_target", "views"]

EMPTY_PLIST = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n'
    '<plist version="1.0">\n<dict/>\n</plist>\n'
)


class SignedView:
    """The signature facts of one binary (or of some of its slices)."""

    def __init__(self, code: Code, slices: List[Slice]) -> None:
        self.code = code
        self.slices = slices
        first = slices[0] if slices else None
        sig = first.signature if first else None
        self.arches = [s.arch for s in slices]
        self.platform = first.platform if first else None
        self.problems: List[str] = list(code.problems)
        for s in slices:
            self.problems.extend(f"{s.arch}: {p}" if code.macho and code.macho.fat else p for p in s.problems)
        self.signed = sig is not None and sig.code_directory is not None
        self.adhoc = bool(sig and sig.adhoc)
        self.flags = sig.flags if sig else 0
        cd = sig.code_directory if sig else None
        self.identifier = cd.identifier if cd else None
        self.team_id = cd.team_id if cd else None
        self.signer: Optional[str] = None
        if sig is not None and sig.cms and not self.adhoc:
            from ent_ls.signed.cms import CMSError, signer_names

            try:
                self.signer = signer_names(sig.cms)[0]
            except CMSError as exc:
                self.problems.append(f"the signature's CMS blob: {exc}")
        self.signing_kind = signing_kind(self.signer)
        self.xml_raw = sig.entitlements_xml if sig else None
        self.der_raw = sig.entitlements_der if sig else None
        self.xml_value: Any = None
        self.der_value: Any = None
        if self.xml_raw is not None:
            self.xml_value, problem = decode_xml(self.xml_raw)
            if problem:
                self.problems.append(problem)
        if self.der_raw is not None:
            self.der_value, problem = decode_der(self.der_raw)
            if problem:
                self.problems.append(problem)
        self.others: List["SignedView"] = []  # the other slice groups, when slices differ
        self.label = code.inner

    @property
    def hardened_runtime(self) -> bool:
        return bool(self.flags & CS_RUNTIME)

    @property
    def bundle_id(self) -> Optional[str]:
        return self.code.bundle_id

    @property
    def profile(self) -> Optional[Profile]:
        return self.code.profile

    def text(self) -> str:
        """The entitlements as XML text for the analysis: the signed XML
        itself when there is one, else the DER value written as XML."""
        if self.xml_raw is not None:
            return self.xml_raw.decode("utf-8", "replace").lstrip()
        if isinstance(self.der_value, dict):
            try:
                return plistlib.dumps(self.der_value).decode("utf-8")
            except (OverflowError, TypeError, ValueError):
                pass
        return EMPTY_PLIST

    @property
    def value(self) -> Any:
        """The entitlements as the system reads them (XML, else DER)."""
        return self.xml_value if self.xml_value is not None else self.der_value

    def _key(self) -> tuple:
        # A slice without the DER copy still grants the same: compare values.
        return (self.value, self.hardened_runtime, self.signed, self.adhoc, self.team_id)


def views(code: Code) -> List[SignedView]:
    """One view per group of slices with the same signature facts."""
    if code.macho is None:
        return [SignedView(code, [])]
    groups: List[SignedView] = []
    for s in code.macho.slices:
        view = SignedView(code, [s])
        for g in groups:
            if g._key() == view._key():
                g.slices.append(s)
                g.arches.append(s.arch)
                g.problems.extend(view.problems)
                break
        else:
            groups.append(view)
    if not groups:
        groups.append(SignedView(code, []))
    groups[0].problems[:0] = code.macho.problems
    if len(groups) > 1:
        for g in groups:
            g.others = [o for o in groups if o is not g]
            arches = "+".join(g.arches)
            g.label = f"{code.inner} ({arches})" if code.inner else arches
    return groups
