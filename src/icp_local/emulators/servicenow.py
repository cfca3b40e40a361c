"""A ServiceNow instance on loopback, enough of the Table API for ``icp.servicenow``.

``FakeServiceNow`` is a real HTTP server (``http.server.ThreadingHTTPServer``) bound to
127.0.0.1 on an ephemeral port::

    PATCH /api/now/table/{table}/{sys_id}   update a ticket (created on demand); 200 {"result": ticket}
    GET   /api/now/table/{table}/{sys_id}   200 {"result": ticket}; 404 when there is none
    POST  /api/now/table/{table}            create a ticket (an incident, say); 201 {"result": ticket}

Every request must carry the basic credentials of ``.credentials`` (or ``Bearer`` with the
OAuth token, when one is given); 401 otherwise. Errors are ServiceNow's shape,
``{"error": {"message", "detail"}, "status": "failure"}``. ``fail_next`` answers the next
requests with a 429 or 5xx, with ``Retry-After`` in seconds (the client waits on
``icp.clock``, which the local cloud simulates).

Fidelity gaps: no ACLs, business rules, state model or data policies (any field and any
state value is accepted); ``work_notes`` is kept as a journal here (``work_notes(...)``) and
reads back empty on the ticket, as the real journal field does without display values; no
query parameters (``sysparm_*``) are honoured; ``sys_id``s are not checked for shape.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hmac
import ipaddress
import json
import logging
import re
import secrets
import threading
import uuid
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from icp_local.emulators.http_base import BackgroundServer, JsonHandler

logger = logging.getLogger(__name__)

_MAX_BODY = 1 << 20
_RECORD = re.compile(r"^/api/now/table/([A-Za-z0-9_]+)/([^/]+)$")
_TABLE = re.compile(r"^/api/now/table/([A-Za-z0-9_]+)$")
_PREFIXES = {"incident": "INC", "sc_req_item": "RITM", "change_request": "CHG"}


class FakeServiceNow(BackgroundServer):
    def __init__(
        self,
        *,
        username: str = "icp-integration",
        password: str | None = None,
        oauth_token: str | None = None,
        host: str = "127.0.0.1",
    ):
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"FakeServiceNow binds a loopback IP address only, not {host!r}")
        self._host = host
        self.username = username
        self.password = password or secrets.token_urlsafe(18)
        self.oauth_token = oauth_token
        self._lock = threading.Lock()
        self._tickets: dict[tuple[str, str], dict[str, Any]] = {}
        self._notes: dict[tuple[str, str], list[str]] = {}
        self._updates: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._faults: list[tuple[int, float | None]] = []
        self._requests = 0
        self._numbers = 10000
        self.calls: list[dict[str, Any]] = []  # method, path, headers that matter, body; never credentials

    def __repr__(self) -> str:
        return f"FakeServiceNow({self.url if self._http else 'stopped'})"

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> FakeServiceNow:
        if self._http is None:
            handler = type("ServiceNowHandler", (_Handler,), {"app": self})
            self._serve(ThreadingHTTPServer((self._host, 0), handler), "fake-servicenow")
        return self

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self._bound()[1]}"

    @property
    def credentials(self) -> dict[str, str]:
        """What to put in the ServiceNow secret (``SERVICENOW_SECRET_ARN``)."""
        return {"instanceUrl": self.url, "username": self.username, "password": self.password}

    # -- what a test scripts and reads -------------------------------------------------------
    def fail_next(self, status: int = 500, times: int = 1, retry_after: float | None = None) -> None:
        """Answer the next ``times`` requests with ``status`` (and ``Retry-After`` seconds)."""
        with self._lock:
            self._faults += [(status, retry_after)] * times

    def work_notes(self, table: str, sys_id: str) -> list[str]:
        with self._lock:
            return list(self._notes.get((table, sys_id), []))

    def ticket(self, table: str, sys_id: str) -> dict[str, Any]:
        """The ticket as GET returns it; KeyError when there is none."""
        with self._lock:
            return copy.deepcopy(self._tickets[(table, sys_id)])

    def tickets(self, table: str) -> list[dict[str, Any]]:
        """Every ticket of ``table`` (incidents the control plane opened, say), oldest first."""
        with self._lock:
            return [copy.deepcopy(t) for (kind, _), t in self._tickets.items() if kind == table]

    def updates(self, table: str, sys_id: str) -> list[dict[str, Any]]:
        """Every PATCH body the ticket received, in order."""
        with self._lock:
            return copy.deepcopy(self._updates.get((table, sys_id), []))

    @property
    def requests(self) -> int:
        """How many requests arrived (refused ones too)."""
        with self._lock:
            return self._requests

    # -- what the handler calls --------------------------------------------------------------
    def _arrive(self, call: dict[str, Any]) -> tuple[int, float | None] | None:
        with self._lock:
            self._requests += 1
            self.calls.append(call)
            return self._faults.pop(0) if self._faults else None

    def _authorized(self, header: str | None) -> bool:
        scheme, _, value = (header or "").partition(" ")
        if scheme == "Bearer" and self.oauth_token:
            return hmac.compare_digest(value.encode(), self.oauth_token.encode())
        if scheme != "Basic":
            return False
        try:
            user, _, password = base64.b64decode(value, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return hmac.compare_digest(user.encode(), self.username.encode()) and hmac.compare_digest(
            password.encode(), self.password.encode()
        )

    def _new_ticket(self, table: str, sys_id: str) -> dict[str, Any]:
        self._numbers += 1
        now = _timestamp()
        return {
            "sys_id": sys_id,
            "number": f"{_PREFIXES.get(table, 'TKT')}{self._numbers:07d}",
            "state": "1",
            "work_notes": "",
            "sys_created_on": now,
            "sys_updated_on": now,
            "sys_mod_count": "0",
        }

    def _apply(self, ticket: dict[str, Any], fields: dict[str, Any], notes: list[str]) -> None:
        for name, value in fields.items():
            if name == "work_notes":
                if value:
                    notes.append(str(value))
            elif name != "sys_id":
                ticket[name] = "" if value is None else str(value)
        ticket["sys_updated_on"] = _timestamp()
        ticket["sys_mod_count"] = str(int(ticket["sys_mod_count"]) + 1)

    def _patch(self, table: str, sys_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            key = (table, sys_id)
            ticket = self._tickets.setdefault(key, self._new_ticket(table, sys_id))
            self._apply(ticket, fields, self._notes.setdefault(key, []))
            self._updates.setdefault(key, []).append(copy.deepcopy(fields))
            return copy.deepcopy(ticket)

    def _get(self, table: str, sys_id: str) -> dict[str, Any] | None:
        with self._lock:
            ticket = self._tickets.get((table, sys_id))
            return copy.deepcopy(ticket) if ticket else None

    def _create(self, table: str, fields: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            sys_id = uuid.uuid4().hex
            key = (table, sys_id)
            ticket = self._tickets[key] = self._new_ticket(table, sys_id)
            ticket["sys_mod_count"] = "-1"  # _apply counts the creation as modification 0
            self._apply(ticket, fields, self._notes.setdefault(key, []))
            return copy.deepcopy(ticket)


def _timestamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _error(message: str, detail: str = "") -> dict[str, Any]:
    return {"error": {"message": message, "detail": detail}, "status": "failure"}


class _Handler(JsonHandler):
    app: FakeServiceNow
    server_version = "fake-servicenow"
    content_type = "application/json;charset=UTF-8"
    log_name = "fake servicenow"

    def _dispatch(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_BODY:
            self.close_connection = True
            self._reply(413, _error("Request entity too large"))
            return
        raw = self.rfile.read(length) if length else b""
        path = urlsplit(self.path).path
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = None
        call = {
            "method": method,
            "path": path,
            "accept": self.headers.get("Accept"),
            "contentType": self.headers.get("Content-Type"),
            "body": body,
        }
        fault = self.app._arrive(call)
        if fault is not None:
            status, retry_after = fault
            headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else None
            self._reply(status, _error("Injected failure", f"HTTP {status}"), headers)
            return
        if not self.app._authorized(self.headers.get("Authorization")):
            self._reply(401, _error("User Not Authenticated", "Required to provide Auth information"))
            return
        if body is None or not isinstance(body, dict):
            self._reply(400, _error("Exception while reading request", "The payload is not valid JSON."))
            return
        try:
            self._route(method, path, body)
        except Exception:
            logger.exception("fake servicenow failed on %s %s", method, path)
            self._reply(500, _error("Internal error"))

    def _route(self, method: str, path: str, body: dict[str, Any]) -> None:
        if match := _RECORD.match(path):
            table, sys_id = match.group(1), unquote(match.group(2))
            if method == "PATCH":
                self._reply(200, {"result": self.app._patch(table, sys_id, body)})
                return
            if method == "GET":
                ticket = self.app._get(table, sys_id)
                if ticket is None:
                    self._reply(
                        404,
                        _error(
                            "No Record found", "Record doesn't exist or ACL restricts the record retrieval"
                        ),
                    )
                else:
                    self._reply(200, {"result": ticket})
                return
        elif (match := _TABLE.match(path)) and method == "POST":
            self._reply(201, {"result": self.app._create(match.group(1), body)})
            return
        if _RECORD.match(path) or _TABLE.match(path):
            self._reply(405, _error("Method not supported", f"{method} {path}"))
        else:
            self._reply(400, _error("Requested URI does not represent any resource", path))
