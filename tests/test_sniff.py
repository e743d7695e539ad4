"""File-kind detection: real magics, and text that must stay text."""

import os

import pytest

from ent_ls.syntax.sniff import sniff


@pytest.mark.parametrize("head, name", [
    (b'<?xml version="1.0"?><plist/>', "xml"),
    ("<plist><dict><key>é</key></dict></plist>".encode(), "xml"),
    ("<plist/>".encode("utf-16"), "xml"),
    ("<plist/>".encode("utf-16-le"), "xml"),
    (b"", "xml"),
    (b"bplist00\xd0\x08", "bplist"),
    (b"\xcf\xfa\xed\xfe\x0c\x00\x00\x01", "macho"),
    (b"\xfe\xed\xfa\xce\x00\x00\x00\x07", "macho"),
    (b"\xca\xfe\xba\xbe\x00\x00\x00\x02", "fat-macho"),
    (b"\xca\xfe\xba\xbf\x00\x00\x00\x02", "fat-macho"),
    (b"\xca\xfe\xba\xbe\x00\x00\x00\x34", "data"),  # a Java class file: version 52, not 52 slices
    (b"PK\x03\x04\x14\x00", "zip"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "png"),
    (b"\x30\x80\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02\xa0\x80", "cms"),
])
def test_kinds(head, name):
    assert sniff(head).name == name


def test_random_bytes_are_data_not_xml():
    rnd = __import__("random").Random(7)
    for _ in range(50):
        assert sniff(bytes(rnd.randrange(256) for _ in range(512))).name == "data"


def test_utf8_cut_at_the_end_is_still_text():
    text = ("<string>" + "日本語" * 200 + "</string>").encode()
    assert sniff(text[:1023]).name == "xml"
    assert sniff(os.urandom(0)).plist
