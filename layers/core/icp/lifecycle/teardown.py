"""Taking a connection apart, shared by Clean Up (after a failure) and decommissioning.
Each step is idempotent and returns what it removed; only what this control plane created
is removed."""

from __future__ import annotations

from icp import store
from icp.aws import directconnect, interconnect
from icp.errors import CleanupPending
from icp.lifecycle.cloud_wan import attachment_in_the_way
from icp.lifecycle.create_connection import client_token
from icp.lifecycle.routing import withdraw_aws_side
from icp.models import ConnectionRecord
from icp.partners.registry import remote_side_for


def merge(done: list[str], more: list[str]) -> list[str]:
    return done + [item for item in more if item not in done]


def withdraw_routes(record: ConnectionRecord) -> list[str]:
    """The remote side (Google transport and peering, the partner's order) and the AWS side
    (routes toward the remote CIDRs, the DX gateway association)."""
    removed = []
    if record.remoteRefs and record.provider:
        removed += remote_side_for(record.provider).withdraw(record)
    return removed + withdraw_aws_side(record)


def delete_connection(record: ConnectionRecord, purpose: str) -> list[str]:
    if not (record.awsConnectionId and record.awsRegion):
        return []
    token = client_token(record.requestId, attempt=f"delete-{purpose}")
    state = interconnect.delete_connection(record.awsRegion, record.awsConnectionId, token)
    return [] if state is None else [f"connection {record.awsConnectionId}"]


def delete_created_gateway(record: ConnectionRecord) -> list[str]:
    """The DX gateway, if this connection created it and no other live connection uses it.

    Asked for only once no association holds it (all ``disassociated`` or gone), and claimed
    as removed only once AWS confirms it (gone, ``deleted``, or ``deleting`` with no
    association): AWS may accept the deletion of a gateway that still has associations, show
    ``deleting``, then bring it back to ``available``. CleanupPending (retried by the state
    machine) while an association is on its way out or the gateway survives."""
    gateway = record.directConnectGatewayId
    if not (record.gatewayCreated and gateway):
        return []
    if any(
        r.directConnectGatewayId == gateway and r.connectionId != record.connectionId for r in store.live()
    ):
        return []
    in_the_way = attachment_in_the_way(record)
    if in_the_way:
        raise CleanupPending(
            f"Direct Connect gateway {gateway} is deleted once its {in_the_way[0].lower()}{in_the_way[1:]} is gone"
        )
    held_by = directconnect.live_associations(gateway)
    if held_by:
        states = ", ".join(sorted({str(a.get("associationState")) for a in held_by}))
        raise CleanupPending(
            f"Direct Connect gateway {gateway} still has {len(held_by)} association(s) ({states}); "
            "it is deleted once they are disassociated"
        )
    if not directconnect.delete_gateway(gateway):
        return []
    survives = directconnect.gateway_survives(gateway)
    if survives:
        raise CleanupPending(f"{survives} after its deletion was asked for; not removed")
    return [f"Direct Connect gateway {gateway}"]
