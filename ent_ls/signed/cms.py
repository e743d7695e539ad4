"""CMS SignedData (RFC 5652) through asn1crypto: the signed content and who
signed it. Used for provisioning profiles and code-signature CMS blobs."""

from __future__ import annotations

from typing import List, Optional, Tuple

MAX_CMS = 16 * 1024 * 1024  # real profiles are tens of kilobytes


class CMSError(ValueError):
    pass


def _signed_data(data: bytes):
    if len(data) > MAX_CMS:
        raise CMSError(f"CMS data of {len(data)} bytes is larger than any real profile")
    from asn1crypto import cms  # imported here: only signed-code checks pay for it

    try:
        info = cms.ContentInfo.load(data, strict=True)
        if info["content_type"].native != "signed_data":
            raise CMSError(f"the CMS content is {info['content_type'].native}, not signed data")
        signed = info["content"]
        signed.native  # parse it all now, so damage shows here and not later  # noqa: B018
        return signed
    except CMSError:
        raise
    except Exception as exc:  # asn1crypto raises ValueError, TypeError, OverflowError ...
        raise CMSError(f"the CMS envelope cannot be parsed: {exc}") from None


def signed_content(data: bytes) -> bytes:
    """The encapsulated content of a CMS SignedData (a profile's plist)."""
    signed = _signed_data(data)
    content = signed["encap_content_info"]["content"].native
    if not isinstance(content, bytes):
        raise CMSError("the CMS envelope holds no content")
    return content


def signer_names(data: bytes) -> Tuple[Optional[str], List[str]]:
    """(common name of the signing certificate, common names of all certificates)."""
    signed = _signed_data(data)
    names, signer = [], None
    sids = [si["sid"].native for si in signed["signer_infos"]]
    for cert in signed["certificates"] or []:
        if cert.name != "certificate":
            continue
        tbs = cert.chosen["tbs_certificate"]
        cn = tbs["subject"].native.get("common_name")
        names.append(cn)
        for sid in sids:
            if isinstance(sid, dict) and sid.get("serial_number") == tbs["serial_number"].native \
                    and sid.get("issuer") == tbs["issuer"].native:
                signer = cn
    return signer, names
