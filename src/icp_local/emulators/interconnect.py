"""AWS Interconnect, emulated: every operation of botocore's ``interconnect`` model.

Each Region has its own environments and its own view of connections; the Region is the
one of the client making the call. Partners (the Google Cloud and last-mile emulators)
drive the other side through plain-Python methods: ``find_by_activation_key``,
``partner_accept``, ``partner_reject``, ``partner_propose`` and ``set_link_state``.

Every value, id form, state, transition, error and rule here has a row in
docs/conformance.md naming its public source, or saying *assumption* and why. Where the
evidence allows two behaviours (the order of ``pending`` and ``requested``, reads that miss
a connection just created, a stale ``ListConnections``), ``icp_local.variants`` chooses
which one is played.
"""

from __future__ import annotations

from typing import Any

from icp_local.clock import SimClock
from icp_local.emulators.botocore_hooks import ServiceEmulator
from icp_local.emulators.directconnect import DirectConnectEmulator
from icp_local.emulators.interconnect_model import (
    CLIENT,
    LAST_MILE,
    MULTICLOUD,
    VALIDATION,
    Connection,
    Proposal,
    api_error,
    default_environments,
    miss_message,
    with_token,
)
from icp_local.emulators.interconnect_partner_side import PartnerSide
from icp_local.emulators.interconnect_records import ConnectionRecords, idempotent
from icp_local.emulators.interconnect_rules import InterconnectRules
from icp_local.variants import DEFAULT, Variants


