"""The AWS Interconnect emulator's records (icp_local.emulators.interconnect): client-token idempotency,
new connections, their state changes on the simulated clock, and finding them.
"""

from __future__ import annotations

import functools
import inspect
import uuid
from collections.abc import Callable
from typing import Any

from icp_local.emulators.interconnect_model import (
    MULTICLOUD,
    NOT_FOUND,
    VALIDATION,
    Connection,
    Environment,
    InterconnectState,
    api_error,
    fingerprint_of,
    logger,
    new_activation_key,
    short_id,
)


def idempotent(operation: str) -> Callable[[Callable[..., Connection]], Callable[..., dict[str, Any]]]:
    """A ``clientToken`` operation: a token seen before with the same request answers with the
    connection it made (its state now); with another request it is refused. The method gets
    the request without the token and returns the connection; the caller gets its view."""

    def wrap(method: Callable[..., Connection]) -> Callable[..., dict[str, Any]]:
        signature = inspect.signature(method)

        @functools.wraps(method)
        def run(
            self: ConnectionRecords, *args: Any, clientToken: str | None = None, **kwargs: Any
        ) -> dict[str, Any]:
            bound = signature.bind(self, *args, **kwargs)
            bound.apply_defaults()
            request = {name: value for name, value in bound.arguments.items() if name != "self"}
            conn = self._replay(operation, clientToken, request)
            if conn is None:
                conn = method(self, *args, **kwargs)
                self._remember(operation, clientToken, request, conn)
            return {"connection": conn.view()}

        return run

    return wrap


class ConnectionRecords(InterconnectState):
    """Mixed into ``InterconnectEmulator``: how connections are made, found and moved."""

    # ======================================================================================
    # Idempotency
    # ======================================================================================
    def _replay(self, operation: str, token: str | None, request: dict[str, Any]) -> Connection | None:
        if token is None:
            return None
        seen = self._tokens.get((self.region, operation, token))
        if seen is None:
            return None
        fingerprint, connection_id = seen
        if fingerprint != fingerprint_of(request):
            raise api_error(VALIDATION, "The clientToken was already used with different parameters")
        return self._connections[connection_id]

    def _remember(self, operation: str, token: str | None, request: dict[str, Any], conn: Connection) -> None:
        if token is not None:
            self._tokens[(self.region, operation, token)] = (fingerprint_of(request), conn.id)

    # ======================================================================================
    # Records and state
    # ======================================================================================
    def _new_connection(
        self,
        env: Environment,
        bandwidth: str,
        attach_point: dict[str, str],
        description: str | None,
        tags: dict[str, str] | None,
        remote_account: str | None,
        state: str,
        key: str | None = None,
    ) -> Connection:
        prefix = "mcc" if env.type == MULTICLOUD else "lmcc"
        connection_id = f"{prefix}-{short_id()}"
        while connection_id in self._connections:
            connection_id = f"{prefix}-{short_id()}"
        conn = Connection(
            id=connection_id,
            arn=f"arn:aws:interconnect:{self.region}:{self.account_id}:connection/{connection_id}",
            region=self.region,
            description=description or connection_id,
            bandwidth=bandwidth,
            attach_point=dict(attach_point),
            environment=env,
            state=state,
            shared_id=str(uuid.uuid4()),
            owner=self.account_id,
            activation_key=key or new_activation_key(),
            tags=dict(tags or {}),
            remote_account=remote_account,
            created_at=self.clock.time(),
        )
        self._connections[conn.id] = conn
        self._changed()
        logger.debug("interconnect connection %s created in %s (%s)", conn.id, conn.region, state)
        return conn

    def _set_state(self, conn: Connection, state: str) -> None:
        logger.debug("interconnect connection %s: %s -> %s", conn.id, conn.state, state)
        conn.state = state
        self._changed()

    def _after(self, conn: Connection, seconds: float, from_states: set[str], to_state: str) -> None:
        """Move ``conn`` to ``to_state`` after ``seconds`` if it is still in one of ``from_states``."""
        self._cancel(conn)

        def fire() -> None:
            with self._lock:
                conn.timer = None
                if conn.state in from_states:
                    self._set_state(conn, to_state)

        conn.timer = self.clock.call_later(seconds, fire, f"interconnect {conn.id} -> {to_state}")

    @staticmethod
    def _cancel(conn: Connection) -> None:
        if conn.timer is not None:
            conn.timer.cancel()
            conn.timer = None

    def _find(self, identifier: str) -> Connection | None:
        conn = self._connections.get(identifier)
        if conn is None:
            conn = next((c for c in self._connections.values() if c.arn == identifier), None)
        return conn

    def _connection_here(self, identifier: str) -> Connection:
        conn = self._find(identifier)
        if conn is None or conn.region != self.region:
            raise api_error(NOT_FOUND, f"Connection {identifier} was not found")
        return conn

    def _connection_by_arn(self, arn: str) -> Connection:
        conn = next((c for c in self._connections.values() if c.arn == arn), None)
        if conn is None or conn.region != self.region:
            raise api_error(NOT_FOUND, f"Resource {arn} was not found")
        return conn

    def _by_key(self, key: str) -> Connection | None:
        return next((c for c in self._connections.values() if c.activation_key == key), None)

    def _require_key(self, key: str) -> Connection:
        conn = self._by_key(key)
        if conn is None:
            raise KeyError("no connection has that activation key")
        return conn

    @staticmethod
    def _partner_view(conn: Connection) -> dict[str, Any]:
        return conn.view() | {"region": conn.region, "remoteAccount": conn.remote_account}
