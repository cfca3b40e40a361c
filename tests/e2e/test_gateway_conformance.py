"""Direct Connect gateways and associations behaving as public evidence says (docs/conformance.md),
through the whole provisioning workflow in the local cloud: a new gateway is pending before it
is available, an association can fail to ``disassociated`` with a ``stateChangeError``, and a
gateway with associations may be refused deletion or accepted then brought back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from icp_local import LocalCloud
from icp_local.scenario import Network, request_for
from icp_local.variants import DEFAULT, Variants

REQUESTED = "Interconnect Connection Requested"
SOURCE = "com.example.network"
REASON = "The transit gateway has reached its limit of Direct Connect gateway associations"
ACCEPT_THEN_REVERT = Variants(gateway_delete="accept-then-revert")


def submit(cloud: LocalCloud, request: dict[str, Any]) -> None:
    cloud.put_event(SOURCE, REQUESTED, request)


def task_errors(cloud: LocalCloud, state: str) -> list[str]:
    """The errors the tasks of ``state`` failed with, in order (retries included)."""
    (execution,) = cloud.executions()
    errors, current = [], None
    for event in execution["history"]:
        if event["type"].endswith("StateEntered"):
            current = event["stateEnteredEventDetails"]["name"]
        elif event["type"] == "TaskFailed" and current == state:
            errors.append(event["taskFailedEventDetails"]["error"])
    return errors


def execution_error(cloud: LocalCloud) -> str | None:
    (execution,) = cloud.executions()
    # its own end, not that of a child workflow whose history is spliced in
    failed = [
        e
        for e in execution["history"]
        if e["type"] == "ExecutionFailed" and e["executionArn"] == execution["executionArn"]
    ]
    return str(failed[0]["executionFailedEventDetails"]["error"]) if failed else None


def live_associations(cloud: LocalCloud) -> list[dict[str, Any]]:
    return [a for a in cloud.directconnect.associations() if a["associationState"] != "disassociated"]


@pytest.fixture(params=[DEFAULT, ACCEPT_THEN_REVERT], ids=["refuse", "accept-then-revert"])
def cloud(request: pytest.FixtureRequest) -> Iterator[LocalCloud]:
    with LocalCloud(variants=request.param) as cloud:
        assert cloud.directconnect.variants == request.param
        yield cloud


# -- a new gateway is pending first ----------------------------------------------------------------


def test_a_created_gateway_is_waited_for_while_pending_and_the_connection_reaches_active(
    local_cloud: LocalCloud, tgw: Network
):
    request = request_for("multicloud-request", tgw)
    submit(local_cloud, request)
    local_cloud.run_until_idle()

    record = local_cloud.connection(request["requestId"])
    assert record["status"] == "ACTIVE", record["statusReason"]
    assert record["gatewayCreated"] is True
    retried = task_errors(local_cloud, "Ensure Gateway")
    assert retried and set(retried) == {"GatewayNotReady"}, retried
    (gateway,) = local_cloud.directconnect.gateways()
    assert gateway["directConnectGatewayState"] == "available"
    assert gateway["directConnectGatewayId"] == record["directConnectGatewayId"]


def test_a_request_naming_a_pending_gateway_waits_for_it_to_be_available(
    local_cloud: LocalCloud, vgw: Network
):
    (gateway,) = local_cloud.directconnect.gateways()
    assert gateway["directConnectGatewayState"] == "pending"
    request = request_for("last-mile-request", vgw)
    submit(local_cloud, request)
    local_cloud.run_until_idle()

    record = local_cloud.connection(request["requestId"])
    assert record["status"] == "ACTIVE", record["statusReason"]
    assert record["directConnectGatewayId"] == vgw.dx_gateway_id and record["gatewayCreated"] is False
    assert "GatewayNotReady" in task_errors(local_cloud, "Ensure Gateway")


# -- an association that fails ---------------------------------------------------------------------


def test_a_failed_association_fails_the_provisioning_naming_its_error_and_clean_up_completes(
    local_cloud: LocalCloud, tgw: Network
):
    local_cloud.directconnect.fail_next_association(REASON)
    request = request_for("multicloud-request", tgw)
    submit(local_cloud, request)
    local_cloud.run_until_idle()

    record = local_cloud.connection(request["requestId"])
    assert record["status"] == "FAILED"
    assert record["statusReason"].startswith("AssociationFailed: ")
    assert REASON in record["statusReason"]
    assert execution_error(local_cloud) == "ProvisioningFailed", "Clean Up completed"
    assert f"connection {record['awsConnectionId']}" in record["cleanedUp"]
    assert f"Direct Connect gateway {record['directConnectGatewayId']}" in record["cleanedUp"]
    assert not any(item.startswith("association") for item in record["cleanedUp"]), "it was never associated"
    assert local_cloud.interconnect.live_resources() == []
    assert local_cloud.directconnect.gateways() == [], "the gateway it created is gone"
    assert local_cloud.google.resources() == []


def test_a_failed_association_on_an_existing_gateway_fails_the_provisioning_and_keeps_the_gateway(
    local_cloud: LocalCloud, vgw: Network
):
    local_cloud.directconnect.fail_next_association(REASON)
    request = request_for("last-mile-request", vgw)
    submit(local_cloud, request)
    local_cloud.run_until_idle()

    record = local_cloud.connection(request["requestId"])
    assert record["status"] == "FAILED"
    assert record["statusReason"].startswith("AssociationFailed: ") and REASON in record["statusReason"]
    assert execution_error(local_cloud) == "ProvisioningFailed"
    assert live_associations(local_cloud) == []
    assert local_cloud.interconnect.live_resources() == []
    assert [g["directConnectGatewayId"] for g in local_cloud.directconnect.gateways()] == [vgw.dx_gateway_id]
    assert not any("Direct Connect gateway" in item for item in record["cleanedUp"])


# -- deleting a gateway that another association holds, under both readings -------------------------


@pytest.mark.own_readings
def test_clean_up_claims_the_created_gateway_only_once_it_is_really_deleted(cloud: LocalCloud, tgw: Network):
    """Another team associates its transit gateway with the gateway the control plane created.
    Clean Up does not ask for the gateway's deletion while that association holds it (AWS would
    refuse, or accept then bring the gateway back), never reports it removed meanwhile, and
    deletes it once the association is gone."""
    foreign: dict[str, str] = {}

    def associate_foreign_gateway(event: dict[str, Any]) -> None:
        detail = event.get("detail")
        detail = json.loads(detail) if isinstance(detail, str) else detail or {}
        if detail.get("to") == "GATEWAY_READY" and not foreign:
            status, body = cloud.directconnect.handle(
                "CreateDirectConnectGatewayAssociation",
                {
                    "directConnectGatewayId": detail.get("directConnectGatewayId") or _gateway_id(cloud),
                    "gatewayId": "tgw-0aaaaaaaaaaaaaaaa",
                    "addAllowedPrefixesToDirectConnectGateway": [{"cidr": "10.99.0.0/16"}],
                },
            )
            assert status == 200, body
            foreign["id"] = body["directConnectGatewayAssociation"]["associationId"]
            cloud.directconnect.fail_next_association(REASON)  # the control plane's own association fails

    cloud.on_event(associate_foreign_gateway)
    request = request_for("multicloud-request", tgw)
    submit(cloud, request)
    for _ in range(100):  # until Clean Up has run once and is being retried
        cloud.advance(300)
        record = cloud.connection(request["requestId"])
        if any(item.startswith("connection ") for item in record["cleanedUp"]):
            break
    else:
        pytest.fail(f"Clean Up never ran: {record['status']} {record['statusReason']}")
    assert foreign, "the other team's association was made"

    record = cloud.connection(request["requestId"])
    gateway_id = record["directConnectGatewayId"]
    assert record["status"] != "FAILED", "Clean Up waits while the gateway is held"
    assert f"Direct Connect gateway {gateway_id}" not in record["cleanedUp"]
    assert [g["directConnectGatewayState"] for g in cloud.directconnect.gateways()] == ["available"]
    assert cloud.directconnect.calls["DeleteDirectConnectGateway"] == 0, "no deletion asked while held"
    assert "CleanupPending" in task_errors(cloud, "Clean Up")

    cloud.directconnect.handle("DeleteDirectConnectGatewayAssociation", {"associationId": foreign["id"]})
    cloud.run_until_idle()

    record = cloud.connection(request["requestId"])
    assert record["status"] == "FAILED" and REASON in record["statusReason"]
    assert f"Direct Connect gateway {gateway_id}" in record["cleanedUp"]
    assert execution_error(cloud) == "ProvisioningFailed"
    assert cloud.directconnect.gateways() == [], "claimed, and really gone"


def _gateway_id(cloud: LocalCloud) -> str:
    (gateway,) = cloud.directconnect.gateways()
    return str(gateway["directConnectGatewayId"])
