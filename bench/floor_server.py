"""The floor for bench/run.py: a pygls 2 server that does no work of its own.

It speaks the same protocol as `ent-ls serve`, over stdio, with the same
pygls, the same lsprotocol and incremental text sync (pygls's own workspace
applies each change), and answers every request the benchmark sends with an
empty result:

* textDocument/completion -> an empty list
* textDocument/hover      -> null
* didOpen / didChange     -> publishDiagnostics with no diagnostics

so that ent-ls's time minus this server's time is ent-ls's own work.
"""

from __future__ import annotations

from lsprotocol import types
from pygls.lsp.server import LanguageServer

server = LanguageServer("ent-ls-floor", "0", text_document_sync_kind=types.TextDocumentSyncKind.Incremental)


@server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=["<", "."]))
def completion(ls: LanguageServer, params: types.CompletionParams):
    return []


@server.feature(types.TEXT_DOCUMENT_HOVER)
def hover(ls: LanguageServer, params: types.HoverParams):
    return None


def _publish(ls: LanguageServer, uri: str, version) -> None:
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, version=version, diagnostics=[]))


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: LanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    _publish(ls, params.text_document.uri, params.text_document.version)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: LanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    _publish(ls, params.text_document.uri, params.text_document.version)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: LanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    _publish(ls, params.text_document.uri, None)


if __name__ == "__main__":
    server.start_io()
