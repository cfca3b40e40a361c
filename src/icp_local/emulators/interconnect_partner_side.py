"""The AWS Interconnect emulator's plain-Python surface (icp_local.emulators.interconnect): what the
partner emulators and the tests drive from the other side of a connection.
"""

from __future__ import annotations

from typing import Any

from icp_local.emulators.interconnect_model import PARTNER_NAMES, Proposal, new_activation_key
from icp_local.emulators.interconnect_records import ConnectionRecords


class PartnerSide(ConnectionRecords):
    """Mixed into ``InterconnectEmulator``: the partner accepts, rejects, proposes, and moves links
    (finding and moving connections as ``ConnectionRecords`` does)."""

    # ======================================================================================
    # Plain-Python surface for partner emulators and tests
    # ======================================================================================
    def connections(self) -> list[dict[str, Any]]:
        """Every connection of every Region, as GetConnection shows it (deleted ones too)."""
        with self._lock:
            return [conn.view() for conn in self._connections.values()]

    def live_resources(self) -> list[dict[str, Any]]:
        """Connections that are not ``deleted`` (``failed`` ones still exist at AWS)."""
        with self._lock:
            return [conn.view() for conn in self._connections.values() if conn.state != "deleted"]

    def environments(self) -> list[dict[str, Any]]:
        with self._lock:
            return [env.view() | {"region": env.region} for env in self._environments.values()]

    def set_environment_state(
        self, environment_id: str, state: str, available: tuple[str, ...] | list[str] | None = None
    ) -> None:
        """Make an environment ``available``, ``limited`` or ``unavailable`` (and change what it offers)."""
        if state not in ("available", "limited", "unavailable"):
            raise ValueError(f"not an environment state: {state!r}")
        with self._lock:
            env = self._environments[environment_id]
            env.state = state
            if available is not None:
                env.available = tuple(available)
            self._changed()

    def find_by_activation_key(self, key: str) -> dict[str, Any] | None:
        """The connection an activation key belongs to, with its ``region`` and ``remoteAccount``
        (what a partner verifies), or None."""
        with self._lock:
            conn = self._by_key(key)
            return self._partner_view(conn) if conn is not None else None

    def partner_accept(self, key: str) -> dict[str, Any]:
        """The partner accepted the key. "requested-first": ``requested`` -> ``pending``, then
        ``available`` after ``provisioning_seconds``. "pending-first": the connection stays
        ``requested`` while it is provisioned, then ``available`` (an acceptance shows no state of
        its own). A key accepted while the connection is still being prepared (``pending`` before
        ``requested``) is taken once it is ready. Accepting again is harmless."""
        with self._lock:
            conn = self._require_key(key)
            if conn.state not in ("requested", "pending", "available", "down", "updating"):
                raise ValueError(f"connection {conn.id} is {conn.state} and cannot be accepted")
            if conn.accepted:
                return self._partner_view(conn)
            conn.accepted = True
            if conn.state == "requested" and self.variants.state_order == "requested-first":
                self._set_state(conn, "pending")
                self._after(conn, self.provisioning_seconds, {"pending"}, "available")
            elif conn.state == "requested":
                self._after(conn, self.provisioning_seconds, {"requested"}, "available")
            elif conn.state == "pending":
                # Still being prepared (pending-first): available once prepared and provisioned.
                preparing_left = max(0.0, conn.created_at + self.preparing_seconds - self.clock.time())
                self._after(conn, preparing_left + self.provisioning_seconds, {"pending"}, "available")
            return self._partner_view(conn)

    def partner_reject(self, key: str, reason: str = "") -> dict[str, Any]:
        """The partner refused: the connection goes to ``failed``, and AWS gives no reason."""
        with self._lock:
            conn = self._require_key(key)
            if conn.state in ("requested", "pending"):
                conn.reason = reason
                self._cancel(conn)
                self._set_state(conn, "failed")
            elif conn.state != "failed":
                raise ValueError(f"connection {conn.id} is {conn.state} and cannot be rejected")
            return self._partner_view(conn)

    def partner_propose(self, region: str, provider: str, location: str, bandwidth: str) -> str:
        """A partner portal starts a connection; returns the activation key it shows the user."""
        with self._lock:
            env = next(
                (
                    e
                    for e in self._environments.values()
                    if e.region == region
                    and e.provider_name.lower() == PARTNER_NAMES.get(provider, provider).lower()
                    and e.location == location
                ),
                None,
            )
            if env is None:
                raise ValueError(f"no {provider} environment at {location} in {region}")
            if bandwidth not in env.available:
                raise ValueError(f"{bandwidth} is not available in {env.id}")
            key = new_activation_key()
            self._proposals[key] = Proposal(key, region, env, bandwidth)
            self._changed()
            return key

    def set_link_state(self, connection_id: str, state: str) -> dict[str, Any]:
        """The link went ``down`` or came back (``available``), as AWS will then report it."""
        with self._lock:
            conn = self._find(connection_id)
            if conn is None:
                raise KeyError(connection_id)
            # A link can fail while it is being provisioned too (botocore's ConnectionAvailable
            # waiter fails on `down`).
            provisioning = conn.state == "pending" or (conn.state == "requested" and conn.accepted)
            if state == "down" and (provisioning or conn.state in ("available", "updating", "down")):
                self._cancel(conn)
                self._set_state(conn, "down")
            elif state == "available" and conn.state in ("down", "available"):
                self._set_state(conn, "available")
            else:
                raise ValueError(f"cannot set link of {conn.id} ({conn.state}) to {state!r}")
            return conn.view()

    def fail_connection(self, connection_id: str) -> dict[str, Any]:
        """AWS moves a running connection to ``failed`` (it can, with no message: say a policy
        now denies the partner side)."""
        with self._lock:
            conn = self._find(connection_id)
            if conn is None:
                raise KeyError(connection_id)
            self._cancel(conn)
            self._set_state(conn, "failed")
            return conn.view()
