"""Simulated partners: the other end of an activation key.

``cloud.partner("google-cloud")`` and ``cloud.partner("lumen")`` return one of these.
Its policy says what it does with the activation keys that reach it from then on:

- ``accept_after(seconds)`` (default: 120 simulated seconds): accept the key with AWS
  (``interconnect.partner_accept``), which moves the connection from ``requested`` to
  ``pending``;
- ``reject(reason)``: refuse it (``interconnect.partner_reject``): AWS reports ``failed``;
- ``ignore()``: do nothing, so the connection stays ``requested``.

Keys reach it from the Google Cloud emulator (a transport created with
``provided_activation_key``) and from the partner order API (``PUT
/v1/activations/{sharedId}``, see ``icp.partners.last_mile``), whose order book lives
here. Decisions take effect through the simulated clock, on the driver's thread.

A simulator never shows a key: receipts keep a SHA-256 fingerprint, and the key itself
lives only in the closure of the pending accept or reject.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from icp_local.clock import SimClock

logger = logging.getLogger(__name__)

DEFAULT_ACCEPT_DELAY = 120.0


class Interconnect(Protocol):
    """What the simulators need of the AWS Interconnect emulator (they do not read what the
    partner calls answer: ``object``)."""

    def find_by_activation_key(self, key: str) -> dict[str, Any] | None: ...
    def partner_accept(self, key: str) -> object: ...
    def partner_reject(self, key: str, reason: str) -> object: ...
    def set_link_state(self, connection_id: str, state: str) -> object: ...
    def partner_propose(self, region: str, provider: str, location: str, bandwidth: str) -> str: ...


def fingerprint(key: str) -> str:
    """How a key is recorded: a SHA-256 prefix, enough to tell keys apart in a test."""
    return hashlib.sha256(key.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Policy:
    action: Literal["accept", "reject", "ignore"]
    delay: float = 0.0
    reason: str = ""

    def __str__(self) -> str:
        if self.action == "accept":
            return f"accept after {self.delay:g} s"
        return f"reject ({self.reason})" if self.action == "reject" else "ignore"


@dataclass
class Receipt:
    """One activation key as it reached the partner."""

    ref: str  # a transport name or a sharedId
    key_fingerprint: str
    received_at: float
    policy: Policy
    outcome: Literal["received", "accepted", "rejected"] = "received"
    reason: str | None = None
    decided_at: float | None = None


@dataclass
class Order:
    """A last-mile activation in the partner's order book (never holds the key)."""

    shared_id: str
    receipt: Receipt
    aws_connection_id: str
    bandwidth: str
    site_name: str
    remote_account: str
    location: str
    connection_id: str
    aws_prefixes: list[str] = field(default_factory=list)
    site_prefixes: list[str] = field(default_factory=list)

    def view(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "sharedId": self.shared_id,
            "state": self.receipt.outcome,
            "awsConnectionId": self.aws_connection_id,
            "bandwidth": self.bandwidth,
            "siteName": self.site_name,
            "location": self.location,
            "connectionId": self.connection_id,
            "awsPrefixes": list(self.aws_prefixes),
            "sitePrefixes": list(self.site_prefixes),
        }
        if self.receipt.reason:
            data["reason"] = self.receipt.reason
        return data


class OrderError(Exception):
    """A partner API request the partner refuses; the server turns it into an HTTP reply."""

    def __init__(self, status: int, error: str, message: str):
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


_ORDER_FIELDS = ("activationKey", "awsConnectionId", "bandwidth", "siteName", "remoteAccount", "location",
                 "connectionId")  # fmt: skip


