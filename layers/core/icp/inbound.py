"""Signed requests from outside (the ServiceNow webhook, partner callbacks): size, signature,
timestamp window, JSON, and once-only use of each signature."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from typing import Any

from icp import store
from icp.errors import BodyTooLarge, InvalidRequest, ReplayedRequest
from icp.signing import REPLAY_WINDOW_SECONDS, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify

MAX_BODY_BYTES = 64 * 1024


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), None)


def signed_json(body: bytes, headers: Mapping[str, str], secret: str) -> dict[str, Any]:
    """The JSON object of a signed request, or the error that names what is wrong with it."""
    if len(body) > MAX_BODY_BYTES:
        raise BodyTooLarge(
            f"the body is {len(body)} bytes; the limit is {MAX_BODY_BYTES}", field="body", rule="max-64KiB"
        )
    # Freshness is about the real world, so it is measured on the wall clock even where the
    # lifecycle's clock is simulated (the local cloud).
    verify(
        secret, _header(headers, TIMESTAMP_HEADER), _header(headers, SIGNATURE_HEADER), body, now=time.time()
    )
    return parse_json_object(body)


def parse_json_object(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except json.JSONDecodeError as exc:
        raise InvalidRequest(
            f"the body is not JSON ({exc.msg} at {exc.pos})", field="body", rule="json"
        ) from None
    except UnicodeDecodeError:
        raise InvalidRequest("the body is not UTF-8 JSON", field="body", rule="json") from None
    if not isinstance(payload, dict):
        raise InvalidRequest("the body must be a JSON object", field="body", rule="json-object")
    return payload


def _signature_key(headers: Mapping[str, str]) -> str:
    return hashlib.sha256((_header(headers, SIGNATURE_HEADER) or "").encode()).hexdigest()


def refuse_replay(channel: str, headers: Mapping[str, str]) -> None:
    """A cheap read before any work: a signature already used is a replay."""
    if store.is_claimed(f"SIG-{channel}", _signature_key(headers), now=time.time()):
        raise ReplayedRequest(
            "this signed request was already received", field=SIGNATURE_HEADER, rule="once-only"
        )


def use_signature_once(channel: str, headers: Mapping[str, str]) -> None:
    """Record the request's signature; a second use within the window is a replay. Called
    once the request has been accepted, so a refused request writes nothing (and two copies
    racing past ``refuse_replay`` are settled here by the conditional write)."""
    if not store.claim_once(
        f"SIG-{channel}", _signature_key(headers), ttl_seconds=2 * REPLAY_WINDOW_SECONDS, now=time.time()
    ):
        raise ReplayedRequest(
            "this signed request was already received", field=SIGNATURE_HEADER, rule="once-only"
        )
