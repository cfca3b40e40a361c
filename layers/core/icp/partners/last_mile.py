"""Last-mile partners (Lumen first) through the partner order API.

This docstring is our contract with last-mile partners (version 1). Change it only
with a changelog entry: partners build against it.

Configuration
-------------
``LAST_MILE_PARTNERS`` (read when first needed) maps a provider name, as it appears in
a request's ``provider``, to the partner's base URL and the Secrets Manager secret that
holds the shared signing secret::

    {"lumen": {"url": "https://api.partner.example/interconnect",
               "secretArn": "arn:aws:secretsmanager:us-east-1:111122223333:secret:lumen-abc"}}

The secret's ``SecretString`` is the shared secret itself, or a JSON object
``{"secret": "..."}``. The URL must be ``https`` (plain ``http`` only on loopback, for
the local cloud).

Signing
-------
Every request carries two headers::

    X-ICP-Timestamp: <unix time in whole seconds>
    X-ICP-Signature: sha256=<hex HMAC-SHA256(secret, "{timestamp}." + raw body)>

The raw body is the exact bytes sent (empty for GET and DELETE). A partner answers
401 when the signature does not match or the timestamp is more than 300 seconds away
from its clock. We fetch the secret again once on a 401, in case it was rotated.

Resources
---------
An *activation* is the partner's order for one AWS Interconnect connection, named by the
connection's ``sharedId`` (known to AWS and the partner alike)::

    PUT    {url}/v1/activations/{sharedId}
           {"activationKey", "awsConnectionId", "bandwidth", "siteName", "remoteAccount",
            "location", "connectionId"}
           201 created, 200 already held with the same key (idempotent by sharedId),
           409 the sharedId is held with a different key, 422 the key is not valid.
    PUT    {url}/v1/activations/{sharedId}/routes
           {"awsPrefixes": [...], "sitePrefixes": [...]}
           200; 404 no such activation; 409 the activation was rejected.
    GET    {url}/v1/activations/{sharedId}
           200 Activation; 404 no such activation.
    DELETE {url}/v1/activations/{sharedId}
           204; 404 no such activation (we treat it as already gone).

    Activation = {"sharedId", "state": "received" | "accepted" | "rejected", "reason"?,
                  "awsConnectionId", "bandwidth", "siteName", "location", "connectionId",
                  "awsPrefixes": [...], "sitePrefixes": [...]}

An order placed at the partner's own portal (a proposal: the portal shows its key, the
customer's request carries it) is put the same way once AWS accepts the proposal, under the new
connection's ``sharedId``; a partner answers 200 or 201, the activation already decided.

An activation never echoes the activation key. The partner accepts or rejects the key
with AWS itself (AWS then reports the connection ``pending`` or ``failed``); ``state``
says what it decided. ``awsPrefixes`` are the AWS-side CIDRs the partner carries to the
site, ``sitePrefixes`` the site's CIDRs it advertises towards AWS.

Errors are JSON ``{"error": "<Name>", "message": "..."}``. We retry 429, 5xx and
connection failures with backoff, waiting ``Retry-After`` (seconds or an HTTP date)
when the partner sends it.
"""

from __future__ import annotations

import functools
import json
import logging
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from icp import clock, config
from icp.errors import IcpError, PartnerRejected, RemoteSideError
from icp.http import is_loopback, send
from icp.models import ConnectionRecord, RemoteLastMile
from icp.partners.base import uncovered
from icp.retry import Backoff
from icp.secrets import shared_secret
from icp.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

logger = logging.getLogger(__name__)


_BACKOFF = Backoff(attempts=5, base=1.0, cap=20.0)
_RETRY_AFTER_CAP = 120.0
_TIMEOUT = 10.0
_SECRET_MAX_AGE = 300


# --- signing (the partner verifies with the same two functions) --------------------
# --- configuration ------------------------------------------------------------------
@dataclass(frozen=True)
class PartnerConfig:
    provider: str
    url: str
    secret_arn: str


def provider_config(provider: str) -> PartnerConfig:
    """The configuration of one last-mile partner, from ``LAST_MILE_PARTNERS``."""
    partners = _parse_partners(config.settings().last_mile_partners)
    if provider not in partners:
        known = ", ".join(sorted(partners)) or "none"
        raise RemoteSideError(
            f"unknown last-mile partner {provider!r}: LAST_MILE_PARTNERS configures {known}",
            field="provider",
            rule="configured-partner",
        )
    return partners[provider]