class PartnerSimulator:
    def __init__(
        self,
        provider: str,
        clock: SimClock,
        interconnect: Interconnect,
        *,
        shared_secret: str | None = None,
    ):
        self.provider = provider
        self._clock = clock
        self._interconnect = interconnect
        self._policy = Policy("accept", DEFAULT_ACCEPT_DELAY)
        self._secret = shared_secret or secrets.token_urlsafe(32)
        self._receipts: list[Receipt] = []
        self._orders: dict[str, Order] = {}
        self._faults: list[tuple[int, float | None]] = []
        self._lock = threading.RLock()
        # How this partner starts a connection from its side (``propose``): the Google Cloud
        # emulator plugs in its transport creation; a last-mile portal just makes a proposal.
        self.proposer: Callable[..., str] | None = None
        # Keys this partner's portal generated (fingerprints): their orders are its own, decided.
        self._proposed: set[str] = set()

    def __repr__(self) -> str:
        return f"PartnerSimulator({self.provider!r}, policy={self._policy}, received={len(self._receipts)})"

    # -- what a test controls ------------------------------------------------------
    def accept_after(self, seconds: float) -> None:
        self._policy = Policy("accept", float(seconds))

    def reject(self, reason: str) -> None:
        self._policy = Policy("reject", reason=reason)

    def ignore(self) -> None:
        self._policy = Policy("ignore")

    @property
    def policy(self) -> Policy:
        return self._policy

    def propose(self, *, aws_region: str, location: str, bandwidth: str, **remote: Any) -> str:
        """Start a connection from the partner's side; returns the activation key it generates,
        which ``DescribeConnectionProposal`` then answers for (README, "Proposals"). For
        ``google-cloud``: ``project=``, ``network=``, ``cidrs=[...]`` (and ``transport_id=``) make
        the transport that generated it."""
        if self.proposer is not None:
            return self.proposer(aws_region=aws_region, location=location, bandwidth=bandwidth, **remote)
        key = self._interconnect.partner_propose(aws_region, self.provider, location, bandwidth)
        with self._lock:
            self._proposed.add(fingerprint(key))
        return key

    def link_down(self, aws_connection_id: str) -> None:
        self._interconnect.set_link_state(aws_connection_id, "down")

    def link_up(self, aws_connection_id: str) -> None:
        self._interconnect.set_link_state(aws_connection_id, "available")

    def fail_next(self, count: int = 1, *, status: int = 429, retry_after: float | None = 1.0) -> None:
        """Answer the next ``count`` partner API requests with ``status`` (and Retry-After)."""
        with self._lock:
            self._faults += [(status, retry_after)] * count

    @property
    def shared_secret(self) -> str:
        """The HMAC secret the partner shares with us (store it in Secrets Manager)."""
        return self._secret

    # -- what a test reads ---------------------------------------------------------
    @property
    def received(self) -> list[Receipt]:
        with self._lock:
            return list(self._receipts)

    def has_received(self, key: str) -> bool:
        return any(r.key_fingerprint == fingerprint(key) for r in self.received)

    def orders(self) -> list[dict[str, Any]]:
        with self._lock:
            return [order.view() for order in self._orders.values()]

    # -- what the emulators call ---------------------------------------------------
    def receive(self, key: str, ref: str) -> Receipt:
        """An activation key reached the partner for ``ref``. Applies the current policy
        once per (ref, key): a repeated delivery returns the first receipt."""
        with self._lock:
            for receipt in self._receipts:
                if receipt.ref == ref and receipt.key_fingerprint == fingerprint(key):
                    return receipt
            receipt = Receipt(ref, fingerprint(key), self._clock.time(), self._policy)
            self._receipts.append(receipt)
        policy = receipt.policy
        label = f"{self.provider} {policy.action}s {ref}"
        if policy.action == "accept":
            self._clock.call_later(policy.delay, self._decide(receipt, key, accept=True), label)
        elif policy.action == "reject":
            self._clock.call_later(0, self._decide(receipt, key, accept=False), label)
        return receipt

    def take_fault(self) -> tuple[int, float | None] | None:
        with self._lock:
            return self._faults.pop(0) if self._faults else None

    def _decide(self, receipt: Receipt, key: str, *, accept: bool) -> Callable[[], None]:
        # The key stays in this closure only, until the decision falls due.
        def run() -> None:
            if receipt.outcome != "received":
                return
            try:
                if accept:
                    self._interconnect.partner_accept(key)
                else:
                    self._interconnect.partner_reject(key, receipt.policy.reason)
            except Exception as exc:  # the AWS side may be gone by now; a timer must not raise
                logger.warning(
                    "%s could not %s %s: %s", self.provider, receipt.policy.action, receipt.ref, exc
                )
                return
            with self._lock:
                receipt.outcome = "accepted" if accept else "rejected"
                receipt.reason = None if accept else receipt.policy.reason
                receipt.decided_at = self._clock.time()

        return run

    # -- the partner order book (served by the partner API) --------------------------
    def put_order(self, shared_id: str, body: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
        """Create the activation for ``shared_id``; (created, view). Idempotent by sharedId."""
        missing = [name for name in _ORDER_FIELDS if not isinstance(body.get(name), str) or not body[name]]
        if missing:
            raise OrderError(400, "InvalidRequest", f"missing or not a string: {', '.join(missing)}")
        key = body["activationKey"]
        with self._lock:
            existing = self._orders.get(shared_id)
            if existing is not None:
                if existing.receipt.key_fingerprint != fingerprint(key):
                    raise OrderError(409, "Conflict", f"activation {shared_id} is held with another key")
                return False, existing.view()
            connection = self._interconnect.find_by_activation_key(key)
            if connection is None:
                raise OrderError(422, "InvalidActivationKey", "AWS does not know this activation key")
            if connection.get("sharedId") not in (None, shared_id):
                raise OrderError(422, "InvalidActivationKey", f"the key is not for sharedId {shared_id}")
            receipt = self._portal_order(key, shared_id) or self.receive(key, shared_id)
            order = Order(
                shared_id,
                receipt,
                aws_connection_id=body["awsConnectionId"],
                bandwidth=body["bandwidth"],
                site_name=body["siteName"],
                remote_account=body["remoteAccount"],
                location=body["location"],
                connection_id=body["connectionId"],
            )
            self._orders[shared_id] = order
            return True, order.view()

    def _portal_order(self, key: str, shared_id: str) -> Receipt | None:
        """The order of a key this partner's portal generated: accepted when it was proposed (AWS
        accepted the proposal itself), so no decision falls due. None for any other key."""
        if fingerprint(key) not in self._proposed:
            return None
        now = self._clock.time()
        receipt = Receipt(shared_id, fingerprint(key), now, self._policy, "accepted", decided_at=now)
        self._receipts.append(receipt)
        return receipt

    def put_routes(self, shared_id: str, body: dict[str, Any]) -> dict[str, Any]:
        aws, site = body.get("awsPrefixes"), body.get("sitePrefixes")
        if not isinstance(aws, list) or not isinstance(site, list):
            raise OrderError(400, "InvalidRequest", "awsPrefixes and sitePrefixes must be lists")
        with self._lock:
            order = self._order(shared_id)
            if order.receipt.outcome == "rejected":
                raise OrderError(409, "ActivationRejected", f"activation {shared_id} was rejected")
            order.aws_prefixes, order.site_prefixes = [str(p) for p in aws], [str(p) for p in site]
            return order.view()

    def get_order(self, shared_id: str) -> dict[str, Any]:
        with self._lock:
            return self._order(shared_id).view()

    def delete_order(self, shared_id: str) -> None:
        with self._lock:
            self._order(shared_id)
            del self._orders[shared_id]

    def _order(self, shared_id: str) -> Order:
        order = self._orders.get(shared_id)
        if order is None:
            raise OrderError(404, "NotFound", f"no activation {shared_id}")
        return order
