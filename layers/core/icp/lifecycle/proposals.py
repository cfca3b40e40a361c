"""Proposals (README, "Proposals"): a request that carries an ``activationKey`` generated on the
partner's side (a Google Cloud transport, or a last-mile partner's portal) is accepted, not
created.

- ``resolve`` (Validate Request, and the API before it starts anything) describes the proposal
  and takes environment, bandwidth and location from it; a field the request also gives must
  match, else ProposalMismatch naming that field. For Google Cloud it also finds the transport
  that generated the key in ``remote.project`` and ``remoteLocation``, on ``remote.network``.
- ``accept_proposal`` (the Accept Proposal step, in place of Create Connection and Hand Off
  Activation Key) reads the key kept in Secrets Manager (``icp.proposal_keys``), accepts it with
  ``AcceptConnectionProposal`` (idempotent through a client token from the requestId), and
  deletes the key at once. For a last-mile partner it first puts the activation to the partner's
  order API under the new connection's sharedId (``PUT /v1/activations/{sharedId}``, idempotent:
  the order the portal made answers 200), so the routes, their verification and the withdrawal
  at decommissioning go through that order as for a connection AWS created.

The key is never stored on the record, logged, put in an event or returned to the workflow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from icp import proposal_keys, stack, store
from icp.aws import interconnect
from icp.errors import ProposalMismatch
from icp.lifecycle.create_connection import client_token, created_fields
from icp.lifecycle.transitions import move
from icp.models import ConnectionRequest, ConnectionType, RemoteMulticloud, Status
from icp.partners.registry import remote_side_for
from icp.providers import provider_name


@dataclass(frozen=True)
class Resolved:
    """A proposal's request with bandwidth and location filled in from the proposal, the
    environment it names, and what to keep on the record of the remote side."""

    request: ConnectionRequest
    environment_id: str
    remote_refs: dict[str, str] = field(default_factory=dict)

    def stored_request(self, raw: dict[str, Any]) -> dict[str, Any]:
        """What the record keeps of the request: ``raw`` without the key, with the proposal's
        bandwidth and location (so later steps read a whole request)."""
        kept = {k: v for k, v in raw.items() if k != "activationKey"}
        return kept | {"bandwidth": self.request.bandwidth, "remoteLocation": self.request.remoteLocation}


def _mismatch(name: str, given: str, proposed: str) -> ProposalMismatch:
    return ProposalMismatch(
        f"{name} {given!r} disagrees with the proposal's {proposed!r}", field=name, rule="matches-proposal"
    )


def resolve(request: ConnectionRequest) -> Resolved:
    """The request completed from its proposal, or ProposalMismatch naming the field."""
    if request.activationKey is None:
        raise ValueError("not a proposal")
    key = request.activationKey.get_secret_value()
    proposal = interconnect.describe_proposal(request.awsRegion, key)
    proposed_provider = provider_name(proposal)
    if proposed_provider != request.provider:
        raise _mismatch("provider", request.provider, proposed_provider)
    location, bandwidth = str(proposal.get("location", "")), str(proposal.get("bandwidth", ""))
    if request.remoteLocation is not None and request.remoteLocation.lower() != location.lower():
        raise _mismatch("remoteLocation", request.remoteLocation, location)
    if request.bandwidth is not None and request.bandwidth != bandwidth:
        raise _mismatch("bandwidth", request.bandwidth, bandwidth)
    completed = request.model_copy(update={"bandwidth": bandwidth, "remoteLocation": location})
    # A last-mile partner's order is found by the connection's sharedId once AWS accepts (accept_proposal).
    refs = _google_transport(completed, key) if request.type == ConnectionType.MULTICLOUD else {}
    return Resolved(completed, str(proposal.get("environmentId", "")), refs)


def _google_transport(request: ConnectionRequest, key: str) -> dict[str, str]:
    """The transport that generated ``key``, which must be in the request's project, location
    and network (its routes are set up there)."""
    from icp.partners.google_cloud import GoogleCloudSide  # the Google libraries load only when needed

    remote = request.remote
    if not isinstance(remote, RemoteMulticloud):  # resolve() takes multicloud requests only
        raise ValueError("a Google transport serves multicloud requests only")
    found = GoogleCloudSide().proposing_transport(remote.project, str(request.remoteLocation), key)
    if found is None:
        raise ProposalMismatch(
            f"no transport in projects/{remote.project}/locations/{request.remoteLocation} generated"
            " this activation key",
            field="activationKey",
            rule="generated-by-a-transport-of-remote.project",
        )
    name, network = found
    wanted = f"projects/{remote.project}/global/networks/{remote.network}"
    if network != wanted:
        raise _mismatch("remote.network", wanted, network)
    return {"googleProposalTransport": name, "googleTransport": name, "googleNetwork": network}


def accept_proposal(connection_id: str) -> dict[str, Any]:
    """Accept the proposal kept for ``connection_id``; the record moves to AWAITING_ACTIVATION,
    as after a hand-off, with the connection AWS made from it."""
    record = store.get(connection_id)
    if record.status != Status.GATEWAY_READY:
        proposal_keys.forget(connection_id)  # a retried step whose move landed: the key is spent
        return {"connectionId": connection_id}
    request = record.parsed_request
    key = proposal_keys.read(connection_id)
    if key is None:
        raise ProposalMismatch(
            f"connection {connection_id} has no activation key waiting (deleted before it was accepted)",
            field="activationKey",
            rule="kept-until-accepted",
        )
    connection = interconnect.accept_proposal(
        request.awsRegion,
        activation_key=key,
        gateway_id=record.require("directConnectGatewayId"),
        client_token=client_token(request.requestId, f"accept#{record.attempts}"),
        description=f"icp {connection_id}",
        tags=stack.tags(**{"icp:connectionId": connection_id, "icp:requestId": request.requestId}),
    )
    refs: dict[str, str] = {}
    if request.type == ConnectionType.LAST_MILE:
        accepted = record.model_copy(update=created_fields(connection))
        refs = remote_side_for(record.require("provider")).hand_off(accepted, key)
    del key
    move(
        connection_id,
        Status.AWAITING_ACTIVATION,
        f"proposal accepted: AWS connection {connection['id']} from {record.provider}'s activation key",
        # Accepted by definition: a `pending` read already means AWS is provisioning it.
        also=lambda r: (
            created_fields(connection) | {"awsRequestedSeen": True, "remoteRefs": {**r.remoteRefs, **refs}}
        ),
    )
    proposal_keys.forget(connection_id)
    return {"connectionId": connection_id, "awsConnectionId": connection["id"]}