@functools.lru_cache(maxsize=4)
def _parse_partners(raw: str) -> dict[str, PartnerConfig]:
    # Cached by the variable's value: a changed environment is read afresh.
    try:
        data = json.loads(raw) if raw else {}
    except json.JSONDecodeError as exc:
        raise RemoteSideError(f"LAST_MILE_PARTNERS is not JSON: {exc}", field="LAST_MILE_PARTNERS") from None
    if not isinstance(data, dict):
        raise RemoteSideError("LAST_MILE_PARTNERS must be a JSON object", field="LAST_MILE_PARTNERS")
    configs = {}
    for provider, entry in data.items():
        if not isinstance(entry, dict) or not entry.get("url") or not entry.get("secretArn"):
            raise RemoteSideError(
                f"LAST_MILE_PARTNERS[{provider!r}] needs 'url' and 'secretArn'", field="LAST_MILE_PARTNERS"
            )
        url = str(entry["url"]).rstrip("/")
        _require_safe_url(provider, url)
        configs[provider] = PartnerConfig(provider, url, str(entry["secretArn"]))
    return configs


def _require_safe_url(provider: str, url: str) -> None:
    # The body carries the activation key: plain http is only for the local cloud.
    parts = urlsplit(url)
    if parts.scheme == "https" or (parts.scheme == "http" and is_loopback(parts.hostname)):
        return
    raise RemoteSideError(
        f"LAST_MILE_PARTNERS[{provider!r}] url must be https (http only on loopback)",
        field="LAST_MILE_PARTNERS",
        rule="https",
    )


def _shared_secret(secret_arn: str, *, refresh: bool = False) -> str:
    try:
        return shared_secret(secret_arn, refresh=refresh)
    except IcpError as exc:
        raise RemoteSideError(exc.message, field="secretArn", rule=exc.rule) from None


# --- HTTP ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Reply:
    status: int
    body: dict[str, Any]

    def error_text(self) -> str:
        name = self.body.get("error", "")
        message = self.body.get("message", "")
        return f"HTTP {self.status} {name}: {message}".rstrip(": ")


