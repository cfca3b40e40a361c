"""Direct Connect gateways and their associations (with allowed prefixes). A transit or virtual
private gateway of another account is associated by proposal: its owner proposes (through the
spoke role, ``clients.client_in``), the Direct Connect gateway's owner accepts (README "Other
accounts")."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from icp import stack
from icp.aws.clients import call, client, client_in, error_code, pages
from icp.errors import AssociationFailed, AwsServiceError, CleanupPending, GatewayNotManaged, UnknownGateway

# Direct Connect gateways are global; the API is reached through any Region.
_REGION = "us-east-1"


def _client() -> Any:
    return client("directconnect", _REGION)


def _fail(exc: ClientError, what: str) -> AwsServiceError:
    return AwsServiceError(f"{what} failed with {error_code(exc)}: {_message(exc)}")


def get_gateway(gateway_id: str) -> dict[str, Any]:
    try:
        found = call(_client().describe_direct_connect_gateways, directConnectGatewayId=gateway_id)
    except ClientError as exc:
        if error_code(exc) == "DirectConnectClientException":
            raise UnknownGateway(
                f"Direct Connect gateway {gateway_id} does not exist",
                field="attachPoint.directConnectGatewayId",
                rule="exists",
            ) from exc
        raise _fail(exc, "DescribeDirectConnectGateways") from exc
    gateways = [
        g for g in found.get("directConnectGateways", []) if g.get("directConnectGatewayState") != "deleted"
    ]
    if not gateways:
        raise UnknownGateway(
            f"Direct Connect gateway {gateway_id} does not exist",
            field="attachPoint.directConnectGatewayId",
            rule="exists",
        )
    return gateways[0]


def find_gateway_by_name(name: str) -> dict[str, Any] | None:
    """A live gateway of that name that this stack created (tagged ``icp:managedBy``): another's
    gateway of the same name is never taken for ours."""
    try:
        for page in pages(_client().describe_direct_connect_gateways):
            for gateway in page.get("directConnectGateways", []):
                if (
                    gateway.get("directConnectGatewayName") == name
                    and gateway.get("directConnectGatewayState") in ("pending", "available")
                    and stack.is_managed(gateway.get("tags"))
                ):
                    return gateway
    except ClientError as exc:
        raise _fail(exc, "DescribeDirectConnectGateways") from exc
    return None


def create_gateway(name: str, amazon_side_asn: int) -> dict[str, Any]:
    try:
        return call(
            _client().create_direct_connect_gateway,
            directConnectGatewayName=name,
            amazonSideAsn=amazon_side_asn,
            # Tagged at creation: only a gateway carrying this stack's tag may be deleted (template.yaml).
            tags=stack.tag_list(),
        )["directConnectGateway"]
    except ClientError as exc:
        raise _fail(exc, "CreateDirectConnectGateway") from exc


def delete_gateway(gateway_id: str) -> bool:
    """Ask AWS to delete a gateway. False when it is already gone; CleanupPending when AWS
    refuses because it still has associations. True means only that AWS accepted the request:
    AWS may accept it with associations left, show ``deleting``, then bring the gateway back
    (terraform-provider-aws PR #10214), so confirm with ``gateway_survives`` afterwards.
    GatewayNotManaged when IAM refuses: the gateway lacks this stack's ``icp:managedBy`` tag."""
    try:
        call(_client().delete_direct_connect_gateway, directConnectGatewayId=gateway_id)
    except ClientError as exc:
        if _is_not_found(exc):
            return False
        if error_code(exc) in ("AccessDeniedException", "AccessDenied"):
            raise GatewayNotManaged(
                f"Direct Connect gateway {gateway_id} kept: it is not tagged {stack.MANAGED_BY}={stack.name()}, "
                "so this stack may not delete it (tag it and decommission again, or delete it by hand)"
            ) from exc
        if "association" in _message(exc).lower():
            raise CleanupPending(f"gateway {gateway_id} still has associations") from exc
        raise _fail(exc, "DeleteDirectConnectGateway") from exc
    return True


def gateway_survives(gateway_id: str) -> str | None:
    """Why a gateway asked to be deleted is still there, or None when it is gone or on its way
    out: not found, ``deleted``, or ``deleting`` with no association left (``deleting`` with
    associations is the state AWS later reverts to ``available``)."""
    try:
        found = call(_client().describe_direct_connect_gateways, directConnectGatewayId=gateway_id)
    except ClientError as exc:
        if _is_not_found(exc):
            return None
        if error_code(exc) == "DirectConnectClientException":  # not known to be gone: do not claim it
            return f"Direct Connect gateway {gateway_id} could not be confirmed deleted: {_message(exc)}"
        raise _fail(exc, "DescribeDirectConnectGateways") from exc
    states = [g.get("directConnectGatewayState") for g in found.get("directConnectGateways", [])]
    if not states or states[0] == "deleted":
        return None
    live = live_associations(gateway_id)
    if states[0] == "deleting" and not live:
        return None
    held = f" with {len(live)} association(s) still there" if live else ""
    return f"Direct Connect gateway {gateway_id} is {states[0]}{held}"


def _associations(
    gateway_id: str, associated_gateway_id: str | None = None, gone_ok: bool = False
) -> list[dict[str, Any]]:
    """Every association of the gateway (with ``associated_gateway_id``, if given), in any
    state; with ``gone_ok``, none when the gateway itself is gone."""
    params: dict[str, Any] = {"directConnectGatewayId": gateway_id}
    if associated_gateway_id is not None:
        params["associatedGatewayId"] = associated_gateway_id
    try:
        return [
            a
            for page in pages(_client().describe_direct_connect_gateway_associations, **params)
            for a in page.get("directConnectGatewayAssociations", [])
        ]
    except ClientError as exc:
        if gone_ok and _is_not_found(exc):
            return []
        raise _fail(exc, "DescribeDirectConnectGatewayAssociations") from exc


def live_associations(gateway_id: str) -> list[dict[str, Any]]:
    """The gateway's associations that still hold it: all but ``disassociated`` ones (none when
    the gateway is gone)."""
    return [
        a for a in _associations(gateway_id, gone_ok=True) if a.get("associationState") != "disassociated"
    ]


def _live_association(gateway_id: str, associated_gateway_id: str) -> dict[str, Any] | None:
    live = [
        a
        for a in _associations(gateway_id, associated_gateway_id, gone_ok=True)
        if a.get("associationState") != "disassociated"
    ]
    return live[0] if live else None


def association(gateway_id: str, associated_gateway_id: str) -> dict[str, Any] | None:
    """The association of the two gateways that is not ``disassociated``, or None. When there is
    none and one ended ``disassociated`` with a ``stateChangeError`` (the associate failed),
    AssociationFailed with that error: waiting longer will not make it ``associated``."""
    found = _associations(gateway_id, associated_gateway_id)
    live = [a for a in found if a.get("associationState") != "disassociated"]
    if live:
        return live[0]
    failed = [a for a in found if a.get("stateChangeError")]
    if failed:
        error = " ".join(str(failed[-1]["stateChangeError"]).split())[:300]
        raise AssociationFailed(
            f"association of Direct Connect gateway {gateway_id} with {associated_gateway_id} failed "
            f"({failed[-1].get('associationId', '?')} is disassociated): {error}"
        )
    return None


def ensure_association(
    gateway_id: str, associated_gateway_id: str, prefixes: list[str], account: str | None = None
) -> dict[str, Any]:
    """Associate the DX gateway with a transit or virtual private gateway, advertising
    ``prefixes`` to the remote side. Adds missing prefixes to an existing association.
    AssociationFailed when the association AWS was asked for ended disassociated with an error
    (rather than asking again and again). With ``account`` (the owner of the associated
    gateway, another account), by a proposal that account makes and this one accepts."""
    existing = association(gateway_id, associated_gateway_id)
    if account is not None:
        return _by_proposal(gateway_id, associated_gateway_id, prefixes, account, existing)
    try:
        if existing is None:
            return call(
                _client().create_direct_connect_gateway_association,
                directConnectGatewayId=gateway_id,
                gatewayId=associated_gateway_id,
                addAllowedPrefixesToDirectConnectGateway=[{"cidr": p} for p in prefixes],
            )["directConnectGatewayAssociation"]
        have = {p["cidr"] for p in existing.get("allowedPrefixesToDirectConnectGateway", [])}
        missing = [p for p in prefixes if p not in have]
        if not missing:
            return existing
        return call(
            _client().update_direct_connect_gateway_association,
            associationId=existing["associationId"],
            addAllowedPrefixesToDirectConnectGateway=[{"cidr": p} for p in missing],
        )["directConnectGatewayAssociation"]
    except ClientError as exc:
        raise _fail(exc, "Associate Direct Connect gateway") from exc


def _by_proposal(
    gateway_id: str,
    associated_gateway_id: str,
    prefixes: list[str],
    account: str,
    existing: dict[str, Any] | None,
) -> dict[str, Any]:
    """The association made (or its prefixes added) by a proposal of ``account``, accepted here."""
    have = {p["cidr"] for p in (existing or {}).get("allowedPrefixesToDirectConnectGateway", [])}
    missing = [p for p in prefixes if p not in have]
    if existing is not None and not missing:
        return existing
    spoke = client_in("directconnect", _REGION, account)
    try:
        # A proposal left open by an attempt that failed after making it is accepted, not repeated.
        proposal = next(iter(_open_proposals(gateway_id, associated_gateway_id, account)), None)
        if proposal is None:
            proposal = call(
                spoke.create_direct_connect_gateway_association_proposal,
                directConnectGatewayId=gateway_id,
                directConnectGatewayOwnerAccount=get_gateway(gateway_id)["ownerAccount"],
                gatewayId=associated_gateway_id,
                addAllowedPrefixesToDirectConnectGateway=[{"cidr": p} for p in missing],
            )["directConnectGatewayAssociationProposal"]
        return call(
            _client().accept_direct_connect_gateway_association_proposal,
            directConnectGatewayId=gateway_id,
            proposalId=proposal["proposalId"],
            associatedGatewayOwnerAccount=account,
            overrideAllowedPrefixesToDirectConnectGateway=[{"cidr": p} for p in sorted(have | set(prefixes))],
        )["directConnectGatewayAssociation"]
    except ClientError as exc:
        raise _fail(exc, f"Associate Direct Connect gateway by proposal of account {account}") from exc


def _open_proposals(gateway_id: str, associated_gateway_id: str, account: str) -> list[dict[str, Any]]:
    """The ``requested`` proposals of ``account`` to associate the two gateways."""
    spoke = client_in("directconnect", _REGION, account)
    return [
        p
        for page in pages(
            spoke.describe_direct_connect_gateway_association_proposals,
            directConnectGatewayId=gateway_id,
            associatedGatewayId=associated_gateway_id,
        )
        for p in page.get("directConnectGatewayAssociationProposals", [])
        if p.get("proposalState") == "requested"
        and p.get("associatedGateway", {}).get("ownerAccount") == account
    ]


def delete_open_proposals(gateway_id: str, associated_gateway_id: str, account: str) -> list[str]:
    """Withdraw the proposals ``account`` left ``requested`` (nothing is left behind in it)."""
    spoke = client_in("directconnect", _REGION, account)
    removed = []
    try:
        for proposal in _open_proposals(gateway_id, associated_gateway_id, account):
            call(spoke.delete_direct_connect_gateway_association_proposal, proposalId=proposal["proposalId"])
            removed.append(f"association proposal {proposal['proposalId']} in account {account}")
    except ClientError as exc:
        raise _fail(exc, "DeleteDirectConnectGatewayAssociationProposal") from exc
    return removed


def delete_association(gateway_id: str, associated_gateway_id: str) -> bool:
    """Ask for the association to go. False when there is none left to delete (a
    ``disassociated`` one, failed or not, is gone already)."""
    existing = _live_association(gateway_id, associated_gateway_id)
    if existing is None:
        return False
    if existing.get("associationState") == "disassociating":
        return True
    try:
        call(_client().delete_direct_connect_gateway_association, associationId=existing["associationId"])
    except ClientError as exc:
        if _is_not_found(exc):
            return False
        raise _fail(exc, "DeleteDirectConnectGatewayAssociation") from exc
    return True


def _message(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Message", ""))


def _is_not_found(exc: ClientError) -> bool:
    message = _message(exc).lower()
    return "does not exist" in message or "not found" in message
