"""LSP request and notification handlers, each a thin adapter from LSP
params to the plain functions of ent_ls.features and ent_ls.analysis."""

from __future__ import annotations

from typing import List, Optional

from lsprotocol import types

from ent_ls.analysis import Fix
from ent_ls.analysis.edits import minimal_edit
from ent_ls.analysis.fixes import fix_document
from ent_ls.analysis.suppress import suppression_fixes
from ent_ls.features.hover import markdown_for_key, value_markdown
from ent_ls.server.app import CONFIG_SECTION, FIX_ALL_KIND, EntLsServer, OpenDocument, fix_action, with_document
from ent_ls.server.projects import PROJECT_GLOBS, lens_title, on_top_dict
from ent_ls.server.publish import full_report
from ent_ls.syntax import PArray, PScalar


def register(server: EntLsServer) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls: EntLsServer, params: types.InitializeParams) -> None:
        if params.initialization_options:
            ls.set_client_settings(params.initialization_options)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: EntLsServer, params: types.InitializedParams) -> None:
        await watch_config_files(ls)
        await refresh_configuration(ls)
        ls.projects.publish(ls)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: EntLsServer, params: types.DidChangeWatchedFilesParams) -> None:
        # A project's .ent-ls.toml or pyproject.toml changed: read them again.
        for od in ls.documents.values():
            od.file_settings = None
            od.invalidate()
        republish(ls)
        if ls.projects.changed(params.changes):  # an Xcode project or .xcconfig
            ls.projects.publish(ls)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: EntLsServer, params: types.DidChangeConfigurationParams) -> None:
        if not await refresh_configuration(ls) and isinstance(params.settings, dict):
            ls.set_client_settings(params.settings)
        republish(ls)

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: EntLsServer, params: None) -> None:
        ls.shutdown_requested = True

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: EntLsServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.schedule_publish(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: EntLsServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule_publish(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: EntLsServer, params: types.DidSaveTextDocumentParams) -> None:
        return None

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: EntLsServer, params: types.DidCloseTextDocumentParams) -> None:
        if not ls.pull_diagnostics:
            ls.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))

    @server.feature(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        types.DiagnosticOptions(identifier="ent-ls", inter_file_dependencies=False, workspace_diagnostics=False),
    )
    def diagnostic(ls: EntLsServer, params: types.DocumentDiagnosticParams):
        od = ls.documents.get(params.text_document.uri)
        if od is None:
            return types.RelatedFullDocumentDiagnosticReport(items=[])
        result_id = f"{id(od)}:{od.version}:{ls.settings_generation}"
        if params.previous_result_id == result_id:
            return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
        return full_report(result_id, ls.diagnostic_json(od))

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    @with_document()
    def hover(ls: EntLsServer, params: types.HoverParams, od: OpenDocument) -> Optional[types.Hover]:
        conv = ls.positions(od)
        offset = conv.offset(params.position)
        found = hover_at(ls, od, offset)
        if found is None:
            return None
        markdown, start, end = found
        td = ls.client_capabilities.text_document
        formats = td.hover.content_format if td and td.hover else None
        return types.Hover(contents=ls.markup(markdown, formats), range=conv.range(start, end))

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.QuickFix, types.CodeActionKind.SourceFixAll, FIX_ALL_KIND],
            resolve_provider=True,
        ),
    )
    @with_document(list)
    def code_action(ls: EntLsServer, params: types.CodeActionParams, od: OpenDocument):
        return code_actions(ls, od, params)

    @server.feature(types.TEXT_DOCUMENT_CODE_LENS)
    @with_document(list)
    def code_lens(ls: EntLsServer, params: types.CodeLensParams, od: OpenDocument) -> List[types.CodeLens]:
        fp = ls.settings_for(od).project
        if fp is None:
            return []
        rng = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0))
        return [types.CodeLens(range=rng, command=types.Command(title=lens_title(fp), command=""))]

    @server.feature(types.CODE_ACTION_RESOLVE)
    def code_action_resolve(ls: EntLsServer, action: types.CodeAction) -> types.CodeAction:
        data = action.data if isinstance(action.data, dict) else {}
        od = ls.documents.get(data.get("uri", ""))
        if od is None:
            return action
        if data.get("fix_all"):
            action.edit = fix_all_edit(ls, od)
            return action
        fix = data.get("fix")
        if not isinstance(fix, dict):
            return action
        if data.get("version") != od.version:
            # The document moved on: find the same fix in the new analysis.
            same = [f for d in od.diagnostics(ls) for f in d.fixes if f.title == fix.get("title")]
            if not same:
                return action
            action.edit = ls.workspace_edit(od, same[0].edits)
            return action
        action.edit = ls.workspace_edit(od, Fix.from_json(fix).edits)
        return action