class InterconnectEmulator(PartnerSide, InterconnectRules, ConnectionRecords, ServiceEmulator):
    service_name = "interconnect"
    validation_error_code = VALIDATION

    def __init__(
        self,
        clock: SimClock,
        directconnect: DirectConnectEmulator,
        account_id: str = "123456789012",
        *,
        max_connections: int = 10,
        max_requested: int = 4,
        max_multicloud_per_provider: int = 2,
        max_last_mile_per_provider: int = 2,
        provisioning_seconds: float = 300.0,
        update_seconds: float = 120.0,
        delete_seconds: float = 60.0,
        preparing_seconds: float = 30.0,
        variants: Variants = DEFAULT,
    ):
        super().__init__()
        self.clock = clock
        self.directconnect = directconnect
        self.account_id = account_id
        self.max_connections = max_connections
        self.max_requested = max_requested
        self.max_per_provider = {
            MULTICLOUD: max_multicloud_per_provider,
            LAST_MILE: max_last_mile_per_provider,
        }
        self.provisioning_seconds = provisioning_seconds
        self.update_seconds = update_seconds
        self.delete_seconds = delete_seconds
        # "pending-first": how long a new connection stays ``pending`` before ``requested``.
        self.preparing_seconds = preparing_seconds
        self.variants = variants
        # Region -> what the last ListConnections calls saw (newest last), for ``list_lag``.
        self._list_views: dict[str, list[list[dict[str, Any]]]] = {}
        self._served_view: dict[str, list[dict[str, Any]]] = {}
        self._environments = {env.id: env for env in default_environments()}
        self._connections: dict[str, Connection] = {}
        self._proposals: dict[str, Proposal] = {}
        # (region, operation, clientToken) -> (fingerprint of the request, connection id)
        self._tokens: dict[tuple[str, str, str], tuple[str, str]] = {}

    # ======================================================================================
    # API operations
    # ======================================================================================
    def list_environments(
        self,
        maxResults: int | None = None,
        nextToken: str | None = None,
        provider: dict[str, str] | None = None,
        location: str | None = None,
    ) -> dict[str, Any]:
        items = [
            env
            for env in self._environments.values()
            if env.region == self.region
            and (provider is None or env.provider == provider)
            and (location is None or env.location == location)
        ]
        return self._paged("environments", items, maxResults, nextToken, lambda env: env.view())

    def get_environment(self, id: str) -> dict[str, Any]:
        return {"environment": self._environment_here(id).view()}

    def list_attach_points(
        self, environmentId: str, maxResults: int | None = None, nextToken: str | None = None
    ) -> dict[str, Any]:
        self._environment_here(environmentId)
        gateways = [g for g in self.directconnect.gateways() if g["directConnectGatewayState"] == "available"]
        page, token = self._page(gateways, maxResults, nextToken)
        points = [
            {
                "type": "DirectConnectGateway",
                "identifier": g["directConnectGatewayId"],
                "name": g["directConnectGatewayName"],
            }
            for g in page
        ]
        return with_token({"attachPoints": points}, token)

    @idempotent("CreateConnection")
    def create_connection(
        self,
        bandwidth: str,
        attachPoint: dict[str, str],
        environmentId: str,
        description: str | None = None,
        remoteAccount: dict[str, str] | None = None,
        tags: dict[str, str] | None = None,
    ) -> Connection:
        env = self._environment_for_new_connection(environmentId)
        self._check_bandwidth(env, bandwidth)
        self._check_attach_point(attachPoint)
        remote = self._remote_account(env, remoteAccount)
        self._check_tags(tags or {})
        self._check_quotas(env, outstanding_request=True)
        if self.variants.state_order == "pending-first":
            conn = self._new_connection(env, bandwidth, attachPoint, description, tags, remote, "pending")
            self._after(conn, self.preparing_seconds, {"pending"}, "requested")
        else:
            conn = self._new_connection(env, bandwidth, attachPoint, description, tags, remote, "requested")
        conn.misses = list(self.variants.read_after_create_errors)
        return conn

    def get_connection(self, identifier: str) -> dict[str, Any]:
        conn = self._connection_here(identifier)
        if self._missing(conn):
            code = conn.misses.pop(0)
            self._changed()  # the next read will see more
            raise api_error(code, miss_message(code, identifier))
        return {"connection": conn.view()}

    def list_connections(
        self,
        maxResults: int | None = None,
        nextToken: str | None = None,
        state: str | None = None,
        environmentId: str | None = None,
        provider: dict[str, str] | None = None,
        attachPoint: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        if nextToken is None or self.region not in self._served_view:
            self._served_view[self.region] = self._list_view()
        items = [
            summary
            for summary in self._served_view[self.region]
            if (state is None or summary["state"] == state)
            and (environmentId is None or summary["environmentId"] == environmentId)
            and (provider is None or summary["provider"] == provider)
            and (attachPoint is None or summary["attachPoint"] == attachPoint)
        ]
        return self._paged("connections", items, maxResults, nextToken)

    def _list_view(self) -> list[dict[str, Any]]:
        """What a first-page ListConnections shows: this Region's connections as they are, or
        as they were ``list_lag`` calls ago; a connection still missing its first reads is left out."""
        current = []
        for conn in self._connections.values():
            if conn.region != self.region:
                continue
            if self._missing(conn):
                conn.misses.pop(0)
                self._changed()
                continue
            current.append(conn.summary())
        views = self._list_views.setdefault(self.region, [])
        views.append(current)
        del views[: -(self.variants.list_lag + 1)]
        served = views[0]
        if served != current:
            self._changed()  # the world has moved on: a later list will show it
        return served

    @idempotent("UpdateConnection")
    def update_connection(
        self,
        identifier: str,
        description: str | None = None,
        bandwidth: str | None = None,
    ) -> Connection:
        conn = self._connection_here(identifier)
        if conn.state in ("deleting", "deleted", "failed"):
            raise api_error(CLIENT, f"Connection {conn.id} is {conn.state} and cannot be updated")
        if bandwidth is not None and bandwidth != conn.bandwidth:
            self._resize(conn, bandwidth)
        if description is not None and description != conn.description:
            conn.description = description
            self._changed()
        return conn

    @idempotent("DeleteConnection")
    def delete_connection(self, identifier: str) -> Connection:
        conn = self._connection_here(identifier)
        if conn.state not in ("deleting", "deleted"):
            self._cancel(conn)
            self._set_state(conn, "deleting")
            self._after(conn, self.delete_seconds, {"deleting"}, "deleted")
        return conn

    def describe_connection_proposal(self, activationKey: str) -> dict[str, Any]:
        proposal = self._open_proposal(activationKey)
        env = proposal.environment
        return {
            "bandwidth": proposal.bandwidth,
            "environmentId": env.id,
            "provider": env.provider,
            "location": env.location,
        }

    @idempotent("AcceptConnectionProposal")
    def accept_connection_proposal(
        self,
        attachPoint: dict[str, str],
        activationKey: str,
        description: str | None = None,
        tags: dict[str, str] | None = None,
    ) -> Connection:
        proposal = self._open_proposal(activationKey)
        env = proposal.environment
        if env.state == "unavailable":
            raise api_error(VALIDATION, f"Environment {env.id} is unavailable")
        self._check_attach_point(attachPoint)
        self._check_tags(tags or {})
        self._check_quotas(env, outstanding_request=False)
        conn = self._new_connection(
            env, proposal.bandwidth, attachPoint, description, tags, None, "pending", key=proposal.key
        )
        proposal.accepted_by = conn.id
        conn.accepted = True
        self._after(conn, self.provisioning_seconds, {"pending"}, "available")
        return conn

    def tag_resource(self, arn: str, tags: dict[str, str]) -> dict[str, Any]:
        conn = self._connection_by_arn(arn)
        merged = {**conn.tags, **tags}
        self._check_tags(merged)
        conn.tags = merged
        self._changed()
        return {}

    def untag_resource(self, arn: str, tagKeys: list[str]) -> dict[str, Any]:
        conn = self._connection_by_arn(arn)
        for key in tagKeys:
            conn.tags.pop(key, None)
        self._changed()
        return {}

    def list_tags_for_resource(self, arn: str) -> dict[str, Any]:
        return {"tags": dict(self._connection_by_arn(arn).tags)}
