"""Provisioning profiles (.mobileprovision, .provisionprofile): a property
list inside a CMS SignedData envelope. The envelope is parsed as ASN.1
(asn1crypto); the plist is its encapsulated content."""

from __future__ import annotations

import datetime
import plistlib
from typing import Any, Dict, List, Optional

from ent_ls.signed.cms import MAX_CMS, CMSError, signed_content

PROFILE_NAMES = ("embedded.mobileprovision", "embedded.provisionprofile")


class ProfileError(ValueError):
    pass


class Profile:
    """What a profile grants, with the fields the cross-checks use."""

    def __init__(self, plist: Dict[str, Any], path: str) -> None:
        self.path = path
        self.plist = plist
        ents = plist.get("Entitlements")
        self.entitlements: Dict[str, Any] = ents if isinstance(ents, dict) else {}
        self.name = str(plist.get("Name") or "")
        self.app_id_prefixes = _strings(plist.get("ApplicationIdentifierPrefix"))
        self.team_ids = _strings(plist.get("TeamIdentifier"))
        exp = plist.get("ExpirationDate")
        self.expiration: Optional[datetime.datetime] = exp if isinstance(exp, datetime.datetime) else None
        self.platforms = _strings(plist.get("Platform"))

    @property
    def development(self) -> bool:
        """Debuggable builds: the profile itself grants get-task-allow."""
        e = self.entitlements
        return e.get("get-task-allow") is True or e.get("com.apple.security.get-task-allow") is True

    @property
    def kind(self) -> str:
        if self.development:
            return "development"
        if self.plist.get("ProvisionsAllDevices") is True:
            return "enterprise"
        if "ProvisionedDevices" in self.plist:
            return "ad hoc"
        return "distribution"

    def expired(self, now: Optional[datetime.datetime] = None) -> bool:
        if self.expiration is None:
            return False
        now = now or datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
        exp = self.expiration
        if exp.tzinfo is not None:  # plistlib gives naive UTC unless asked otherwise
            exp = exp.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return exp < now


def _strings(value: Any) -> List[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def parse_profile(data: bytes, path: str = "") -> Profile:
    """Raises ProfileError with a sentence for anything that is not a profile."""
    if len(data) > MAX_CMS:
        raise ProfileError(f"{len(data)} bytes is far larger than any provisioning profile")
    try:
        content = signed_content(data)
    except CMSError as exc:
        raise ProfileError(str(exc)) from None
    try:
        plist = plistlib.loads(content)
    except Exception as exc:  # plistlib raises several types
        raise ProfileError(f"the profile's content is not a property list ({type(exc).__name__})") from None
    if not isinstance(plist, dict):
        raise ProfileError("the profile's property list is not a dictionary")
    return Profile(plist, path)


def read_profile(path: str) -> Profile:
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_CMS + 1)
    except OSError as exc:
        raise ProfileError(f"cannot read {path}: {exc.strerror or exc}") from None
    return parse_profile(data, path)
