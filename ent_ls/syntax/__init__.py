"""The syntax layer: a tolerant, lossless XML property-list parser.

It never raises, keeps exact offsets (indices into the decoded text) and
knows nothing about LSP or entitlements.
"""

from ent_ls.syntax.plist import (
    PArray,
    PDict,
    PItem,
    PKey,
    PlistDocument,
    PNode,
    PScalar,
    PUnknown,
    parse_plist,
    to_python,
)
from ent_ls.syntax.source import Decoded, LineIndex, decode
from ent_ls.syntax.xml import Element, Problem, Token, XmlTree, parse_xml

__all__ = [
    "Decoded", "Element", "LineIndex", "PArray", "PDict", "PItem", "PKey", "PNode",
    "PScalar", "PUnknown", "PlistDocument", "Problem", "Token", "XmlTree",
    "decode", "parse_plist", "parse_xml", "to_python",
]
