"""The AWS Interconnect emulator's rules (icp_local.emulators.interconnect): which environment, bandwidth,
attach point, tags and quotas a request may use. Each has a row in docs/conformance.md.
"""

from __future__ import annotations

from icp_local.emulators.interconnect_model import (
    CLIENT,
    LIVE_STATES,
    MAX_TAGS,
    NOT_FOUND,
    QUOTA,
    READ_AFTER_CREATE_WINDOW,
    VALIDATION,
    Connection,
    Environment,
    Proposal,
    api_error,
)
from icp_local.emulators.interconnect_records import ConnectionRecords


class InterconnectRules(ConnectionRecords):
    """Mixed into ``InterconnectEmulator``: the checks an operation makes before it writes (and the
    state changes of ``ConnectionRecords`` that a resize or a proposal makes)."""

    # ======================================================================================
    # Rules
    # ======================================================================================
    def _environment_here(self, environment_id: str) -> Environment:
        env = self._environments.get(environment_id)
        if env is None or env.region != self.region:
            raise api_error(NOT_FOUND, f"Environment {environment_id} was not found in {self.region}")
        return env

    def _environment_for_new_connection(self, environment_id: str) -> Environment:
        env = self._environments.get(environment_id)
        if env is None:
            raise api_error(NOT_FOUND, f"Environment {environment_id} was not found")
        if env.region != self.region:
            raise api_error(
                VALIDATION, f"Environment {environment_id} is offered in {env.region}, not {self.region}"
            )
        if env.state == "unavailable":
            raise api_error(VALIDATION, f"Environment {environment_id} is unavailable")
        return env

    @staticmethod
    def _check_bandwidth(env: Environment, bandwidth: str) -> None:
        if bandwidth not in env.available:
            raise api_error(
                VALIDATION,
                f"Bandwidth {bandwidth} is not available in environment {env.id}; "
                f"available: {', '.join(env.available)}",
            )

    def _check_attach_point(self, attach_point: dict[str, str]) -> None:
        gateway_id = attach_point.get("directConnectGateway")
        if gateway_id is None:
            raise api_error(VALIDATION, "Only a directConnectGateway attach point is supported")
        if not self.directconnect.gateway_exists(gateway_id):
            raise api_error(VALIDATION, f"Direct Connect gateway {gateway_id} does not exist")

    @staticmethod
    def _remote_account(env: Environment, remote: dict[str, str] | None) -> str | None:
        identifier = (remote or {}).get("identifier")
        if identifier is None:
            raise api_error(VALIDATION, "remoteAccount is required when a connection is created from AWS")
        if env.remote_identifier_type == "email" and "@" not in identifier:
            raise api_error(VALIDATION, f"remoteAccount for environment {env.id} must be an email address")
        return identifier

    @staticmethod
    def _check_tags(tags: dict[str, str]) -> None:
        if len(tags) > MAX_TAGS:
            raise api_error(VALIDATION, f"A connection can have at most {MAX_TAGS} tags")
        if any(key.lower().startswith("aws:") for key in tags):
            raise api_error(VALIDATION, "Tag keys starting with 'aws:' are reserved")

    def _check_quotas(self, env: Environment, *, outstanding_request: bool) -> None:
        # Per Region (the quotas page: "Region-specific unless noted"), or per account over every
        # Region (its rows say "per account"): a variant (docs/conformance.md, "Quotas").
        live = [
            c
            for c in self._connections.values()
            if c.state in LIVE_STATES and (self.variants.quota_scope == "account" or c.region == self.region)
        ]
        if len(live) >= self.max_connections:
            raise api_error(QUOTA, f"Quota of {self.max_connections} connections {self._quota_scope} reached")
        # Outstanding: not yet accepted by the partner (in pending-first, also those still being
        # prepared before they show `requested`).
        requested = sum(1 for c in live if c.state in ("requested", "pending") and not c.accepted)
        if outstanding_request and requested >= self.max_requested:
            raise api_error(QUOTA, f"Quota of {self.max_requested} outstanding requested connections reached")
        same_provider = sum(
            1 for c in live if c.environment.type == env.type and c.environment.provider == env.provider
        )
        limit = self.max_per_provider[env.type]
        if same_provider >= limit:
            raise api_error(QUOTA, f"Quota of {limit} {env.type} connections to {env.provider_name} reached")

    def _missing(self, conn: Connection) -> bool:
        """Whether this read misses ``conn``: read-after-create lag lasts a few reads, and only
        while the connection is new."""
        if conn.misses and self.clock.time() - conn.created_at > READ_AFTER_CREATE_WINDOW:
            conn.misses.clear()
        return bool(conn.misses)

    @property
    def _quota_scope(self) -> str:
        return "per account" if self.variants.quota_scope == "account" else f"per account in {self.region}"

    def _resize(self, conn: Connection, bandwidth: str) -> None:
        if conn.state != "available":
            raise api_error(
                CLIENT, f"Connection {conn.id} is {conn.state}; bandwidth can change only when available"
            )
        self._check_bandwidth(conn.environment, bandwidth)
        conn.bandwidth = bandwidth
        self._set_state(conn, "updating")
        self._after(conn, self.update_seconds, {"updating"}, "available")

    def _open_proposal(self, key: str) -> Proposal:
        proposal = self._proposals.get(key)
        # Never echo the key: it is a secret.
        if proposal is not None and proposal.region == self.region and proposal.accepted_by is not None:
            # A used key: either error, as the variant plays it (docs/conformance.md, "Proposals").
            raise api_error(self.variants.used_proposal_error, "The connection proposal was already accepted")
        if proposal is None or proposal.region != self.region:
            raise api_error(NOT_FOUND, "No open connection proposal matches the activation key")
        return proposal
