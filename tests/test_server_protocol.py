"""Server behaviour beyond the features: settings, pull diagnostics,
errors, shutdown and exit."""

import asyncio
import json
import os
import subprocess
import sys

import pytest
import pytest_lsp
from conftest import ROOT, plist
from lsp_support import SERVER, UNSIGNED, accept_registrations
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient, client_capabilities

RISKY = plist(f"\t<key>{UNSIGNED}</key>\n\t<true/>\n\t<key>com.apple.security.network.server</key>\n\t<false/>\n")
URI = "file:///work/App.entitlements"


def open_params(text=RISKY, uri=URI, version=1):
    return types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="entitlements", version=version, text=text))


async def pull(client, uri=URI, previous=None):
    return await client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
        text_document=types.TextDocumentIdentifier(uri=uri), previous_result_id=previous))


@pytest_lsp.fixture(config=SERVER)
async def puller(lsp_client: LanguageClient):
    caps = client_capabilities("visual-studio-code")
    caps.text_document.diagnostic = types.DiagnosticClientCapabilities(dynamic_registration=False)
    caps.workspace.diagnostics = types.DiagnosticWorkspaceClientCapabilities(refresh_support=True)
    lsp_client.set_configuration({"severity": {"false-value": "warning"}}, section="entitlements")
    accept_registrations(lsp_client)
    await lsp_client.initialize_session(types.InitializeParams(capabilities=caps))
    yield
    await lsp_client.shutdown_session()


async def test_pull_diagnostics_and_workspace_configuration(puller: LanguageClient):
    await asyncio.sleep(0.2)  # let the server fetch its configuration after `initialized`
    puller.text_document_did_open(open_params())
    report = await pull(puller)
    by_code = {d.code: d for d in report.items}
    assert by_code["unsigned-executable-memory"].severity == types.DiagnosticSeverity.Warning
    # the client's setting raised false-value from hint to warning
    assert by_code["false-value"].severity == types.DiagnosticSeverity.Warning
    assert puller.diagnostics == {}  # nothing pushed to a pulling client
    again = await pull(puller, previous=report.result_id)
    assert again.kind == "unchanged"

    puller.set_configuration({"ignore": ["false-value"]}, section="entitlements")
    puller.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    for _ in range(50):
        if puller.diagnostic_refresh_count:
            break
        await asyncio.sleep(0.1)
    assert puller.diagnostic_refresh_count >= 1
    report = await pull(puller)
    assert {d.code for d in report.items} == {"unsigned-executable-memory"}


@pytest_lsp.fixture(config=SERVER)
async def with_options(lsp_client: LanguageClient):
    caps = client_capabilities("emacs")
    caps.workspace.configuration = False
    accept_registrations(lsp_client)
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=caps, initialization_options={"platform": "ios", "severity": {"unsigned-executable-memory": "error"}}))
    yield
    await lsp_client.shutdown_session()


async def test_initialization_options(with_options: LanguageClient):
    with_options.text_document_did_open(open_params())
    await with_options.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    diags = with_options.diagnostics[URI]
    codes = {d.code: d for d in diags}
    assert codes["unsigned-executable-memory"].severity == types.DiagnosticSeverity.Error
    assert "platform-mismatch" in codes  # platform = ios from the options


@pytest_lsp.fixture(config=SERVER)
async def plain(lsp_client: LanguageClient):
    accept_registrations(lsp_client)
    await lsp_client.initialize_session(types.InitializeParams(capabilities=client_capabilities("neovim@v0.11")))
    yield
    await lsp_client.shutdown_session()


async def test_failing_handler_answers_error_logs_and_keeps_serving(plain: LanguageClient):
    plain.text_document_did_open(open_params())
    # a client echoing back damaged data makes the resolve handler fail
    broken = types.CodeAction(title="x", data={"uri": URI, "version": 1,
                                               "fix": {"title": "x", "edits": [{"start": "a", "end": None, "new_text": 3}]}})
    with pytest.raises(JsonRpcException):
        await plain.code_action_resolve_async(broken)
    for _ in range(50):
        if any("internal error" in m.message for m in plain.log_messages):
            break
        await asyncio.sleep(0.1)
    assert any(m.type == types.MessageType.Error and "internal error" in m.message for m in plain.log_messages)
    report = await pull(plain)
    assert any(d.code == "unsigned-executable-memory" for d in report.items)


def lsp_message(obj) -> bytes:
    body = json.dumps(obj).encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


def test_shutdown_then_exit_returns_0_and_exit_alone_returns_1():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "ent_ls", "serve"]
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}
    messages = [init, {"jsonrpc": "2.0", "method": "initialized", "params": {}},
                {"jsonrpc": "2.0", "id": 2, "method": "shutdown"}, {"jsonrpc": "2.0", "method": "exit"}]
    r = subprocess.run(cmd, input=b"".join(lsp_message(m) for m in messages), capture_output=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    assert b'"id": 2' in r.stdout or b'"id":2' in r.stdout
    r = subprocess.run(cmd, input=lsp_message(init) + lsp_message({"jsonrpc": "2.0", "method": "exit"}),
                       capture_output=True, env=env, timeout=60)
    assert r.returncode == 1


def test_tcp_transport():
    import socket
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "ent_ls", "serve", "--tcp", f"127.0.0.1:{port}"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = socket.create_connection(("127.0.0.1", port), timeout=5)
                break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None, proc.stderr.read()
                time.sleep(0.1)
        with conn:
            conn.sendall(lsp_message({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                                      "params": {"capabilities": {}}}))
            data = b""
            while b"serverInfo" not in data:
                chunk = conn.recv(65536)
                assert chunk, "connection closed before the initialize answer"
                data += chunk
            assert b'"name": "ent-ls"' in data or b'"name":"ent-ls"' in data
    finally:
        proc.kill()
        proc.wait(timeout=10)


def test_bad_tcp_address_is_a_usage_error():
    r = subprocess.run([sys.executable, "-m", "ent_ls", "serve", "--tcp", "nonsense"], capture_output=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert r.returncode == 2 and b"HOST:PORT" in r.stderr


@pytest_lsp.fixture(config=SERVER)
async def vscode(lsp_client: LanguageClient):
    accept_registrations(lsp_client)
    await lsp_client.initialize_session(types.InitializeParams(capabilities=client_capabilities("visual-studio-code")))
    yield
    await lsp_client.shutdown_session()


async def test_config_file_changes_are_picked_up(vscode: LanguageClient, tmp_path):
    config = tmp_path / ".ent-ls.toml"
    config.write_text('ignore = ["false-value"]\n', encoding="utf-8")
    doc = tmp_path / "App.entitlements"
    doc.write_text(RISKY, encoding="utf-8")
    uri = doc.as_uri()
    vscode.text_document_did_open(open_params(RISKY, uri))
    await vscode.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert {d.code for d in vscode.diagnostics[uri]} == {"unsigned-executable-memory"}
    config.write_text('ignore = ["unsigned-executable-memory"]\n', encoding="utf-8")
    vscode.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=config.as_uri(), type=types.FileChangeType.Changed)]))
    await vscode.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert {d.code for d in vscode.diagnostics[uri]} == {"false-value"}
    assert not any("could not watch" in m.message for m in vscode.log_messages)
    (registration,) = vscode.registrations
    assert registration.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
