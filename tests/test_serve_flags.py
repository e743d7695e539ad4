"""`ent-ls serve` accepts what editors' clients pass: --stdio, --clientProcessId; refuses --node-ipc."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from ent_ls.server.watchdog import process_alive, watch_client

SERVE = [sys.executable, "-m", "ent_ls", "serve"]


def frame(message: dict) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


def read_message(stream) -> dict:
    length = 0
    while True:
        line = stream.readline()
        assert line, "the server closed its output"
        if line in (b"\r\n", b"\n"):
            break
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    return json.loads(stream.read(length))


def wait_exit(proc: subprocess.Popen, seconds: float = 20) -> int:
    try:
        return proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail(f"{proc.args} still running after {seconds} s")


def initialize(proc: subprocess.Popen, pid=None) -> dict:
    proc.stdin.write(frame({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                            "params": {"processId": pid, "rootUri": None, "capabilities": {}}}))
    proc.stdin.flush()
    while True:
        msg = read_message(proc.stdout)
        if msg.get("id") == 1:
            return msg


def test_stdio_flag_serves_and_exits_cleanly():
    proc = subprocess.Popen([*SERVE, "--stdio"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        reply = initialize(proc)
        assert reply["result"]["serverInfo"]["name"] == "ent-ls"
        proc.stdin.write(frame({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}))
        proc.stdin.write(frame({"jsonrpc": "2.0", "method": "exit"}))
        proc.stdin.flush()
        assert wait_exit(proc) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdin.close()
        proc.stdout.close()
        proc.stderr.close()


def test_node_ipc_is_refused_with_a_message():
    proc = subprocess.run([*SERVE, "--node-ipc"], capture_output=True, text=True, timeout=30,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 2
    assert "--node-ipc" in proc.stderr and "--stdio" in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_client_process_id_must_be_a_number():
    proc = subprocess.run([*SERVE, "--clientProcessId", "abc"], capture_output=True, text=True, timeout=30,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 2 and "clientProcessId" in proc.stderr and "Traceback" not in proc.stderr


def test_server_exits_when_the_client_process_dies():
    client = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    # The equals form is what vscode-languageclient passes.
    proc = subprocess.Popen([*SERVE, "--stdio", f"--clientProcessId={client.pid}"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        initialize(proc, client.pid)
        time.sleep(2.5)  # more than two polls: a live client keeps it running
        assert proc.poll() is None, proc.stderr.read().decode()
        client.kill()
        client.wait()  # reaped, as the editor's own parent would
        # stdin stays open: only the watchdog can end it
        assert wait_exit(proc) == 1
    finally:
        for p in (proc, client):
            if p.poll() is None:
                p.kill()
                p.wait()
        proc.stdin.close()
        proc.stdout.close()
        proc.stderr.close()


def test_process_alive_and_watch_client_in_process():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    gone = []
    thread = watch_client(child.pid, on_gone=lambda: gone.append(True), interval=0.05)
    try:
        assert process_alive(child.pid)
        time.sleep(0.3)
        assert not gone
        child.kill()
        child.wait()
        thread.join(timeout=10)
        assert gone == [True] and not process_alive(child.pid)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert not process_alive(0) and not process_alive(-5)
