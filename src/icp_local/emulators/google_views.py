"""What the Google Cloud emulator shows of a transport (icp_local.emulators.google_cloud): its state and
learned prefixes, derived from the AWS side when asked for, and its long-running operations.
"""

from __future__ import annotations

from typing import Any

from icp_local.emulators.google_cloud_model import (
    AWS_TO_TRANSPORT_STATE,
    LINK_UP,
    GoogleCloudState,
    LongRunning,
    TransportRecord,
    cidrs,
    transport_bandwidth,
)


class TransportViews(GoogleCloudState):
    """Mixed into ``GoogleCloudEmulator``: transports and operations as the API returns them."""

    def advertised_over(self, aws_connection_id: str) -> list[str]:
        """The Google-side prefixes the ACTIVE transports on this AWS connection announce (what
        its Direct Connect gateway learns, e.g. for a Cloud WAN segment)."""
        with self._lock:
            return [
                prefix
                for transport in self._transports.values()
                if self._state(transport) == "ACTIVE"
                and (self._aws_connection(transport) or {}).get("id") == aws_connection_id
                for prefix in transport.advertised_routes
            ]

    def _gateway_allowed_prefixes(self, connection: dict[str, Any]) -> list[str]:
        """What AWS advertises over a connection: the allowed prefixes of the associations
        of the Direct Connect gateway it attaches to (through the interconnect emulator's
        Direct Connect emulator, when it has one)."""
        directconnect = getattr(self.interconnect, "directconnect", None)
        attach = connection.get("attachPoint") or {}
        gateway = attach.get("directConnectGateway") or str(attach.get("arn", "")).rpartition("/")[2]
        if directconnect is None or not gateway:
            return []
        return [
            prefix["cidr"]
            for association in directconnect.associations()
            if association.get("directConnectGatewayId") == gateway
            and association.get("associationState") == "associated"
            for prefix in association.get("allowedPrefixesToDirectConnectGateway", [])
        ]

    def _aws_connection(self, transport: TransportRecord) -> dict[str, Any] | None:
        return self.interconnect.find_by_activation_key(transport.key)

    def _state(self, transport: TransportRecord) -> str:
        if transport.deleting_until is not None:
            return "DELETING"
        if self.clock.time() < transport.ready_at:
            return "CREATING"
        connection = self._aws_connection(transport)
        if connection is None and transport.generated:
            return "PENDING_KEY"  # its generated key waits for AWS to accept it (nc-v1beta State)
        aws_state = connection.get("state") if connection else None
        return AWS_TO_TRANSPORT_STATE.get(str(aws_state), "DEPROVISIONED")

    def _learned_prefixes(self, transport: TransportRecord) -> list[str]:
        """What the transport's network has learned from AWS (while the link is up)."""
        if self._state(transport) != "ACTIVE":
            return []
        connection = self._aws_connection(transport)
        if not connection or connection.get("state") not in LINK_UP:
            return []
        return cidrs(self._aws_prefixes(connection), "AWS prefixes")

    def _transport_view(self, transport: TransportRecord) -> dict[str, Any]:
        state = self._state(transport)
        connection = self._aws_connection(transport)
        if connection is not None:  # the bandwidth follows the AWS connection (a resize, say)
            bandwidth = transport_bandwidth(connection.get("bandwidth"))
            if bandwidth != transport.bandwidth:
                transport.bandwidth = bandwidth
                self._changed()
        return {
            "name": transport.name,
            "create_time": transport.created_at,
            "update_time": transport.updated_at,
            "labels": dict(transport.labels),
            "description": transport.description,
            "remote_profile": transport.remote_profile,
            "bandwidth": transport.bandwidth,
            "stack_type": "IPV4_ONLY",
            "state": state,
            "mtu_limit": self.mtu_limit,
            "admin_enabled": transport.admin_enabled,
            "network": transport.network,
            "advertised_routes": list(transport.advertised_routes),
            "peering_network": transport.peering_network,
            # Output only, and only for a transport created from Google's side (nc-v1beta).
            "generated_activation_key": transport.key if transport.generated else "",
        }

    def _operation_view(self, operation: LongRunning) -> dict[str, Any]:
        if not operation.done and self.clock.time() >= operation.done_at:
            operation.done = True
            transport = self._transports.get(operation.target)
            if not operation.empty_response and transport is not None:
                operation.response = self._transport_view(transport)
            self._changed()
        return {
            "name": operation.name,
            "verb": operation.verb,
            "target": operation.target,
            "create_time": operation.started_at,
            "end_time": operation.done_at if operation.done else None,
            "done": operation.done,
            "empty_response": operation.empty_response,
            "response": operation.response,
        }
