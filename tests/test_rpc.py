"""Every request gets an answer (issue 10), checked with a raw JSON-RPC
client over the server's stdio: Content-Length frames written by hand, so
nothing in between repairs or drops a message."""

import json
import os
import queue
import subprocess
import sys
import threading
import time

import pytest

from conftest import ROOT, plist

INIT = {"processId": None, "rootUri": None, "capabilities": {}}
URI = "file:///tmp/rpc/App.entitlements"
HOVER = "textDocument/hover"


class Raw:
    """A client that writes frames and reads whatever comes back."""

    def __init__(self):
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen([sys.executable, "-m", "ent_ls", "serve"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=str(ROOT))
        self.inbox: "queue.Queue[dict]" = queue.Queue()
        self.err: list = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=lambda: self.err.extend(self.proc.stderr), daemon=True).start()

    def _read(self):
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    return
                if not line.strip():
                    break
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            self.inbox.put(json.loads(out.read(length)))

    def frame(self, body: bytes) -> bytes:
        return b"Content-Length: %d\r\n\r\n" % len(body) + body

    def send(self, *messages, raw: bytes = b""):
        data = raw + b"".join(self.frame(json.dumps(m).encode()) for m in messages)
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def request(self, id, method, params="absent"):
        msg = {"jsonrpc": "2.0", "id": id, "method": method}
        if params != "absent":
            msg["params"] = params
        return msg

    def notify(self, method, params):
        return {"jsonrpc": "2.0", "method": method, "params": params}

    def answer(self, id, timeout=60):
        """The response to id; server requests are answered, notifications kept."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                msg = self.inbox.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if "method" in msg and "id" in msg:  # the server asks something: answer plainly
                self.send({"jsonrpc": "2.0", "id": msg["id"], "result": None})
            elif msg.get("id") == id and "method" not in msg:
                return msg
        raise AssertionError(f"no answer to {id!r}; stderr: {b''.join(self.err)[-2000:]!r}")

    def start(self):
        self.send(self.request(0, "initialize", INIT))
        assert "result" in self.answer(0)
        self.send(self.notify("initialized", {}))

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)


@pytest.fixture
def raw():
    client = Raw()
    client.start()
    yield client
    client.close()


def stderr_text(client) -> str:
    time.sleep(0.2)
    return b"".join(client.err).decode("utf-8", "replace")


BAD = [
    ({"textDocument": {"uri": URI}, "position": {"line": -1, "character": 0}}, "position"),
    ({"textDocument": {"uri": URI}, "position": None}, "position"),
    ({"textDocument": {"uri": URI}, "position": {}}, "position.line"),
    ({"textDocument": {"uri": URI}, "position": [4, 10]}, "position"),
    (None, "params"),
    ("x", "params"),
    ({"textDocument": 5}, "textDocument"),
]


def test_malformed_params_get_invalid_params_naming_the_field(raw):
    raw.send(raw.notify("textDocument/didOpen", {"textDocument": {
        "uri": URI, "languageId": "entitlements", "version": 1, "text": plist("")}}))
    methods = [HOVER, "textDocument/completion", "textDocument/definition", "textDocument/signatureHelp"]
    n = 0
    for method in methods:
        for params, field in BAD:
            n += 1
            raw.send(raw.request(n, method, params))
            err = raw.answer(n)["error"]
            assert err["code"] == -32602, (method, params, err)
            assert field in err["message"] and method in err["message"], err
    # methods whose params have no position: still named
    for method, params, field in [("textDocument/documentSymbol", {"textDocument": 5}, "textDocument"),
                                  ("textDocument/codeAction", {"textDocument": {"uri": URI}}, "range"),
                                  ("textDocument/formatting", "x", "params"),
                                  ("completionItem/resolve", {"kind": 1}, "label")]:
        n += 1
        raw.send(raw.request(n, method, params))
        answer = raw.answer(n)
        assert "error" in answer, (method, answer)
        err = answer["error"]
        assert err["code"] == -32602 and field in err["message"], (method, err)
    # and the server still serves
    raw.send(raw.request(99, HOVER, {"textDocument": {"uri": URI}, "position": {"line": 0, "character": 0}}))
    assert "result" in raw.answer(99)
    err = stderr_text(raw)
    assert "Traceback" not in err and "internal error" not in err.lower()


def test_unknown_method_not_json_and_not_jsonrpc(raw):
    raw.send(raw.request(1, "textDocument/noSuchThing", {}))
    assert raw.answer(1)["error"]["code"] == -32601
    raw.send(raw=raw.frame(b"{not json"))
    assert raw.answer(None)["error"]["code"] == -32700
    raw.send(raw=raw.frame(b"[1, 2]"))
    assert raw.answer(None)["error"]["code"] == -32600
    raw.send({"id": 7, "method": HOVER})  # no "jsonrpc"
    assert raw.answer(7)["error"]["code"] == -32600
    raw.send(raw.request(8, "shutdown"))
    assert raw.answer(8)["result"] is None
    assert "internal error" not in stderr_text(raw).lower()


def test_bad_notification_is_logged_not_dropped_silently(raw):
    raw.send(raw.notify("textDocument/didOpen", {"textDocument": 5}))
    raw.send(raw.request(1, "shutdown"))
    logs = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        msg = raw.inbox.get(timeout=30)
        if msg.get("method") == "window/logMessage":
            logs.append(msg["params"])
        if msg.get("id") == 1:
            break
    assert any("textDocument/didOpen" in m["message"] and "textDocument" in m["message"] and m["type"] == 2
               for m in logs), logs


def test_requests_after_shutdown_get_invalid_request_and_exit_ends_the_server(raw):
    raw.send(raw.request(1, "shutdown"))
    assert raw.answer(1)["result"] is None
    raw.send(raw.request(2, HOVER, {"textDocument": {"uri": URI}, "position": {"line": 0, "character": 0}}))
    err = raw.answer(2)["error"]
    assert err["code"] == -32600 and "shut down" in err["message"]
    raw.send(raw.request(3, "shutdown"))
    assert raw.answer(3)["error"]["code"] == -32600
    raw.send(raw.notify("exit", None))
    assert raw.proc.wait(30) == 0


def test_cancel_of_a_queued_request_answers_request_cancelled(raw):
    """While the server analyses a big file, a hover and its cancellation
    arrive; the hover is answered -32800 without running, and a cancel for
    a request already answered says nothing on stderr."""
    body = "".join(f"\t<key>com.example.custom-{i:05d}</key>\n\t<string>v{i}</string>\n" for i in range(20_000))
    raw.send(raw.notify("textDocument/didOpen", {"textDocument": {
        "uri": URI, "languageId": "entitlements", "version": 1, "text": plist(body)}}))
    time.sleep(0.3)  # the server is now busy with the first analysis
    pos = {"textDocument": {"uri": URI}, "position": {"line": 5, "character": 8}}
    raw.send(raw.request(1, HOVER, pos), raw.notify("$/cancelRequest", {"id": 1}), raw.request(2, HOVER, pos))
    assert raw.answer(1)["error"]["code"] == -32800
    assert "result" in raw.answer(2)
    raw.send(raw.notify("$/cancelRequest", {"id": 2}), raw.request(3, "shutdown"))
    raw.answer(3)
    assert "Cancel notification for unknown message id" not in stderr_text(raw)


@pytest.mark.parametrize("resolve", [True, False])
def test_empty_line_completion_is_small_and_resolves_documentation(resolve):
    """Under 80 KB for the 264 keys, whether or not the client lists
    resolveSupport; the documentation comes from completionItem/resolve."""
    item_caps = {"snippetSupport": True, "documentationFormat": ["markdown"]}
    if resolve:
        item_caps["resolveSupport"] = {"properties": ["documentation", "detail"]}
    client = Raw()
    try:
        client.send(client.request(0, "initialize", {**INIT, "capabilities": {
            "textDocument": {"completion": {"completionItem": item_caps}}}}))
        client.answer(0)
        text = plist("\t<key>com.apple.security.app-sandbox</key>\n\t<true/>\n\t\n")
        client.send(client.notify("textDocument/didOpen", {"textDocument": {
            "uri": "file:///p/watchos/App.entitlements", "languageId": "entitlements", "version": 1, "text": text}}))
        client.send(client.request(1, "textDocument/completion", {
            "textDocument": {"uri": "file:///p/watchos/App.entitlements"}, "position": {"line": 6, "character": 1}}))
        answer = client.answer(1)
        size = len(json.dumps(answer, separators=(",", ":")))
        items = answer["result"]["items"]
        assert len(items) > 200 and size < 80_000, size
        assert all("documentation" not in i for i in items)
        assert all(len(i.get("detail", "")) < 120 for i in items)
        # the path says watchOS: keys that exist there come before Mac-only ones
        labels = [i["label"] for i in items]
        assert labels.index("com.apple.developer.usernotifications.time-sensitive") < labels.index("com.apple.security.network.client")
        first = items[0]
        client.send(client.request(2, "completionItem/resolve", first))
        doc = client.answer(2)["result"]["documentation"]
        assert first["label"] in doc["value"] or len(doc["value"]) > 50
    finally:
        client.close()


def test_big_file_mode_is_said_once_and_keeps_the_mission():
    """Past 2 MB: one log line, no document links or related locations, but
    diagnostics, hover and completion as usual."""
    body = "".join(f"\t<key>com.example.custom-setting-{i:05d}</key>\n\t<string>value-{i:060d}</string>\n"
                   for i in range(22_000))
    body += "\t<key>com.apple.security.cs.allow-jitt</key>\n\t<true/>\n\t<key>com.example.custom-setting-00001</key>\n" \
            "\t<true/>\n\t\n"
    text = plist(body)
    assert len(text) > 2_000_000
    client = Raw()
    try:
        client.start()
        client.send(client.notify("textDocument/didOpen", {"textDocument": {
            "uri": URI, "languageId": "entitlements", "version": 1, "text": text}}))
        last = text.count("\n") - 3  # the empty line
        for v in (2, 3):  # two keystrokes
            client.send(client.notify("textDocument/didChange", {"textDocument": {"uri": URI, "version": v},
                        "contentChanges": [{"range": {"start": {"line": last, "character": 1},
                                                      "end": {"line": last, "character": 1 if v == 2 else 2}},
                                            "text": " " if v == 2 else ""}]}))
        client.send(client.request(1, HOVER, {"textDocument": {"uri": URI},
                                              "position": {"line": last - 4, "character": 10}}))
        client.send(client.request(2, "textDocument/completion", {"textDocument": {"uri": URI},
                                                                   "position": {"line": last, "character": 1}}))
        client.send(client.request(3, "textDocument/documentLink", {"textDocument": {"uri": URI}}))
        seen = []
        answers = {}
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            msg = client.inbox.get(timeout=300)
            if "id" in msg and "method" not in msg:
                answers[msg["id"]] = msg
            else:
                seen.append(msg)
            if len(answers) == 3 and any(m.get("method") == "textDocument/publishDiagnostics"
                                         and m["params"]["version"] == 3 for m in seen):
                break
        logs = [m["params"]["message"] for m in seen if m.get("method") == "window/logMessage"]
        assert sum("over 2 MB" in m for m in logs) == 1, logs
        published = [m["params"] for m in seen if m.get("method") == "textDocument/publishDiagnostics"]
        final = published[-1]
        assert final["version"] == 3
        rules = [d["code"] for d in final["diagnostics"]]
        assert rules.count("unknown-key") > 22_000 and "duplicate-key" in rules
        assert all("relatedInformation" not in d and "codeDescription" not in d for d in final["diagnostics"])
        assert any("did you mean com.apple.security.cs.allow-jit" in d["message"] for d in final["diagnostics"])
        contents = answers[1]["result"]["contents"]
        assert "allow-jit" in (contents if isinstance(contents, str) else contents["value"])
        assert len(answers[2]["result"]["items"]) > 200
        assert answers[3]["result"] == []
    finally:
        client.close()
