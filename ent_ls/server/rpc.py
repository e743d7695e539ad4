"""JSON-RPC edges pygls leaves open (issue 10): every request is answered.

* params that do not fit the method: -32602 naming the field (pygls would
  log a traceback and drop the message);
* a request after shutdown: -32600; a body that is not JSON: -32700; JSON
  that is not a JSON-RPC message: -32600;
* $/cancelRequest for a request that has not started: -32800 instead of
  running it. Over stdio the server reads ahead on a thread, so a request
  and its cancellation that arrive while the server is busy (analysing a
  big file) are seen together; a cancel for a request already answered is
  ignored quietly.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import sys
import threading
from collections import deque
from typing import Any, Deque, List, Optional

import cattrs
from lsprotocol import types
from pygls.io_ import StdoutWriter
from pygls.protocol import JsonRPCNotification, JsonRPCRequestMessage

log = logging.getLogger(__name__)

INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS, PARSE_ERROR, CANCELLED = -32600, -32601, -32602, -32700, -32800


class BadMessage:
    """A request or notification whose params do not fit its method."""

    def __init__(self, data: dict, problem: str) -> None:
        self.id = data.get("id")
        self.method = data.get("method")
        self.is_request = "id" in data
        self.problem = problem


def _camel(path: str) -> str:
    return re.sub(r"_([a-z])", lambda m: m.group(1).upper(), path)


def _leaf(exc: BaseException, type_: Any) -> str:
    if isinstance(exc, KeyError):
        return "required field missing"
    if isinstance(exc, ValueError) and not isinstance(exc, cattrs.BaseValidationError):
        return str(exc)  # an lsprotocol validator: "Position.line should be in range ..."
    name = getattr(type_, "__name__", None)
    return f"expected {name}" if name else "invalid value"


def params_problem(exc: BaseException) -> str:
    """What is wrong, field by field: "params.position.line: expected int"."""
    if isinstance(exc, cattrs.BaseValidationError):
        parts = []
        for line in cattrs.transform_error(exc, path="", format_exception=_leaf):
            what, _, where = line.rpartition(" @ ")
            parts.append(f"{_camel(where.lstrip('.')) or 'params'}: {what}")
        return "; ".join(parts)
    return str(exc) or type(exc).__name__


def structure_request(protocol, data: dict):
    """pygls's structure_message for a request or notification, except that
    params that do not fit make a BadMessage, not a traceback in the log."""
    kind = JsonRPCRequestMessage if "id" in data else JsonRPCNotification
    try:
        return protocol._converter.structure(data, protocol.get_message_type(data["method"]) or kind)
    except Exception as exc:  # cattrs raises many kinds
        return BadMessage(data, params_problem(exc))


def error(protocol, msg_id, code: int, message: str) -> None:
    protocol._send_response(msg_id, error=types.ResponseError(code=code, message=message))


def answer_early(protocol, message: Any) -> bool:
    """Answer what pygls would drop; True if the message is dealt with."""
    if isinstance(message, BadMessage):
        text = f"invalid params for {message.method}: {message.problem}"
        if message.is_request:
            error(protocol, message.id, INVALID_PARAMS, text)
        else:
            protocol._server.log(types.MessageType.Warning, f"ent-ls: ignored a notification with {text}")
        return True
    if not hasattr(message, "jsonrpc"):  # JSON, but not a JSON-RPC message (an array, a string, no "jsonrpc")
        msg_id = message.get("id") if isinstance(message, dict) and isinstance(message.get("id"), (int, str)) \
            else None
        error(protocol, msg_id, INVALID_REQUEST, "not a JSON-RPC 2.0 request: expected an object with "
              '"jsonrpc": "2.0" and a "method"')
        return True
    method = getattr(message, "method", None)
    if protocol._shutdown and method is not None and hasattr(message, "id") and method != types.EXIT:
        error(protocol, message.id, INVALID_REQUEST, f"the server has been shut down: {method} is not served")
        return True
    return False


def cancel(protocol, msg_id) -> None:
    """A running async request is cancelled through pygls (it answers
    -32800); one that already finished needs nothing, and says nothing."""
    future = protocol._request_futures.pop(msg_id, None)
    if future is not None and future.cancel():
        log.info("cancelled request %s", msg_id)


# --- stdio with read-ahead --------------------------------------------------------


def _chunks(stdin):
    """Bytes as they arrive. From the file descriptor where there is one: a
    thread blocked in os.read holds no lock of sys.stdin's buffer, which
    would abort the interpreter at exit."""
    try:
        fd = stdin.fileno()
    except (AttributeError, OSError, ValueError):
        fd = None
    while True:
        chunk = os.read(fd, 1 << 16) if fd is not None else stdin.read1(1 << 16)
        if not chunk:
            return
        yield chunk


def _read_frames(stdin, deliver, stop: threading.Event) -> None:
    """Split the input into Content-Length frames on a thread, handing each body on."""
    buf = b""
    try:
        chunks = _chunks(stdin)
        while not stop.is_set():
            head = buf.find(b"\r\n\r\n")
            if head < 0:
                buf += next(chunks)
                continue
            length = None
            for line in buf[:head].split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            if length is None:  # no length: skip the header block
                buf = buf[head + 4:]
                continue
            need = head + 4 + length
            if len(buf) < need:  # a big didOpen: gather, then join once
                parts, have = [buf], len(buf)
                while have < need:
                    parts.append(next(chunks))
                    have += len(parts[-1])
                buf = b"".join(parts)
            deliver(buf[head + 4:head + 4 + length])
            buf = buf[head + 4 + length:]
    except (OSError, ValueError, StopIteration):
        return
    finally:
        deliver(None)


class Inbox:
    """Bodies read ahead, handled in order once the loop is free."""

    def __init__(self, server, loop: asyncio.AbstractEventLoop, finished: asyncio.Future) -> None:
        self.server = server
        self.loop = loop
        self.finished = finished
        self.bodies: Deque[Optional[bytes]] = deque()
        self.scheduled = False

    def deliver(self, body: Optional[bytes]) -> None:  # on the reading thread
        self.loop.call_soon_threadsafe(self._arrived, body)

    def _arrived(self, body: Optional[bytes]) -> None:
        self.bodies.append(body)
        if not self.scheduled:
            self.scheduled = True
            self.loop.call_soon(self.drain)

    def drain(self) -> None:
        self.scheduled = False
        protocol = self.server.protocol
        batch: List[Any] = []
        ended = False
        while self.bodies:
            body = self.bodies.popleft()
            if body is None:
                ended = True
                break
            try:
                batch.append(json.loads(body, object_hook=protocol.structure_message))
            except ValueError as exc:  # not JSON (or not UTF-8)
                batch.append(exc)
        cancels = {m.params.id: m for m in batch if isinstance(m, types.CancelNotification)}
        answered = set()
        for m in batch:
            if isinstance(m, ValueError):
                error(protocol, None, PARSE_ERROR, f"the message is not JSON: {m}")
                continue
            if isinstance(m, JsonRPCRequestMessage) or (hasattr(m, "id") and hasattr(m, "params")
                                                        and not isinstance(m, BadMessage)):
                if m.id in cancels and m.id not in answered:
                    answered.add(m.id)
                    error(protocol, m.id, CANCELLED, f"request {m.id} was cancelled before it started")
                    continue
            if isinstance(m, types.CancelNotification) and m.params.id in answered:
                continue  # its request was just answered with -32800
            try:
                protocol.handle_message(m)
            except Exception as exc:  # as pygls's loop: keep serving
                log.exception("unable to handle a message")
                self.server._report_server_error(exc, Exception)
            if self.server._stop_event is not None and self.server._stop_event.is_set():
                ended = True
                break
        if ended and not self.finished.done():
            self.finished.set_result(None)


async def _serve(server, stdin) -> None:
    loop = asyncio.get_running_loop()
    finished = loop.create_future()
    inbox = Inbox(server, loop, finished)
    reader = threading.Thread(target=_read_frames, args=(stdin, inbox.deliver, server._stop_event),
                              name="ent-ls-stdin", daemon=True)
    reader.start()
    await finished


def start_io(server, stdin=None, stdout=None) -> None:
    """pygls's start_io, with messages read ahead on a thread."""
    server._stop_event = threading.Event()
    server.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
    try:
        asyncio.run(_serve(server, stdin or sys.stdin.buffer))
    except BrokenPipeError:
        log.error("the connection to the client is lost; shutting down")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.shutdown()
