"""Exit when the editor that started the server dies (`serve --clientProcessId N`).

An editor that crashes or is killed may leave the server's stdin open (a shared pipe, a
wrapper process), so waiting for end of input is not enough: poll the client's process id.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import Callable

POLL_SECONDS = 1.0


def process_alive(pid: int) -> bool:
    """True while process `pid` exists (a zombie counts as gone only once reaped)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return _windows_process_alive(pid)
    try:
        os.kill(pid, 0)  # signal 0: existence check only
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    except OSError:
        return False
    return True


def _windows_process_alive(pid: int) -> bool:
    # os.kill on Windows terminates the process, so ask the kernel instead.
    import ctypes

    synchronize, still_active = 0x00100000 | 0x1000, 259  # SYNCHRONIZE | QUERY_LIMITED_INFORMATION
    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(synchronize, False, pid)
    if not handle:
        return False
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return False
        return code.value == still_active
    finally:
        kernel32.CloseHandle(handle)


def watch_client(pid: int, on_gone: Callable[[], None] = lambda: os._exit(1),
                 interval: float = POLL_SECONDS) -> threading.Thread:
    """Calls `on_gone` (default: exit with status 1, as without a shutdown request) once `pid` is gone."""

    def run() -> None:
        while process_alive(pid):
            time.sleep(interval)
        on_gone()

    thread = threading.Thread(target=run, name=f"ent-ls-watch-{pid}", daemon=True)
    thread.start()
    return thread
