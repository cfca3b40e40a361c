"""Transports created from Google's side (icp_local.emulators.google_cloud): the profile's OUTPUT
key flow, where Google generates the activation key and the customer takes it to AWS
(``DescribeConnectionProposal``, ``AcceptConnectionProposal``). Sources in docs/conformance.md
("Google Cloud: transports created from Google's side").
"""

from __future__ import annotations

import itertools

from icp_local.emulators.google_cloud_model import (
    ID_PATTERN,
    NETWORK_PATH,
    GoogleApiError,
    TransportRecord,
    cidrs,
    network_path,
    transport_bandwidth,
)
from icp_local.emulators.partners import fingerprint

_NUMBERS = itertools.count(1)


class ProposingTransports:
    """Mixed into ``GoogleCloudEmulator``: what ``cloud.partner("google-cloud").propose(...)`` does."""

    def propose_transport(
        self,
        *,
        aws_region: str,
        location: str,
        bandwidth: str,
        project: str,
        network: str,
        cidrs: list[str],
        transport_id: str | None = None,
    ) -> str:
        """A transport created in ``projects/{project}/locations/{location}`` with ``bandwidth`` and
        the ``aws-{aws_region}`` remote profile and no key: Google generates one (its
        ``generated_activation_key``), offered to AWS as a connection proposal. The transport is
        ``PENDING_KEY`` until AWS accepts the proposal, then follows the AWS connection. Returns the key."""
        transport_id = transport_id or f"aws-proposal-{next(_NUMBERS)}"
        if not ID_PATTERN.match(transport_id):
            raise GoogleApiError("INVALID_ARGUMENT", f"transport_id {transport_id!r} is not a valid id")
        google_bandwidth = transport_bandwidth(bandwidth)
        if google_bandwidth == "BANDWIDTH_UNSPECIFIED":
            # v1beta: bandwidth "must be set when no activation key is being provided".
            raise GoogleApiError("INVALID_ARGUMENT", f"bandwidth {bandwidth!r} is not a transport bandwidth")
        advertised = cidrs_of(cidrs)
        network_name = network_path(
            network if "/" in network else f"projects/{project}/global/networks/{network}"
        )
        with self._lock:  # type: ignore[attr-defined]
            self._sweep()  # type: ignore[attr-defined]
            name = f"projects/{project}/locations/{location}/transports/{transport_id}"
            if name in self._transports:  # type: ignore[attr-defined]
                raise GoogleApiError("ALREADY_EXISTS", f"transport {name} already exists")
            # The AWS side learns of it as a proposal in the Region the remote profile names.
            key = self.interconnect.partner_propose(aws_region, "google-cloud", location, bandwidth)  # type: ignore[attr-defined]
            now = self.clock.time()  # type: ignore[attr-defined]
            self._transports[name] = TransportRecord(  # type: ignore[attr-defined]
                name=name,
                project=project,
                region=location,
                network=network_name,
                advertised_routes=advertised,
                bandwidth=google_bandwidth,
                description="created from Google Cloud",
                labels={},
                remote_profile=f"aws-{aws_region}",
                admin_enabled=True,
                peering_network=self._transport_network(project, location, transport_id),  # type: ignore[attr-defined]
                created_at=now,
                updated_at=now,
                ready_at=now + self.operation_seconds,  # type: ignore[attr-defined]
                key_fingerprint=fingerprint(key),
                key=key,
                generated=True,
            )
            customer = self._network(*NETWORK_PATH.search(network_name).groups())  # type: ignore[union-attr,attr-defined]
            customer.subnets += [cidr for cidr in advertised if cidr not in customer.subnets]
            self._changed()  # type: ignore[attr-defined]
        return key


def cidrs_of(values: list[str]) -> list[str]:
    return cidrs(values, "advertised_routes")
