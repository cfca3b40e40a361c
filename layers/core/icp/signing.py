"""HMAC-SHA256 request signatures, one scheme for every signed channel: the ServiceNow
webhook, partner callbacks and our calls to partners' order APIs.

``X-ICP-Timestamp: <unix seconds>`` and ``X-ICP-Signature: sha256=<hex>``, where the MAC is
over ``"<timestamp>." + raw body``. Compared in constant time; a timestamp more than the
window away from now (either side) is refused, and the caller keeps signatures it has seen
for that window so a captured request cannot be replayed.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import ParamSpec

from icp.errors import SignatureInvalid

TIMESTAMP_HEADER = "X-ICP-Timestamp"
SIGNATURE_HEADER = "X-ICP-Signature"
REPLAY_WINDOW_SECONDS = 300
P = ParamSpec("P")


def sign(secret: str, timestamp: str | int, body: bytes) -> str:
    """The ``X-ICP-Signature`` value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(
    secret: str,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    *,
    now: float,
    window: float = REPLAY_WINDOW_SECONDS,
) -> None:
    """Raise SignatureInvalid naming the header and the rule that failed."""
    if not signature:
        raise SignatureInvalid("the request is not signed", field=SIGNATURE_HEADER, rule="required")
    if not timestamp or not timestamp.isdigit():
        raise SignatureInvalid(
            "the signature timestamp is missing or not unix seconds",
            field=TIMESTAMP_HEADER,
            rule="unix-seconds",
        )
    if abs(now - int(timestamp)) > window:
        raise SignatureInvalid(
            f"the signature timestamp is more than {int(window)} s from now",
            field=TIMESTAMP_HEADER,
            rule="replay-window",
        )
    # Sign the header exactly as sent, so "0123" cannot stand in for "123".
    if not hmac.compare_digest(sign(secret, timestamp, body), signature):
        raise SignatureInvalid(
            "the signature does not match the body", field=SIGNATURE_HEADER, rule="hmac-sha256"
        )


def _verdict(check: Callable[P, None]) -> Callable[P, bool]:
    """``check`` answering True or False instead of raising SignatureInvalid."""

    def holds(*args: P.args, **kwargs: P.kwargs) -> bool:
        try:
            check(*args, **kwargs)
        except SignatureInvalid:
            return False
        return True

    return holds


# For callers that answer a bad signature themselves (the partner emulators): verify's verdict.
signature_valid = _verdict(verify)
