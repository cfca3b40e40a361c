"""What the emulators' HTTP servers share (icp_local.emulators.partner_server, .servicenow): a
handler that answers JSON, a server that runs on a daemon thread of its own, and the start/stop
lifecycle of an emulator that serves one."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class JsonHandler(BaseHTTPRequestHandler):
    """Every method goes to ``_dispatch(method)``; ``_reply`` answers JSON (``None``: no body)."""

    protocol_version = "HTTP/1.1"
    content_type = "application/json"
    log_name = "emulator"

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def log_message(self, format: str, *args: Any) -> None:
        # Request lines only: bodies and the Authorization header are never logged.
        logging.getLogger(type(self).__module__).debug(f"{self.log_name}: " + format, *args)

    def _dispatch(self, method: str) -> None:
        raise NotImplementedError

    def _reply(self, status: int, payload: Any = None, headers: Mapping[str, str] | None = None) -> None:
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def serve_in_background(server: ThreadingHTTPServer, name: str) -> threading.Thread:
    """Starts answering on a daemon thread (polling every 10 ms, so stopping waits at most that)."""
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, name=name, daemon=True
    )
    thread.start()
    return thread


def shut_down(server: ThreadingHTTPServer | None, thread: threading.Thread | None) -> None:
    if server is not None:
        server.shutdown()
        server.server_close()
    if thread is not None:
        thread.join(timeout=5)


class BackgroundServer:
    """An emulator that answers HTTP on a thread of its own while started: ``with`` starts and
    stops it."""

    _http: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        self._stop_serving()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self, server: ThreadingHTTPServer, name: str) -> None:
        self._http, self._thread = server, serve_in_background(server, name)

    def _stop_serving(self) -> None:
        shut_down(self._http, self._thread)
        self._http, self._thread = None, None

    def _bound(self) -> tuple[str, int]:
        """The host and port it answers on; a RuntimeError while it is stopped."""
        if self._http is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return str(self._http.server_address[0]), int(self._http.server_address[1])
