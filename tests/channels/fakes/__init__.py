"""Fakes of outside services (loopback servers) for tests and benches."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def serve(handler: type[BaseHTTPRequestHandler], port: int = 0) -> ThreadingHTTPServer:
    """A threaded HTTP server on 127.0.0.1 (`port` 0: any free one), already serving in a daemon thread."""
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    server.block_on_close = False
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server


def close(server: ThreadingHTTPServer | None) -> None:
    """Stop serving and free the port (None: nothing was started)."""
    if server is not None:
        server.shutdown()
        server.server_close()
