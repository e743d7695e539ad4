"""End-to-end: the server reads the Xcode projects of its workspace folders,
uses them in diagnostics, hover, code lens and completion, reports
project-file findings, and re-reads a project when it changes."""

import asyncio

import pytest_lsp
from conftest import plist
from lsp_support import SERVER, accept_registrations
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities
from test_project import JIT, TASK_ALLOW, checkout


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient):
    accept_registrations(lsp_client)
    yield
    await lsp_client.shutdown_session()


async def start(client, folder, profile="visual-studio-code"):
    await client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities(profile),
        workspace_folders=[types.WorkspaceFolder(uri=folder.as_uri(), name=folder.name)]))


def open_file(client, path, version=1):
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=path.as_uri(), language_id="entitlements", version=version, text=path.read_text())))


async def codes_for(client, uri):
    while uri not in client.diagnostics:
        await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return {d.code for d in client.diagnostics[uri]}


async def test_diagnostics_hover_and_lens_come_from_the_project(client: LanguageClient, tmp_path):
    dest = checkout("rectangle", tmp_path, {
        "Rectangle/RectangleRelease.entitlements": plist(TASK_ALLOW),
        "Rectangle/Rectangle.entitlements": plist(TASK_ALLOW),
    })
    await start(client, dest)
    release, debug = dest / "Rectangle" / "RectangleRelease.entitlements", dest / "Rectangle" / "Rectangle.entitlements"
    open_file(client, release)
    open_file(client, debug)
    assert "get-task-allow" in await codes_for(client, release.as_uri())
    assert "get-task-allow" not in await codes_for(client, debug.as_uri())

    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=release.as_uri()), position=types.Position(line=3, character=2)))
    text = hover.contents.value
    assert "`Rectangle` (Rectangle): Release; macOS; Hardened Runtime on" in text

    lenses = await client.text_document_code_lens_async(types.CodeLensParams(
        text_document=types.TextDocumentIdentifier(uri=debug.as_uri())))
    assert [lens.command.title for lens in lenses] == ["Signs Rectangle (Debug) · macOS · Hardened Runtime off"]
    assert lenses[0].range.start.line == 0


async def test_project_findings_and_rereading_a_changed_project(client: LanguageClient, tmp_path):
    dest = checkout("rectangle", tmp_path)
    (dest / "RectangleLauncher" / "RectangleLauncherRelease.entitlements").unlink()
    pbx = dest / "Rectangle.xcodeproj" / "project.pbxproj"
    await start(client, dest)
    uri = pbx.as_uri()
    while uri not in client.diagnostics:
        await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    (diag,) = client.diagnostics[uri]
    assert diag.code == "missing-entitlements-file" and diag.severity == types.DiagnosticSeverity.Error
    line = pbx.read_text().splitlines()[diag.range.start.line]
    assert "CODE_SIGN_ENTITLEMENTS = RectangleLauncher/RectangleLauncherRelease.entitlements" in line

    # The Debug file has a get-task-allow, which is fine; then the project is
    # changed to sign Release with it too: now it is reported.
    release, debug = dest / "Rectangle" / "RectangleRelease.entitlements", dest / "Rectangle" / "Rectangle.entitlements"
    debug.write_text(plist(TASK_ALLOW))
    open_file(client, release)
    open_file(client, debug)
    assert "get-task-allow" not in await codes_for(client, debug.as_uri())
    assert "unused-entitlements-file" not in await codes_for(client, release.as_uri())
    pbx.write_text(pbx.read_text().replace("Rectangle/RectangleRelease.entitlements", "Rectangle/Rectangle.entitlements")
                   .replace("RectangleLauncher/RectangleLauncherRelease.entitlements",
                            "RectangleLauncher/RectangleLauncher.entitlements"))
    client.diagnostics.clear()
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=uri, type=types.FileChangeType.Changed)]))
    for _ in range(50):
        if all(u in client.diagnostics for u in (uri, release.as_uri(), debug.as_uri())):
            break
        await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 30)
    assert not client.diagnostics[uri]  # the missing file is no longer named
    assert "unused-entitlements-file" in {d.code for d in client.diagnostics[release.as_uri()]}
    assert "get-task-allow" in {d.code for d in client.diagnostics[debug.as_uri()]}
    watchers = [w["globPattern"] for r in client.registrations for w in r.register_options["watchers"]]
    assert "**/project.pbxproj" in watchers and "**/*.xcconfig" in watchers


async def test_completion_ranks_the_targets_platform_first(client: LanguageClient, tmp_path):
    # OwnTracks' app is an iOS target; its path says nothing about the platform.
    dest = checkout("owntracks", tmp_path)
    path = dest / "OwnTracks" / "OwnTracks" / "OwnTracks.entitlements"
    text = plist("\t<key>com.apple.</key>\n")
    path.write_text(text)
    await start(client, dest)
    open_file(client, path)
    line = text.splitlines().index("\t<key>com.apple.</key>")
    result = await client.text_document_completion_async(types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=path.as_uri()),
        position=types.Position(line=line, character=len("\t<key>com.apple."))))
    items = result.items if isinstance(result, types.CompletionList) else result
    labels = [i.label for i in items]
    first_mac_only = labels.index("com.apple.security.app-sandbox")
    assert labels.index("com.apple.developer.healthkit") < first_mac_only
    # platform-mismatch as the user types a macOS-only key
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=path.as_uri(), version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=plist(JIT))]))
    for _ in range(20):
        diags = client.diagnostics.get(path.as_uri(), [])
        if any(d.code == "platform-mismatch" for d in diags):
            break
        await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 30)
    assert any(d.code == "platform-mismatch" and "the Xcode project builds it for iOS" in d.message
               for d in client.diagnostics[path.as_uri()])
