"""Shared pieces for the end-to-end server tests (pytest-lsp)."""

import sys

from conftest import ROOT
from lsprotocol import types
from pytest_lsp import ClientServerConfig, client_capabilities

SERVER = ClientServerConfig(
    server_command=[sys.executable, "-m", "ent_ls", "serve"],
    server_env={"PYTHONPATH": str(ROOT)},
)
CLIENTS = ["visual-studio-code", "neovim@v0.11", "emacs"]
UNSIGNED = "com.apple.security.cs.allow-unsigned-executable-memory"
JIT = "com.apple.security.cs.allow-jit"


def init_params(client: str, **extra) -> types.InitializeParams:
    caps = client_capabilities(client)
    return types.InitializeParams(capabilities=caps, **extra)


def encoding_of(result: types.InitializeResult) -> str:
    return result.capabilities.position_encoding or "utf-16"


def units(s: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(s.encode("utf-8"))
    if encoding == "utf-16":
        return len(s.encode("utf-16-le")) // 2
    return len(s)


def pos(text: str, offset: int, encoding: str) -> types.Position:
    """The LSP position of offset in text, for the given encoding (test oracle:
    text in these tests has only \\n line breaks)."""
    line = text.count("\n", 0, offset)
    start = text.rfind("\n", 0, offset) + 1
    return types.Position(line=line, character=units(text[start:offset], encoding))


def apply_text_edits(text: str, edits, encoding: str) -> str:
    lines = text.split("\n")

    def off(p: types.Position) -> int:
        base = sum(len(ln) + 1 for ln in lines[:p.line])
        line = lines[p.line] if p.line < len(lines) else ""
        i = 0
        while i < len(line) and units(line[:i + 1], encoding) <= p.character:
            i += 1
        return base + i

    spans = sorted(((off(e.range.start), off(e.range.end), e.new_text) for e in edits), reverse=True)
    for s, e, new in spans:
        text = text[:s] + new + text[e:]
    return text


def edits_of(edit: types.WorkspaceEdit, uri: str):
    if edit.document_changes:
        return [e for dc in edit.document_changes if dc.text_document.uri == uri for e in dc.edits]
    return edit.changes[uri]


def accept_registrations(client) -> None:
    """Answer client/registerCapability as real clients do (pytest-lsp's
    client has no handler for it)."""

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register_capability(params: types.RegistrationParams) -> None:
        client.registrations = getattr(client, "registrations", []) + list(params.registrations)
        return None