def _json(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return {"message": raw[:200].decode(errors="replace")}
    return data if isinstance(data, dict) else {"value": data}


def _redact(text: str, secret: str | None) -> str:
    return text.replace(secret, "***") if secret else text


class LastMileSide:
    """RemoteSide for a last-mile partner, through the partner order API (see the module)."""

    def __init__(self, provider: str):
        self.provider = provider

    def __repr__(self) -> str:
        return f"LastMileSide({self.provider!r})"

    # -- RemoteSide ----------------------------------------------------------------
    def hand_off(self, record: ConnectionRecord, activation_key: str) -> dict[str, str]:
        shared_id = _shared_id(record)
        if not record.awsConnectionId:
            raise RemoteSideError("the record has no awsConnectionId yet: create the AWS connection first")
        request = record.parsed_request
        remote = _remote(record)
        order = {
            "activationKey": activation_key,
            "awsConnectionId": record.awsConnectionId,
            "bandwidth": request.bandwidth,
            "siteName": remote.siteName,
            "remoteAccount": remote.remoteAccount,
            "location": request.remoteLocation,
            "connectionId": record.connectionId,
        }
        reply = self._request("PUT", shared_id, "", order, what="activation", key=activation_key)
        if reply.status == 409:
            raise RemoteSideError(
                f"partner {self.provider} holds activation {shared_id} with a different key",
                rule="activation-conflict",
            )
        self._expect(reply, {200, 201}, "activation", activation_key)
        logger.info(
            "handed the activation for %s to partner %s (sharedId %s, %s)",
            record.connectionId,
            self.provider,
            shared_id,
            "new" if reply.status == 201 else "already held",
        )
        return {"partnerActivation": f"{self.provider}/{shared_id}"}

    def propagate_routes(self, record: ConnectionRecord) -> None:
        shared_id = _shared_id(record)
        routes = {"awsPrefixes": list(record.parsed_request.aws.cidrs), "sitePrefixes": _remote(record).cidrs}
        reply = self._request("PUT", shared_id, "/routes", routes, what="routes")
        if reply.status == 409:
            raise PartnerRejected(f"partner {self.provider} rejected activation {shared_id}; routes not set")
        if reply.status == 404:
            raise RemoteSideError(f"partner {self.provider} has no activation {shared_id}: hand it off first")
        self._expect(reply, {200}, "routes")

    def missing_routes(self, record: ConnectionRecord) -> list[str]:
        shared_id = _shared_id(record)
        reply = self._request("GET", shared_id, "", None, what="activation status")
        if reply.status == 404:
            return [f"partner {self.provider} has no activation {shared_id}"]
        self._expect(reply, {200}, "activation status")
        state = reply.body.get("state")
        if state == "rejected":
            reason = reply.body.get("reason") or "no reason given"
            raise PartnerRejected(f"partner {self.provider} rejected activation {shared_id}: {reason}")
        if state != "accepted":
            return [f"partner {self.provider} has not accepted activation {shared_id} yet (state {state})"]
        aws_cidrs = record.parsed_request.aws.cidrs
        missing = [
            f"partner {self.provider} does not carry AWS prefix {cidr} to the site"
            for cidr in uncovered(aws_cidrs, reply.body.get("awsPrefixes") or [])
        ]
        missing += [
            f"partner {self.provider} does not advertise site prefix {cidr} to AWS"
            for cidr in uncovered(_remote(record).cidrs, reply.body.get("sitePrefixes") or [])
        ]
        return missing

    def withdraw(self, record: ConnectionRecord) -> list[str]:
        shared_id = _shared_id(record)
        reply = self._request("DELETE", shared_id, "", None, what="withdrawal")
        if reply.status == 404:
            return []
        self._expect(reply, {200, 202, 204}, "withdrawal")
        return [f"partner activation {self.provider}/{shared_id}"]

    def link_status(self, record: ConnectionRecord) -> str | None:
        """None: the partner order API (version 1) reports no link state; AWS's connection
        state is the only source for a last-mile link."""
        return None

    # -- plumbing -----------------------------------------------------------------
    def _expect(self, reply: _Reply, ok: set[int], what: str, key: str | None = None) -> None:
        if reply.status not in ok:
            raise RemoteSideError(
                _redact(f"partner {self.provider} {what} failed: {reply.error_text()}", key),
                rule=f"http-{reply.status}",
            )

    def _request(
        self,
        method: str,
        shared_id: str,
        suffix: str,
        payload: dict[str, Any] | None,
        *,
        what: str,
        key: str | None = None,
    ) -> _Reply:
        """Send one signed request, retrying what a retry can fix; 4xx replies are returned."""
        config = provider_config(self.provider)
        url = f"{config.url}/v1/activations/{quote(shared_id, safe='')}{suffix}"
        body = json.dumps(payload, separators=(",", ":")).encode() if payload is not None else b""

        def build(fresh: bool) -> urllib.request.Request:
            # fresh: a 401, so the shared secret may have been rotated since it was cached.
            secret = _shared_secret(config.secret_arn, refresh=fresh)
            timestamp = str(int(clock.time()))
            request = urllib.request.Request(url, data=body if payload is not None else None, method=method)
            request.add_header("Content-Type", "application/json")
            request.add_header("Accept", "application/json")
            request.add_header(TIMESTAMP_HEADER, timestamp)
            request.add_header(SIGNATURE_HEADER, sign(secret, timestamp, body))
            return request

        reply = send(
            f"partner {self.provider} {what}",
            build,
            backoff=_BACKOFF,
            retry_after_cap=_RETRY_AFTER_CAP,
            timeout=_TIMEOUT,
        )
        if reply.status == 0:
            raise RemoteSideError(
                f"partner {self.provider} unreachable for {what} after {_BACKOFF.attempts} attempts"
            )
        return _Reply(reply.status, _json(reply.body))


def _shared_id(record: ConnectionRecord) -> str:
    if not record.sharedId:
        raise RemoteSideError("the record has no sharedId yet: create the AWS connection first")
    return record.sharedId


def _remote(record: ConnectionRecord) -> RemoteLastMile:
    remote = record.parsed_request.remote
    if not isinstance(remote, RemoteLastMile):
        raise RemoteSideError(f"connection {record.connectionId} is not a last-mile request")
    return remote
