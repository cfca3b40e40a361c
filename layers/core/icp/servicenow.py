"""A small client of the ServiceNow Table API: the control plane's way back to its tickets.

Configuration
-------------
``SERVICENOW_SECRET_ARN`` (read when first needed) names a Secrets Manager secret whose
``SecretString`` is JSON, with the integration user's password::

    {"password": "..."}

or an OAuth bearer token::

    {"oauthToken": "..."}

The instance URL and the username come from ``SERVICENOW_INSTANCE_URL`` and
``SERVICENOW_USERNAME`` (the stack's ``ServiceNowInstanceUrl`` and ``ServiceNowUsername``
parameters); ``instanceUrl`` and ``username`` in the secret, as stacks before 0.6.0 wrote
them, take precedence. The stack creates the secret as ``{"password": ""}``: until the
operator sets it, every call raises ``ServiceNowNotSetUp`` (``field`` ``password``, rule
``not-set``), which names what to set and never the value (README, "The REST API, ServiceNow and partners").

The instance URL must be ``https`` (plain ``http`` only on loopback, for the local cloud
and the tests). The secret is cached for five minutes and fetched again once on a 401, in
case it was rotated.

Calls
-----
``update_ticket(table, sys_id, work_notes=..., state=...)`` sends::

    PATCH {instanceUrl}/api/now/table/{table}/{sys_id}
    Accept: application/json
    {"work_notes": "...", "state": "..."}      (``state`` only when given)

Up to five attempts, through the one retry loop (``icp.http.send``): 429, 5xx replies and
connection failures are retried with full-jitter exponential backoff, or after what a
``Retry-After`` says (seconds or an HTTP date, capped). Every wait sleeps on ``icp.clock``. When the attempts are spent, or at once on
any other 4xx, it raises ``ServiceNowUnavailable`` (``rule`` is ``http-<status>``, or
``unreachable``). Credentials never appear in a message, a log line or an exception, and
redirects are not followed (they would carry the credentials elsewhere).

Scrubbing
---------
Every work note goes through ``scrub`` before it is sent: anything that looks like an
activation or pairing key, a password, a token, a signing secret or a private key is
replaced by ``[redacted]``. Identifiers the notes are made of (UUIDs, sys_ids, ARNs,
connection ids, CIDRs) are kept.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import re
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from icp import config, http
from icp.errors import ServiceNowNotSetUp, ServiceNowUnavailable
from icp.http import is_loopback
from icp.retry import Backoff

logger = logging.getLogger(__name__)

SECRET_ENV = "SERVICENOW_SECRET_ARN"
INSTANCE_URL_ENV = "SERVICENOW_INSTANCE_URL"
USERNAME_ENV = "SERVICENOW_USERNAME"
BACKOFF = Backoff(attempts=5, base=1.0, cap=16.0)
RETRY_AFTER_CAP = 15.0
# Per request. With the caps above the worst case is 5 x 10 s + 4 x 15 s = 110 s, inside the
# function's 120 s timeout (template.yaml, NotifyServiceNowFunction).
TIMEOUT = 10.0
_SECRET_MAX_AGE = 300
_ERROR_TEXT_MAX = 200


# --- scrubbing ------------------------------------------------------------------------------
REDACTED = "[redacted]"
_SECRET_WORDS = (
    r"activation[ _-]?key|pairing[ _-]?key|pass(?:word|wd|phrase)|client[ _-]?secret|secret|"
    r"api[ _-]?key|access[ _-]?key|(?:oauth[ _-]?|bearer[ _-]?|refresh[ _-]?|access[ _-]?)?token|"
    r"authorization|signature"
)
_SCRUBS: tuple[tuple[re.Pattern[str], str], ...] = (
    # PEM private keys, whole.
    (
        re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)", re.S),
        REDACTED,
    ),
    # Credentials inside a URL: scheme://user:password@host
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^\s/@:]+:[^\s/@]+@"), rf"\1{REDACTED}@"),
    # Authorization header values (a credential has a digit, +, / or = in it; prose rarely does).
    (
        re.compile(r"\b(Bearer|Basic)\s+(?=[A-Za-z0-9._~+/=-]*[0-9+/=])[A-Za-z0-9._~+/=-]{8,}"),
        rf"\1 {REDACTED}",
    ),
    # "activationKey": "...", password=..., secret: ... (JSON, query strings, prose with a colon)
    (
        re.compile(rf"(?i)\b({_SECRET_WORDS})([\"']?\s*[:=]\s*[\"']?)(?:(?:bearer|basic)\s+)?[^\s\"',;&}}]+"),
        rf"\1\2{REDACTED}",
    ),
    # "activation key lk-1a2b..." in prose: the word, then a token with a digit in it.
    (
        re.compile(rf"(?i)\b({_SECRET_WORDS})(\s+(?:is\s+|of\s+)?)(?=[^\s\"',;]*\d)[^\s\"',;]{{8,}}"),
        rf"\1\2{REDACTED}",
    ),
    # Google Cloud pairing keys: <uuid>/<region>/<n>.
    (re.compile(r"\b[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}/[a-z]+-[a-z]+\d+/\d+\b"), REDACTED),
    # AWS access key ids, and JSON web tokens.
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), REDACTED),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), REDACTED),
)
_TOKEN = re.compile(r"[A-Za-z0-9+/=_-]{32,}")
_KEEP = re.compile(r"[0-9a-f]{32}|[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}")  # sys_ids, UUIDs


def _looks_random(token: str) -> bool:
    """A long run that reads like a generated secret: mixed-case letters with digits (base64,
    URL-safe tokens), or a long hex string; not a UUID or a sys_id, which notes name."""
    if _KEEP.fullmatch(token):
        return False
    digits, upper, lower = (any(test(c) for c in token) for test in (str.isdigit, str.isupper, str.islower))
    hex_run = re.fullmatch(r"[0-9a-fA-F]{40,}", token) is not None
    return digits and ((upper and lower) or hex_run)


def scrub(text: str, known: Iterable[str | None] = ()) -> str:
    """``text`` with anything that looks like a key or secret replaced by ``[redacted]``,
    and every value in ``known`` removed outright."""
    for secret in known:
        if secret:
            text = text.replace(secret, REDACTED)
    for pattern, replacement in _SCRUBS:
        text = pattern.sub(replacement, text)

    def high_entropy(match: re.Match[str]) -> str:
        # An ARN is made of identifiers, not secrets: keep the words that start with "arn:".
        word_start = max(text.rfind(c, 0, match.start()) for c in " \t\n") + 1
        if text.startswith("arn:", word_start) or not _looks_random(match.group(0)):
            return match.group(0)
        return REDACTED

    return _TOKEN.sub(high_entropy, text)


# --- configuration ------------------------------------------------------------------------
@dataclass(frozen=True)
class Credentials:
    """What the ServiceNow secret holds. The secret parts stay out of ``repr``."""

    instance_url: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    oauth_token: str | None = field(default=None, repr=False)

    def authorization(self) -> str:
        if self.oauth_token:
            return f"Bearer {self.oauth_token}"
        basic = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        return f"Basic {basic}"


def parse_credentials(
    raw: str | bytes | dict[str, Any], defaults: dict[str, str] | None = None
) -> Credentials:
    """The secret's value as Credentials, ``instanceUrl`` and ``username`` filled in from
    ``defaults`` (by default the environment) where the secret has none; ServiceNowNotSetUp if
    it holds no password or token yet, ServiceNowUnavailable (without the value) if it is not
    what the module docstring describes."""
    if defaults is None:
        settings = config.settings()
        defaults = {"instanceUrl": settings.servicenow_instance_url, "username": settings.servicenow_username}
    data: Any = raw.decode(errors="replace") if isinstance(raw, bytes) else raw
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            data = None  # the decoder's message may quote the secret: say nothing of it
    if not isinstance(data, dict):
        raise ServiceNowUnavailable(
            "the ServiceNow secret is not a JSON object", field=SECRET_ENV, rule="secret-shape"
        )
    url = str(data.get("instanceUrl") or defaults.get("instanceUrl") or "").rstrip("/")
    token = data.get("oauthToken") or None
    username, password = (
        data.get("username") or defaults.get("username") or None,
        data.get("password") or None,
    )
    if url and not (token or password):
        raise ServiceNowNotSetUp(
            'the ServiceNow secret has no password yet: set "password" (or "oauthToken") in the '
            f"secret {SECRET_ENV} names (the stack's ServiceNowCredentials)",
            field="password",
            rule="not-set",
        )
    if not url or not (token or (username and password)):
        raise ServiceNowUnavailable(
            "ServiceNow needs an instance URL and either a username and password or an oauthToken "
            f"(the URL and username from {INSTANCE_URL_ENV} and {USERNAME_ENV}, or the secret)",
            field=SECRET_ENV,
            rule="secret-shape",
        )
    parts = urlsplit(url)
    if not (parts.scheme == "https" or (parts.scheme == "http" and is_loopback(parts.hostname))):
        raise ServiceNowUnavailable(
            "the ServiceNow instanceUrl must be https (http only on loopback)",
            field="instanceUrl",
            rule="https",
        )
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ServiceNowUnavailable(
            "the ServiceNow instanceUrl must be a plain base URL", field="instanceUrl", rule="base-url"
        )
    return Credentials(
        url,
        str(username) if username else None,
        str(password) if password else None,
        str(token) if token else None,
    )


def configured() -> bool:
    """Whether this deployment names a ServiceNow secret at all."""
    return bool(config.settings().servicenow_secret_arn)


def client() -> ServiceNowClient:
    """The client for ``SERVICENOW_SECRET_ARN``, built on first use."""
    return _client_for(config.settings().servicenow_secret_arn)


@functools.lru_cache(maxsize=4)
def _client_for(secret_arn: str) -> ServiceNowClient:
    # Keyed by the variable's value: a changed environment gets its own client.
    if not secret_arn:
        raise ServiceNowUnavailable(f"{SECRET_ENV} is not set", field=SECRET_ENV, rule="required")
    return ServiceNowClient(secret_arn)


def create_incident(*, short_description: str, description: str, correlation_id: str) -> str:
    return client().create_incident(
        short_description=short_description, description=description, correlation_id=correlation_id
    )


def resolve_incident(sys_id: str, *, close_notes: str) -> None:
    client().resolve_incident(sys_id, close_notes=close_notes)


def update_ticket(table: str, sys_id: str, *, work_notes: str, state: str | None = None) -> None:
    """Add a work note to a ticket (and set its state) through the configured client."""
    client().update_ticket(table, sys_id, work_notes=work_notes, state=state)


# --- HTTP ---------------------------------------------------------------------------------
def _error_text(raw: bytes) -> str:
    # ServiceNow answers {"error": {"message": ..., "detail": ...}, "status": "failure"}.
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return ""
    error = data.get("error") if isinstance(data, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    return str(message)[:_ERROR_TEXT_MAX] if message else ""


class ServiceNowClient:
    def __init__(self, secret_arn: str):
        self.secret_arn = secret_arn

    def __repr__(self) -> str:
        return f"ServiceNowClient({self.secret_arn!r})"

    def credentials(self, *, refresh: bool = False) -> Credentials:
        # Imported here: Powertools' parameters pull boto3, which not every caller needs.
        from aws_lambda_powertools.utilities import parameters

        try:
            value = parameters.get_secret(self.secret_arn, max_age=_SECRET_MAX_AGE, force_fetch=refresh)
        except parameters.exceptions.GetParameterError as exc:
            # Its message names the secret and AWS's error code, never the value.
            raise ServiceNowUnavailable(
                f"could not read the ServiceNow secret: {exc}", field=SECRET_ENV, rule="secret"
            ) from None
        return parse_credentials(value)

    def update_ticket(self, table: str, sys_id: str, *, work_notes: str, state: str | None = None) -> None:
        # The caller's note should be clean already; scrub here too, for every caller.
        creds = self.credentials()
        body: dict[str, Any] = {"work_notes": scrub(work_notes, known=(creds.password, creds.oauth_token))}
        if state is not None:
            body["state"] = state
        self._send(
            "PATCH",
            f"/api/now/table/{quote(table, safe='')}/{quote(sys_id, safe='')}",
            body,
            what=f"{table}/{sys_id}",
        )

    def create_incident(self, *, short_description: str, description: str, correlation_id: str) -> str:
        """Open an incident; returns its sys_id. ``correlation_id`` ties it to the connection."""
        creds = self.credentials()
        known = (creds.password, creds.oauth_token)
        body = {
            "short_description": scrub(short_description, known=known)[:160],
            "description": scrub(description, known=known),
            "correlation_id": correlation_id,
            "category": "network",
            "urgency": "2",
            "impact": "2",
        }
        result = self._send("POST", "/api/now/table/incident", body, what="incident")
        sys_id = (result or {}).get("result", {}).get("sys_id")
        if not sys_id:
            raise ServiceNowUnavailable(
                "ServiceNow created an incident but returned no sys_id", rule="sys-id"
            )
        return str(sys_id)

    def resolve_incident(self, sys_id: str, *, close_notes: str) -> None:
        creds = self.credentials()
        body = {
            "state": "6",
            "close_code": "Solved (Permanently)",
            "close_notes": scrub(close_notes, known=(creds.password, creds.oauth_token)),
        }
        self._send(
            "PATCH", f"/api/now/table/incident/{quote(sys_id, safe='')}", body, what=f"incident/{sys_id}"
        )

    def _send(self, method: str, path: str, payload: dict[str, Any], *, what: str) -> dict[str, Any] | None:
        data = json.dumps(payload, separators=(",", ":")).encode()
        used: list[Credentials] = []

        def build(fresh: bool) -> urllib.request.Request:
            creds = self.credentials(refresh=fresh)
            used.append(creds)
            request = urllib.request.Request(creds.instance_url + path, data=data, method=method)
            request.add_header("Content-Type", "application/json")
            request.add_header("Accept", "application/json")
            request.add_header("Authorization", creds.authorization())
            return request

        reply = http.send(
            f"ServiceNow {method} {what}",
            build,
            backoff=BACKOFF,
            retry_after_cap=RETRY_AFTER_CAP,
            timeout=TIMEOUT,
        )
        if 200 <= reply.status < 300:
            logger.info("ServiceNow %s %s: HTTP %s", method, what, reply.status)
            try:
                parsed = json.loads(reply.body) if reply.body else None
            except ValueError:
                parsed = None
            return parsed if isinstance(parsed, dict) else None
        creds = used[-1]
        text = scrub(_error_text(reply.body), known=(creds.password, creds.oauth_token))
        problem = reply.problem + (f" {text}" if text else "")
        if reply.status and reply.status not in http.RETRY_STATUSES:
            raise ServiceNowUnavailable(
                f"ServiceNow {method} {what} refused: {problem}", rule=f"http-{reply.status}"
            )
        raise ServiceNowUnavailable(
            f"ServiceNow {method} {what} failed after {BACKOFF.attempts} attempts: {problem}",
            rule=f"http-{reply.status}" if reply.status else "unreachable",
        )
