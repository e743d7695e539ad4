"""`ent-ls serve`: the language server (pygls 2, lsprotocol)."""

from __future__ import annotations

from typing import Optional, Tuple


def create_server():
    from ent_ls.server import handlers, structure
    from ent_ls.server.app import EntLsServer

    server = EntLsServer()
    handlers.register(server)
    structure.register(server)
    return server


def serve(tcp: Optional[Tuple[str, int]] = None, client_pid: Optional[int] = None) -> int:
    """Run until the client says exit; the exit status follows the spec:
    0 after a shutdown request, 1 without one (pygls itself always gives 0).
    With `client_pid`, also exit (status 1) once that process has gone."""
    server = create_server()
    if client_pid is not None:
        from ent_ls.server.watchdog import watch_client

        watch_client(client_pid)
    if tcp is not None:
        server.start_tcp(*tcp)
    else:
        server.start_io()
    return 0 if server.shutdown_requested else 1
