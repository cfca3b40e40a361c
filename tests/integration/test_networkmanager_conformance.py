"""Cloud WAN's Direct Connect gateway attachments as public evidence describes them
(docs/conformance.md, "Cloud WAN"), through boto3 and botocore's model: states and their order,
the attachment policies' placement, acceptance under both readings, deletion, client tokens,
errors, and segment routes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from icp_local.clock import SimClock
from icp_local.emulators.networkmanager import NetworkManagerEmulator
from icp_local.emulators.networkmanager_model import CREATE_SECONDS, DELETE_SECONDS, NETWORK_UPDATE_SECONDS
from icp_local.variants import DEFAULT, Variants

GATEWAY = "0f3a1b2c-4d5e-6f70-8192-a3b4c5d6e7f8"
GATEWAY_ARN = f"arn:aws:directconnect::123456789012:dx-gateway/{GATEWAY}"
LEARNED = ["10.140.0.0/16"]
POLICY: dict[str, Any] = {
    "version": "2021.12",
    "core-network-configuration": {
        "asn-ranges": ["64512-64555"],
        "edge-locations": [{"location": "us-east-1"}],
    },
    "segments": [{"name": "prod"}, {"name": "gated", "require-attachment-acceptance": True}],
    "attachment-policies": [
        {
            "rule-number": 200,
            "conditions": [{"type": "tag-value", "operator": "equals", "key": "segment", "value": "gated"}],
            "action": {"association-method": "constant", "segment": "gated"},
        },
        {
            "rule-number": 100,
            "condition-logic": "and",
            "conditions": [{"type": "tag-value", "operator": "equals", "key": "segment", "value": "prod"}],
            "action": {"association-method": "constant", "segment": "prod"},
        },
    ],
}


def _emulator(clock: SimClock, variants: Variants = DEFAULT) -> NetworkManagerEmulator:
    return NetworkManagerEmulator(clock, lambda g: g == GATEWAY, lambda g: LEARNED, variants=variants)


@pytest.fixture
def emulator(moto_aws: None, clock: SimClock) -> Iterator[NetworkManagerEmulator]:
    with _emulator(clock) as emulator:
        yield emulator


@pytest.fixture
def nm(emulator: NetworkManagerEmulator) -> Any:
    return boto3.session.Session().client("networkmanager", region_name="us-west-2")


def _attach(
    nm: Any, core: str, segment: str = "prod", token: str = "t-1", gateway: str = GATEWAY_ARN
) -> dict:
    return dict(
        nm.create_direct_connect_gateway_attachment(
            CoreNetworkId=core,
            DirectConnectGatewayArn=gateway,
            EdgeLocations=["us-east-1"],
            Tags=[{"Key": "segment", "Value": segment}],
            ClientToken=token,
        )["DirectConnectGatewayAttachment"]["Attachment"]
    )


def _state(nm: Any, attachment_id: str) -> str:
    found = nm.get_direct_connect_gateway_attachment(AttachmentId=attachment_id)
    return str(found["DirectConnectGatewayAttachment"]["Attachment"]["State"])


def test_an_attachment_is_creating_then_pending_network_update_then_available_in_its_segment(
    nm: Any, emulator: NetworkManagerEmulator, clock: SimClock
):
    core = emulator.add_core_network(POLICY)
    attachment = _attach(nm, core)
    assert (attachment["State"], attachment["AttachmentType"]) == ("CREATING", "DIRECT_CONNECT_GATEWAY")
    assert attachment["AttachmentId"].startswith("attachment-") and core.startswith("core-network-")
    clock.advance(CREATE_SECONDS)
    assert _state(nm, attachment["AttachmentId"]) == "PENDING_NETWORK_UPDATE"
    clock.advance(NETWORK_UPDATE_SECONDS)
    found = nm.get_direct_connect_gateway_attachment(AttachmentId=attachment["AttachmentId"])
    assert found["DirectConnectGatewayAttachment"]["Attachment"]["SegmentName"] == "prod"
    assert found["DirectConnectGatewayAttachment"]["DirectConnectGatewayArn"] == GATEWAY_ARN
    assert _attach(nm, core)["AttachmentId"] == attachment["AttachmentId"], (
        "same client token, same attachment"
    )


def test_a_segment_requiring_acceptance_holds_it_until_accepted_or_rejected(
    nm: Any, emulator: NetworkManagerEmulator, clock: SimClock
):
    core = emulator.add_core_network(POLICY)
    accepted, rejected = _attach(nm, core, "gated", "a"), _attach(nm, core, "gated", "b")
    clock.advance(CREATE_SECONDS)
    assert _state(nm, accepted["AttachmentId"]) == "PENDING_ATTACHMENT_ACCEPTANCE"
    with pytest.raises(ClientError) as refused:
        nm.delete_attachment(AttachmentId=rejected["AttachmentId"])
    assert refused.value.response["Error"]["Code"] == "ConflictException"
    nm.accept_attachment(AttachmentId=accepted["AttachmentId"])
    nm.reject_attachment(AttachmentId=rejected["AttachmentId"])
    clock.advance(NETWORK_UPDATE_SECONDS)
    assert (_state(nm, accepted["AttachmentId"]), _state(nm, rejected["AttachmentId"])) == (
        "AVAILABLE",
        "REJECTED",
    )


@pytest.mark.parametrize(
    "reading, state",
    [("not-required", "PENDING_NETWORK_UPDATE"), ("required", "PENDING_ATTACHMENT_ACCEPTANCE")],
)
def test_a_segment_silent_on_acceptance_follows_the_variant(
    moto_aws: None, clock: SimClock, reading: str, state: str
):
    with _emulator(clock, Variants(cloud_wan_acceptance=reading)) as emulator:  # type: ignore[arg-type]
        core = emulator.add_core_network(POLICY)
        nm = boto3.session.Session().client("networkmanager", region_name="us-west-2")
        attachment = _attach(nm, core)
        clock.advance(CREATE_SECONDS)
        assert _state(nm, attachment["AttachmentId"]) == state


def test_a_missing_gateway_fails_the_attachment_and_deletion_takes_it_away(
    nm: Any, emulator: NetworkManagerEmulator, clock: SimClock
):
    core = emulator.add_core_network(POLICY)
    missing = GATEWAY_ARN.replace("0f3a", "0000")
    failed = _attach(nm, core, gateway=missing, token="x")
    clock.advance(CREATE_SECONDS)
    found = nm.get_direct_connect_gateway_attachment(AttachmentId=failed["AttachmentId"])[
        "DirectConnectGatewayAttachment"
    ]
    assert found["Attachment"]["State"] == "FAILED"
    assert [e["Code"] for e in found["Attachment"]["LastModificationErrors"]] == [
        "DIRECT_CONNECT_GATEWAY_NOT_FOUND"
    ]
    assert nm.delete_attachment(AttachmentId=failed["AttachmentId"])["Attachment"]["State"] == "DELETING"
    clock.advance(DELETE_SECONDS)
    with pytest.raises(ClientError) as gone:
        nm.get_direct_connect_gateway_attachment(AttachmentId=failed["AttachmentId"])
    assert gone.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_segment_routes_hold_what_the_gateway_learns_once_available(
    nm: Any, emulator: NetworkManagerEmulator, clock: SimClock
):
    core = emulator.add_core_network(POLICY)
    emulator.add_segment_route(core, "prod", "10.20.0.0/16")
    attachment = _attach(nm, core)
    global_id = nm.get_core_network(CoreNetworkId=core)["CoreNetwork"]["GlobalNetworkId"]
    edge = {
        "CoreNetworkSegmentEdge": {"CoreNetworkId": core, "SegmentName": "prod", "EdgeLocation": "us-east-1"}
    }

    def routes() -> dict[str, list[str]]:
        found = nm.get_network_routes(GlobalNetworkId=global_id, RouteTableIdentifier=edge)["NetworkRoutes"]
        return {
            r["DestinationCidrBlock"]: [d["CoreNetworkAttachmentId"] for d in r["Destinations"]]
            for r in found
        }

    assert list(routes()) == ["10.20.0.0/16"]
    assert emulator.advertised_to_gateway(GATEWAY) == []
    clock.advance(CREATE_SECONDS + NETWORK_UPDATE_SECONDS)
    assert routes()["10.140.0.0/16"] == [attachment["AttachmentId"]]
    assert emulator.advertised_to_gateway(GATEWAY) == ["10.20.0.0/16"]
    with pytest.raises(ClientError) as invalid:
        nm.create_direct_connect_gateway_attachment(
            CoreNetworkId=core, DirectConnectGatewayArn=GATEWAY_ARN, EdgeLocations=["eu-west-1"]
        )
    assert invalid.value.response["Error"]["Code"] == "ValidationException"
