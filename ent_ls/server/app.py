"""The language server: the only module that speaks LSP.

It keeps its own copy of each open document (so positions follow LSP's
definition of a line exactly), analyses each version once, and converts the
plain offsets of the analysis and features into the client's encoding.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import logging
import re
import traceback
from typing import Any, Callable, Dict, List, Optional
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls.exceptions import JsonRpcMethodNotFound
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol

from ent_ls import __version__
from ent_ls.analysis import Diagnostic, Fix, analyze
from ent_ls.analysis.engine import DEPRECATED, UNNECESSARY
from ent_ls.catalog import Catalog, default_catalog
from ent_ls.config import Settings, settings_for
from ent_ls.docs import terminal_markdown
from ent_ls.document import Document
from ent_ls.analysis.reuse import Reuse
from ent_ls.gcpause import freeze_big_tree, paused_gc
from ent_ls.server import rpc
from ent_ls.server.config_diag import config_diagnostics
from ent_ls.server.convert import UTF8, UTF16, UTF32, Positions, change_span
from ent_ls.server.publish import RULES_URL, DiagnosticJson, RawJson, publish_message
from ent_ls.syntax import LineIndex

log = logging.getLogger(__name__)

SOURCE = "ent-ls"
CONFIG_SECTION = "entitlements"
FIX_ALL_KIND = "source.fixAll.ent-ls"
BIG_FILE = 2_000_000  # characters; see EntLsServer.big_file
SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "information": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Hint,
}
TAGS = {UNNECESSARY: types.DiagnosticTag.Unnecessary, DEPRECATED: types.DiagnosticTag.Deprecated}
ENCODINGS = {
    types.PositionEncodingKind.Utf8: UTF8,
    types.PositionEncodingKind.Utf16: UTF16,
    types.PositionEncodingKind.Utf32: UTF32,
}


def uri_to_path(uri: str) -> Optional[str]:
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return parsed.path or None  # untitled:, etc.: still useful for names
    path = unquote(parsed.path)
    if len(path) > 2 and path[0] == "/" and path[2] == ":":  # /C:/ on Windows
        path = path[1:]
    return path


_BREAK = re.compile(r"[\r\n]")


class OpenDocument:
    """One open text document and what was computed for its version."""

    def __init__(self, uri: str, text: str, version: Optional[int]) -> None:
        self.uri = uri
        self.path = uri_to_path(uri)
        self.version = version
        self.file_settings: Optional[Settings] = None  # from .ent-ls.toml / pyproject
        self.reuse = Reuse()  # the last analysis, for the next one (kept across edits)
        self.parsed = False  # whether a tree was parsed since the last publication
        self.json = DiagnosticJson()  # the last published diagnostics, as JSON
        # the line ranges edited since the last publication, when no line
        # break came or went (None: unknown); see DiagnosticJson.items
        self.touched: Optional[List[tuple]] = None
        self.set_text(text, version)

    def set_text(self, text: str, version: Optional[int], lines: Optional[LineIndex] = None,
                 doc: Optional[Document] = None) -> None:
        self.text = text
        self.version = version
        self.lines = lines if lines is not None else LineIndex(text)
        self._doc: Optional[Document] = doc
        if doc is not None:
            doc._lines = self.lines
        self._diagnostics: Optional[List[Diagnostic]] = None

    @property
    def doc(self) -> Document:
        if self._doc is None:
            self._doc = Document(self.text, self.path)
            self._doc._lines = self.lines
            self.parsed = True  # a whole new tree: see publish
        return self._doc

    def diagnostics(self, server: "EntLsServer") -> List[Diagnostic]:
        if self._diagnostics is None:
            self._diagnostics = analyze(self.doc, server.catalog, server.settings_for(self), self.reuse)
        return self._diagnostics

    def invalidate(self) -> None:
        self._diagnostics = None


class JsonReady(dict):
    """A handler result already in JSON form, sent without cattrs."""


class EntLsProtocol(LanguageServerProtocol):
    """Keeps documents in the server's own store instead of pygls's workspace,
    and sends JsonReady results as they are."""

    def _send_data(self, data: Any):
        """Ready JSON (a whole message, or a response's result) goes out as it
        is; everything else through pygls."""
        result = getattr(data, "result", None)
        if isinstance(result, RawJson) and hasattr(data, "id"):
            data = RawJson('{"jsonrpc":"2.0","id":%s,"result":%s}' % (json.dumps(data.id), result))
        if not isinstance(data, RawJson):
            return super()._send_data(data)
        if self.writer is None:
            return None
        message = f"Content-Length: {len(data)}\r\nContent-Type: {self.CONTENT_TYPE}; charset={self.CHARSET}\r\n\r\n"
        written = self.writer.write((message + data).encode(self.CHARSET))
        if inspect.isawaitable(written):
            asyncio.ensure_future(written)
        return None

    def structure_message(self, data: dict):
        if "method" in data and "jsonrpc" in data:
            return rpc.structure_request(self, data)
        return super().structure_message(data)

    def handle_message(self, message):
        if not rpc.answer_early(self, message):
            super().handle_message(message)

    def _handle_notification(self, method_name: str, params: Any):
        if method_name == types.CANCEL_REQUEST:
            return rpc.cancel(self, params.id)
        return super()._handle_notification(method_name, params)

    def _serialize_message(self, data: Any):
        if isinstance(getattr(data, "result", None), JsonReady) and hasattr(data, "id"):
            return {"jsonrpc": data.jsonrpc, "id": data.id, "result": data.result}
        return super()._serialize_message(data)

    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams):
        self._server.open_document(params.text_document)
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    lsp_text_document__did_open.method_name = types.TEXT_DOCUMENT_DID_OPEN  # type: ignore[attr-defined]

    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams):
        self._server.change_document(params)
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    lsp_text_document__did_change.method_name = types.TEXT_DOCUMENT_DID_CHANGE  # type: ignore[attr-defined]

    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams):
        self._server.documents.pop(params.text_document.uri, None)
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None

    lsp_text_document__did_close.method_name = types.TEXT_DOCUMENT_DID_CLOSE  # type: ignore[attr-defined]


class EntLsServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("ent-ls", __version__, protocol_cls=EntLsProtocol,
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.documents: Dict[str, OpenDocument] = {}
        self.catalog: Catalog = default_catalog()
        self.client_settings: Dict[str, Any] = {}
        self.settings_problems: List[str] = []
        self.pending: Dict[str, asyncio.Handle] = {}
        self.settings_generation = 0  # bumps when settings change, for pull result ids
        self.shutdown_requested = False
        from ent_ls.server.projects import WorkspaceProjects

        self.projects = WorkspaceProjects()  # Xcode projects: which builds sign with each file
        self.big_noted: set = set()  # documents already said to be big

    def start_io(self, stdin=None, stdout=None) -> None:
        rpc.start_io(self, stdin, stdout)  # with read-ahead, so queued requests can be cancelled

    # --- documents -----------------------------------------------------------

    @property
    def encoding(self) -> str:
        try:
            enc = self.workspace.position_encoding
        except RuntimeError:
            enc = None
        return ENCODINGS.get(enc, UTF16)  # type: ignore[arg-type]

    def open_document(self, item: types.TextDocumentItem) -> None:
        self.documents[item.uri] = OpenDocument(item.uri, item.text, item.version)

    def change_document(self, params: types.DidChangeTextDocumentParams) -> None:
        od = self.documents.get(params.text_document.uri)
        if od is None:
            return
        # A parsed document is edited in place where the edit allows it
        # (syntax.incremental); otherwise the text is parsed when next needed.
        with paused_gc():  # see ent_ls.gcpause
            self._apply_changes(od, params)

    def _apply_changes(self, od: "OpenDocument", params: types.DidChangeTextDocumentParams) -> None:
        text, lines, doc = od.text, od.lines, od._doc
        touched = od.touched
        for change in params.content_changes:
            start, end = change_span(lines, self.encoding, change)
            if start is None:
                text, doc = change.text, None
                lines = LineIndex(text)
                touched = None
                continue
            if touched is not None:
                if _BREAK.search(change.text) or _BREAK.search(text, start, end) \
                        or text[start - 1:start] == "\r" or text[end:end + 1] == "\n":  # a \r\n split or joined
                    touched = None
                else:
                    touched = touched + [(lines.position(start)[0], lines.position(end)[0])]
            if doc is not None:
                doc = doc.edited(start, end, change.text)
                text = doc.text
            else:
                text = text[:start] + change.text + text[end:]
            lines = lines.edited(start, end, change.text, text)
        od.set_text(text, params.text_document.version, lines, doc)  # the index just built, not a second one
        od.touched = touched

    def positions(self, od: OpenDocument) -> Positions:
        return Positions(od.lines, self.encoding)

    # --- settings --------------------------------------------------------------

    def settings_for(self, od: OpenDocument) -> Settings:
        if od.file_settings is None:
            od.file_settings = settings_for(od.path if od.path and od.uri.startswith("file:") else None)
        settings = od.file_settings.copy()
        if self.client_settings:
            settings.update(self.client_settings, "client settings")
        settings.project = self.projects.for_path(self, od.path if od.uri.startswith("file:") else None)
        return settings

    def set_client_settings(self, value: Any) -> None:
        if isinstance(value, dict):
            # VS Code nests everything under the section; accept both shapes
            inner = value.get(CONFIG_SECTION) if isinstance(value.get(CONFIG_SECTION), dict) else value
            known = {k: v for k, v in inner.items() if k in ("platform", "select", "ignore", "severity",
                                                              "extendKeys", "extend-keys", "debugFiles", "debug-files")}
            self.client_settings = known
            probe = Settings()
            probe.update(known, "client settings")
            for problem in probe.problems:
                self.log(types.MessageType.Warning, f"ent-ls: {problem} (ignored)")
        for od in self.documents.values():
            od.invalidate()
            od.file_settings = None

    # --- diagnostics -------------------------------------------------------------

    @property
    def pull_diagnostics(self) -> bool:
        caps = self.client_capabilities
        return bool(caps and caps.text_document and caps.text_document.diagnostic)

    def schedule_publish(self, uri: str) -> None:
        """Publish after the current burst of messages, for the latest version only."""
        if self.pull_diagnostics:
            return
        old = self.pending.pop(uri, None)
        if old is not None:
            old.cancel()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.publish(uri)
            return
        self.pending[uri] = loop.call_soon(self.publish, uri)

    def publish(self, uri: str) -> None:
        self.pending.pop(uri, None)
        od = self.documents.get(uri)
        if od is None:
            return
        try:
            items = self.diagnostic_json(od)
        except Exception:  # never let one document stop the server
            self.log(types.MessageType.Error, f"ent-ls: analysis failed for {uri}:\n{traceback.format_exc()}")
            items = []
        self.protocol._send_data(publish_message(uri, od.version, items))
        if od.parsed:
            od.parsed = False
            freeze_big_tree(len(od.text))

    def diagnostic_json(self, od: OpenDocument) -> List[str]:
        """The document's diagnostics as JSON, reusing what did not change."""
        with paused_gc():  # see ent_ls.gcpause
            items = od.json.items(od.uri, od.lines, self.encoding, od.diagnostics(self), lean=self.big_file(od),
                                  touched=od.touched)
        od.touched = []  # lines are counted from this publication on
        if od.file_settings is not None and od.file_settings.problems:  # a broken config file, said in the editor
            unstructure = self.protocol._converter.unstructure
            items = items + [json.dumps(unstructure(d), separators=(",", ":"))
                             for d in config_diagnostics(od.file_settings.problems)]
        return items

    def big_file(self, od: OpenDocument) -> bool:
        """Past BIG_FILE characters the extras go (document links, rule links
        and related locations in diagnostics); said once per document."""
        if len(od.text) <= BIG_FILE:
            return False
        if od.uri not in self.big_noted:
            self.big_noted.add(od.uri)
            self.log(types.MessageType.Info, f"ent-ls: {od.path or od.uri} is {len(od.text) / 1e6:.1f} MB, over "
                     f"{BIG_FILE / 1e6:.0f} MB: leaving out document links and the related locations and rule links "
                     "of its diagnostics; diagnostics, hover and completion work as usual")
        return True

    def to_lsp_diagnostic(self, od: OpenDocument, conv: Positions, d: Diagnostic) -> types.Diagnostic:
        related = None
        if d.related:
            related = [
                types.DiagnosticRelatedInformation(
                    location=types.Location(uri=od.uri, range=conv.range(s, e)), message=m)
                for s, e, m in d.related
            ]
        return types.Diagnostic(
            range=conv.range(d.start, d.end),
            message=d.message,
            severity=SEVERITY[d.severity],
            code=d.rule,
            # a link only where the rules page's address is known (no made-up host)
            code_description=types.CodeDescription(href=f"{RULES_URL}#{d.rule}") if RULES_URL else None,
            source=SOURCE,
            tags=[TAGS[t] for t in d.tags if t in TAGS] or None,
            related_information=related,
            data={"version": od.version, "start": d.start, "end": d.end,
                  "fixes": [f.to_json() for f in d.fixes]},
        )

    # --- edits ---------------------------------------------------------------------

    def workspace_edit(self, od: OpenDocument, edits) -> types.WorkspaceEdit:
        conv = self.positions(od)
        text_edits = [types.TextEdit(range=conv.range(e.start, e.end), new_text=e.new_text) for e in edits]
        caps = self.client_capabilities
        doc_changes = bool(caps and caps.workspace and caps.workspace.workspace_edit
                           and caps.workspace.workspace_edit.document_changes)
        if doc_changes:
            return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(uri=od.uri, version=od.version),
                edits=text_edits)])
        return types.WorkspaceEdit(changes={od.uri: text_edits})

    def markup(self, markdown: str, formats):
        """markdown as the client can show it: as is where it lists markdown,
        plain-text MarkupContent where it lists only that, and a bare string
        (always allowed) where it lists no format."""
        if formats and types.MarkupKind.Markdown in formats:
            return types.MarkupContent(kind=types.MarkupKind.Markdown, value=markdown)
        plain = terminal_markdown(markdown, color=False)
        if formats and types.MarkupKind.PlainText in formats:
            return types.MarkupContent(kind=types.MarkupKind.PlainText, value=plain)
        return plain

    def log(self, kind: types.MessageType, message: str) -> None:
        try:
            self.window_log_message(types.LogMessageParams(type=kind, message=message))
        except Exception:  # no client attached (tests, shutdown)
            log.warning(message)

    def report_server_error(self, error: Exception, source) -> None:
        # A failing handler is logged, never shown as a pop-up; requests
        # already answer with an error response. A method we do not offer
        # is not a failure of ours.
        if isinstance(error, JsonRpcMethodNotFound):
            return
        self.log(types.MessageType.Error, f"ent-ls: internal error: {error!r}")


def with_document(empty: Callable[[], Any] = lambda: None):
    """Look up params.text_document.uri and pass its OpenDocument on; an
    unknown document gets the empty answer instead."""

    def wrap(handler):
        @functools.wraps(handler)
        def run(ls: EntLsServer, params):
            od = ls.documents.get(params.text_document.uri)
            return empty() if od is None else handler(ls, params, od)

        return run

    return wrap


def fix_action(server: EntLsServer, od: OpenDocument, fix: Fix, diag: Optional[types.Diagnostic],
               resolve: bool) -> types.CodeAction:
    action = types.CodeAction(
        title=fix.title,
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diag] if diag is not None else None,
        is_preferred=fix.preferred or None,
    )
    if resolve:
        action.data = {"uri": od.uri, "version": od.version, "fix": fix.to_json()}
    else:
        action.edit = server.workspace_edit(od, fix.edits)
    return action