async def watch_config_files(ls: EntLsServer) -> None:
    """Ask clients that can watch files to report changes to config files."""
    caps = ls.client_capabilities
    watched = caps.workspace.did_change_watched_files if caps and caps.workspace else None
    if not (watched and watched.dynamic_registration):
        return
    options = types.DidChangeWatchedFilesRegistrationOptions(watchers=[
        types.FileSystemWatcher(glob_pattern="**/.ent-ls.toml"),
        types.FileSystemWatcher(glob_pattern="**/pyproject.toml"),
        *(types.FileSystemWatcher(glob_pattern=g) for g in PROJECT_GLOBS),
    ])
    try:
        await ls.client_register_capability_async(types.RegistrationParams(registrations=[types.Registration(
            id="ent-ls-config-files", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES, register_options=options)]))
    except Exception as exc:  # a client that refuses keeps working without it
        ls.log(types.MessageType.Warning, f"ent-ls: could not watch configuration files: {exc!r}")


async def refresh_configuration(ls: EntLsServer) -> bool:
    """Ask the client for our settings section; False if it cannot answer."""
    caps = ls.client_capabilities
    if not (caps and caps.workspace and caps.workspace.configuration):
        return False
    try:
        result = await ls.workspace_configuration_async(
            types.ConfigurationParams(items=[types.ConfigurationItem(section=CONFIG_SECTION)]))
    except Exception as exc:  # a client that fails the request keeps the defaults
        ls.log(types.MessageType.Warning, f"ent-ls: workspace/configuration failed: {exc!r}")
        return False
    value = result[0] if result else None
    if isinstance(value, dict):
        ls.set_client_settings(value)
        ls.settings_generation += 1
    return True


def republish(ls: EntLsServer) -> None:
    ls.settings_generation += 1
    for uri in list(ls.documents):
        ls.schedule_publish(uri)
    caps = ls.client_capabilities
    if ls.pull_diagnostics and caps.workspace and caps.workspace.diagnostics \
            and caps.workspace.diagnostics.refresh_support:
        ls.workspace_diagnostic_refresh(None)


def hover_at(ls: EntLsServer, od: OpenDocument, offset: int):
    """(markdown, start, end) for what is under offset, or None."""
    doc = od.doc
    if on_top_dict(doc, offset):  # which builds sign with the file, from the Xcode project
        fp = ls.settings_for(od).project
        tag = doc.root_dict.elem.start_tag
        return (fp.summary(), tag.start, tag.end) if fp is not None else None
    ent = doc.entitlement_at(offset)
    if ent is None:
        return None
    key = ent.key_node
    if key.elem.start <= offset <= key.elem.end:
        return markdown_for_key(ent.key, ls.catalog), key.text_start, key.text_end
    entry = ls.catalog.get(ent.key)
    value = ent.value
    if entry is None or value is None:
        return None
    strings = [value] if isinstance(value, PScalar) else value.items if isinstance(value, PArray) else []
    for s in strings:
        if isinstance(s, PScalar) and s.tag == "string" and s.start <= offset <= s.end:
            md = value_markdown(entry, s.text)
            if md is not None:
                return md, s.elem.content_start, s.elem.content_end
    return None


def code_actions(ls: EntLsServer, od: OpenDocument, params: types.CodeActionParams) -> List[types.CodeAction]:
    only = params.context.only
    want_quickfix = not only or any(types.CodeActionKind.QuickFix.value.startswith(k) or k == "quickfix" for k in only)
    want_fix_all = not only or any(FIX_ALL_KIND.startswith(k) for k in only)
    caps = ls.client_capabilities
    resolve = bool(caps and caps.text_document and caps.text_document.code_action
                   and caps.text_document.code_action.resolve_support
                   and "edit" in caps.text_document.code_action.resolve_support.properties)
    conv = ls.positions(od)
    start, end = conv.offset(params.range.start), conv.offset(params.range.end)
    actions: List[types.CodeAction] = []
    diags = od.diagnostics(ls)
    if want_quickfix:
        for d in diags:
            if d.end < start or d.start > end:
                continue
            lsp_diag = ls.to_lsp_diagnostic(od, conv, d)
            fixes = list(d.fixes)
            if d.rule not in ("xml-syntax", "plist-structure"):
                fixes += suppression_fixes(od.doc, d)
            actions.extend(fix_action(ls, od, fix, lsp_diag, resolve) for fix in fixes)
    if want_fix_all and any(f.safe for d in diags for f in d.fixes):
        action = types.CodeAction(title="Fix all safe ent-ls problems", kind=FIX_ALL_KIND)
        if resolve:
            action.data = {"uri": od.uri, "version": od.version, "fix_all": True}
        else:
            action.edit = fix_all_edit(ls, od)
        actions.append(action)
    return actions


def fix_all_edit(ls: EntLsServer, od: OpenDocument) -> types.WorkspaceEdit:
    fixed, _, _ = fix_document(od.doc, ls.catalog, ls.settings_for(od), unsafe=False)
    return ls.workspace_edit(od, [minimal_edit(od.text, fixed.text)])
