"""The local cloud's REST API over HTTP on loopback (`icp local serve`, and the demo's
ServiceNow webhook), so curl, a ServiceNow-style signed request or schemathesis can reach it."""

from __future__ import annotations

import ipaddress
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from icp_local.api_gateway import call_api_with_headers
from icp_local.cloud import LocalCloud


class LocalApiServer:
    def __init__(self, cloud: LocalCloud, port: int = 0, host: str = "127.0.0.1"):
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"the local API serves loopback only, not {host}")
        handler = type("Handler", (_Handler,), {"cloud": cloud})
        self._host = host
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="local-api", daemon=True)

    @property
    def url(self) -> str:
        # The host as given (server_address types it str | bytes, for other socket families);
        # the port as bound (0 asks for any free one).
        return f"http://{self._host}:{self._server.server_port}"

    def start(self) -> LocalApiServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LocalApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Handler(BaseHTTPRequestHandler):
    cloud: LocalCloud
    protocol_version = "HTTP/1.1"

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items()}
        status, extra_headers, payload = call_api_with_headers(
            self.cloud, self.command, self.path, headers=headers, body=body, signed=False
        )
        data = b"" if payload is None or self.command == "HEAD" else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for name, value in extra_headers.items():
            if name.lower() not in ("content-type", "content-length"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_TRACE = _serve

    def __getattr__(self, name: str) -> Any:
        # Any other method (QUERY, PROPFIND, ...) reaches the API too, which answers 405.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # request lines would carry nothing a user needs here
