"""Transit gateway attachments for Direct Connect gateways, which moto cannot make
(docs/conformance.md): AWS gives a transit gateway an attachment for each DX gateway associated
with it; the local cloud makes it when the DX emulator reports the association."""

from __future__ import annotations

from icp_local.emulators.directconnect import DirectConnectEmulator
from icp_local.template import ACCOUNT_ID


def sync_transit_gateway_attachments(region: str, directconnect: DirectConnectEmulator) -> None:
    # Imported here, not at load: moto's EC2 models take over a second to import, and
    # `import icp_local` (every pytest run loads its plugin) must not pay for it.
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.transit_gateway_attachments import TransitGatewayAttachment

    associations = directconnect.associations()
    # The attachment is made in the account that owns the transit gateway (another account's,
    # for an association made by accepting its proposal).
    accounts = {ACCOUNT_ID} | {a["associatedGateway"].get("ownerAccount") or ACCOUNT_ID for a in associations}
    for account in sorted(accounts):
        backend = ec2_backends[account][region]
        wanted = {
            (a["directConnectGatewayId"], a["associatedGateway"]["id"])
            for a in associations
            if a.get("associationState") == "associated"
            and a["associatedGateway"]["id"].startswith("tgw-")
            and (a["associatedGateway"].get("ownerAccount") or ACCOUNT_ID) == account
        }
        existing = {
            (a.resource_id, a.transit_gateway_id): a
            for a in backend.transit_gateway_attachments.values()
            if a.resource_type == "direct-connect-gateway"
        }
        for dx_id, tgw_id in wanted - set(existing):
            tgw = backend.transit_gateways.get(tgw_id)
            if tgw is not None:
                attachment = TransitGatewayAttachment(
                    backend, resource_id=dx_id, resource_type="direct-connect-gateway", transit_gateway=tgw
                )
                backend.transit_gateway_attachments[attachment.id] = attachment
        for key in set(existing) - wanted:
            del backend.transit_gateway_attachments[existing[key].id]
