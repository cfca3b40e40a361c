"""The Direct Connect gateway emulator, reached through real boto3 clients under moto."""

from __future__ import annotations

import re
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from icp_local.clock import SimClock
from icp_local.emulators.directconnect import DirectConnectEmulator
from icp_local.emulators.directconnect_model import GATEWAY_PENDING_SECONDS

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TGW = "tgw-0123456789abcdef0"
VGW = "vgw-0123456789abcdef0"


@pytest.fixture
def gateway_id(directconnect: Any, clock: SimClock) -> str:
    """An available Direct Connect gateway (created, then past its pending time)."""
    created = directconnect.create_direct_connect_gateway(
        directConnectGatewayName="icp-test", amazonSideAsn=64512
    )
    clock.advance(GATEWAY_PENDING_SECONDS)
    return str(created["directConnectGateway"]["directConnectGatewayId"])


def _associate(
    directconnect: Any, gateway_id: str, gateway: str = TGW, cidrs: tuple[str, ...] = ("10.0.0.0/16",)
):
    return directconnect.create_direct_connect_gateway_association(
        directConnectGatewayId=gateway_id,
        gatewayId=gateway,
        addAllowedPrefixesToDirectConnectGateway=[{"cidr": cidr} for cidr in cidrs],
    )["directConnectGatewayAssociation"]


def _state(directconnect: Any, association_id: str) -> str | None:
    found = directconnect.describe_direct_connect_gateway_associations(associationId=association_id)
    associations = found["directConnectGatewayAssociations"]
    return associations[0]["associationState"] if associations else None


# -- gateways --------------------------------------------------------------------------------------


def test_new_gateway_has_a_uuid_id_and_is_pending(directconnect: Any) -> None:
    gateway = directconnect.create_direct_connect_gateway(
        directConnectGatewayName="edge", amazonSideAsn=65000
    )["directConnectGateway"]

    assert UUID.match(gateway["directConnectGatewayId"])
    assert gateway["directConnectGatewayState"] == "pending"
    assert gateway["amazonSideAsn"] == 65000
    assert gateway["ownerAccount"] == "123456789012"


def test_gateway_without_asn_gets_the_default_private_asn(directconnect: Any) -> None:
    gateway = directconnect.create_direct_connect_gateway(directConnectGatewayName="edge")[
        "directConnectGateway"
    ]
    assert gateway["amazonSideAsn"] == 64512


def test_public_asn_is_refused_as_a_client_exception(directconnect: Any) -> None:
    with pytest.raises(directconnect.exceptions.DirectConnectClientException):
        directconnect.create_direct_connect_gateway(directConnectGatewayName="edge", amazonSideAsn=16509)


def test_gateway_is_described_by_id(directconnect: Any, gateway_id: str) -> None:
    found = directconnect.describe_direct_connect_gateways(directConnectGatewayId=gateway_id)
    assert [g["directConnectGatewayId"] for g in found["directConnectGateways"]] == [gateway_id]


def test_describing_an_unknown_gateway_raises_a_client_exception(directconnect: Any) -> None:
    with pytest.raises(directconnect.exceptions.DirectConnectClientException) as raised:
        directconnect.describe_direct_connect_gateways(
            directConnectGatewayId="00000000-0000-0000-0000-000000000000"
        )
    assert raised.value.response["Error"]["Code"] == "DirectConnectClientException"


def test_gateways_are_described_page_by_page(directconnect: Any) -> None:
    created = {
        directConnectGateway["directConnectGatewayId"]
        for directConnectGateway in (
            directconnect.create_direct_connect_gateway(directConnectGatewayName=f"gw-{n}")[
                "directConnectGateway"
            ]
            for n in range(5)
        )
    }

    first = directconnect.describe_direct_connect_gateways(maxResults=2)
    pages = directconnect.get_paginator("describe_direct_connect_gateways").paginate(
        PaginationConfig={"PageSize": 2}
    )
    seen = [g["directConnectGatewayId"] for page in pages for g in page["directConnectGateways"]]

    assert len(first["directConnectGateways"]) == 2 and first["nextToken"]
    assert len(seen) == 5 and set(seen) == created


def test_gateway_with_associations_cannot_be_deleted(directconnect: Any, gateway_id: str) -> None:
    _associate(directconnect, gateway_id)
    with pytest.raises(directconnect.exceptions.DirectConnectClientException):
        directconnect.delete_direct_connect_gateway(directConnectGatewayId=gateway_id)


def test_deleted_gateway_is_deleting_then_gone(
    directconnect: Any, directconnect_emulator: DirectConnectEmulator, clock: SimClock, gateway_id: str
) -> None:
    deleted = directconnect.delete_direct_connect_gateway(directConnectGatewayId=gateway_id)[
        "directConnectGateway"
    ]

    assert deleted["directConnectGatewayState"] == "deleting"
    assert not directconnect_emulator.gateway_exists(gateway_id)
    clock.advance(60)
    assert directconnect_emulator.gateways() == []


# -- associations ----------------------------------------------------------------------------------


def test_transit_gateway_association_is_associated_after_sixty_seconds(
    directconnect: Any, clock: SimClock, gateway_id: str
) -> None:
    association = _associate(directconnect, gateway_id, cidrs=("10.0.0.0/16", "10.1.0.0/16"))

    assert association["associationState"] == "associating"
    assert association["associatedGateway"] == {
        "id": TGW,
        "type": "transitGateway",
        "ownerAccount": "123456789012",
        "region": "us-east-1",
    }
    assert association["allowedPrefixesToDirectConnectGateway"] == [
        {"cidr": "10.0.0.0/16"},
        {"cidr": "10.1.0.0/16"},
    ]
    clock.advance(59)
    assert _state(directconnect, association["associationId"]) == "associating"
    clock.advance(1)
    assert _state(directconnect, association["associationId"]) == "associated"


def test_transit_gateway_association_needs_allowed_prefixes(directconnect: Any, gateway_id: str) -> None:
    with pytest.raises(directconnect.exceptions.DirectConnectClientException):
        directconnect.create_direct_connect_gateway_association(
            directConnectGatewayId=gateway_id, gatewayId=TGW
        )


def test_virtual_private_gateway_association_carries_the_legacy_fields(
    directconnect: Any, gateway_id: str
) -> None:
    association = directconnect.create_direct_connect_gateway_association(
        directConnectGatewayId=gateway_id, gatewayId=VGW
    )["directConnectGatewayAssociation"]

    assert association["associatedGateway"]["type"] == "virtualPrivateGateway"
    assert association["virtualGatewayId"] == VGW
    assert association["virtualGatewayRegion"] == "us-east-1"


def test_association_with_an_invalid_cidr_is_refused(directconnect: Any, gateway_id: str) -> None:
    with pytest.raises(directconnect.exceptions.DirectConnectClientException):
        _associate(directconnect, gateway_id, cidrs=("10.0.0.1/16",))


def test_association_with_an_unknown_kind_of_gateway_is_refused(directconnect: Any, gateway_id: str) -> None:
    with pytest.raises(directconnect.exceptions.DirectConnectClientException):
        _associate(directconnect, gateway_id, gateway="igw-0123456789abcdef0")


def test_the_same_gateway_cannot_be_associated_twice(directconnect: Any, gateway_id: str) -> None:
    _associate(directconnect, gateway_id)
    with pytest.raises(directconnect.exceptions.DirectConnectClientException):
        _associate(directconnect, gateway_id)


def test_associations_are_filtered_by_gateway_associated_gateway_and_id(
    directconnect: Any, clock: SimClock, gateway_id: str
) -> None:
    other = directconnect.create_direct_connect_gateway(directConnectGatewayName="other")[
        "directConnectGateway"
    ]
    clock.advance(GATEWAY_PENDING_SECONDS)
    first = _associate(directconnect, gateway_id, gateway=TGW)
    second = _associate(directconnect, other["directConnectGatewayId"], gateway="tgw-0fedcba9876543210")

    def ids(**filters: str) -> list[str]:
        found = directconnect.describe_direct_connect_gateway_associations(**filters)
        return [a["associationId"] for a in found["directConnectGatewayAssociations"]]

    assert ids(directConnectGatewayId=gateway_id) == [first["associationId"]]
    assert ids(associatedGatewayId="tgw-0fedcba9876543210") == [second["associationId"]]
    assert ids(associationId=second["associationId"]) == [second["associationId"]]
    assert ids(directConnectGatewayId=gateway_id, associatedGatewayId="tgw-0fedcba9876543210") == []


def test_updating_prefixes_goes_through_updating_for_thirty_seconds(
    directconnect: Any, clock: SimClock, gateway_id: str
) -> None:
    association = _associate(directconnect, gateway_id, cidrs=("10.0.0.0/16",))
    clock.advance(60)

    updated = directconnect.update_direct_connect_gateway_association(
        associationId=association["associationId"],
        addAllowedPrefixesToDirectConnectGateway=[{"cidr": "10.2.0.0/16"}],
        removeAllowedPrefixesToDirectConnectGateway=[{"cidr": "10.0.0.0/16"}],
    )["directConnectGatewayAssociation"]

    assert updated["associationState"] == "updating"
    assert updated["allowedPrefixesToDirectConnectGateway"] == [{"cidr": "10.2.0.0/16"}]
    clock.advance(29)
    assert _state(directconnect, association["associationId"]) == "updating"
    clock.advance(1)
    assert _state(directconnect, association["associationId"]) == "associated"


def test_association_cannot_be_updated_while_associating(directconnect: Any, gateway_id: str) -> None:
    association = _associate(directconnect, gateway_id)
    with pytest.raises(directconnect.exceptions.DirectConnectClientException):
        directconnect.update_direct_connect_gateway_association(
            associationId=association["associationId"],
            addAllowedPrefixesToDirectConnectGateway=[{"cidr": "10.9.0.0/16"}],
        )


def test_transit_gateway_association_keeps_at_least_one_prefix(
    directconnect: Any, clock: SimClock, gateway_id: str
) -> None:
    association = _associate(directconnect, gateway_id, cidrs=("10.0.0.0/16",))
    clock.advance(60)
    with pytest.raises(directconnect.exceptions.DirectConnectClientException):
        directconnect.update_direct_connect_gateway_association(
            associationId=association["associationId"],
            removeAllowedPrefixesToDirectConnectGateway=[{"cidr": "10.0.0.0/16"}],
        )


def test_deleted_association_is_disassociating_then_gone_and_the_gateway_can_go(
    directconnect: Any, directconnect_emulator: DirectConnectEmulator, clock: SimClock, gateway_id: str
) -> None:
    association = _associate(directconnect, gateway_id)
    clock.advance(60)

    deleted = directconnect.delete_direct_connect_gateway_association(
        associationId=association["associationId"]
    )

    assert deleted["directConnectGatewayAssociation"]["associationState"] == "disassociating"
    clock.advance(30)
    assert _state(directconnect, association["associationId"]) is None
    assert directconnect_emulator.associations() == []
    directconnect.delete_direct_connect_gateway(directConnectGatewayId=gateway_id)


def test_deleting_while_associating_never_comes_back_associated(
    directconnect: Any, directconnect_emulator: DirectConnectEmulator, clock: SimClock, gateway_id: str
) -> None:
    association = _associate(directconnect, gateway_id)
    directconnect.delete_direct_connect_gateway_association(associationId=association["associationId"])

    clock.advance(45)
    assert _state(directconnect, association["associationId"]) is None


def test_virtual_private_gateway_association_is_deleted_by_gateway_pair(
    directconnect: Any, gateway_id: str
) -> None:
    association = _associate(directconnect, gateway_id, gateway=VGW, cidrs=())
    deleted = directconnect.delete_direct_connect_gateway_association(
        directConnectGatewayId=gateway_id, virtualGatewayId=VGW
    )["directConnectGatewayAssociation"]
    assert deleted["associationId"] == association["associationId"]
    assert deleted["associationState"] == "disassociating"


# -- the hook --------------------------------------------------------------------------------------


def test_other_direct_connect_operations_fall_through_to_moto(
    directconnect: Any, directconnect_emulator: DirectConnectEmulator
) -> None:
    assert directconnect.describe_connections()["connections"] == []
    assert "DescribeConnections" not in directconnect_emulator.calls


def test_injected_throttling_fails_the_next_calls_then_clears(
    directconnect: Any, directconnect_emulator: DirectConnectEmulator, gateway_id: str
) -> None:
    directconnect_emulator.fail_next("describe_direct_connect_gateways", "ThrottlingException", times=2)

    for _ in range(2):
        with pytest.raises(ClientError) as raised:
            directconnect.describe_direct_connect_gateways()
        assert raised.value.response["Error"]["Code"] == "ThrottlingException"
    assert directconnect.describe_direct_connect_gateways()["directConnectGateways"]
    assert directconnect_emulator.calls["DescribeDirectConnectGateways"] == 3


def test_every_state_change_moves_the_generation(
    directconnect: Any, directconnect_emulator: DirectConnectEmulator, clock: SimClock, gateway_id: str
) -> None:
    before = directconnect_emulator.generation
    _associate(directconnect, gateway_id)
    after_create = directconnect_emulator.generation
    clock.advance(60)

    assert after_create > before
    assert directconnect_emulator.generation > after_create


def test_uninstalled_emulator_no_longer_answers_old_or_new_clients(
    directconnect: Any, directconnect_emulator: DirectConnectEmulator
) -> None:
    directconnect_emulator.uninstall()
    new_client = boto3.session.Session().client("directconnect", region_name="us-east-1")

    for client in (directconnect, new_client):
        with pytest.raises(NotImplementedError):  # moto 5.2.5 has no Direct Connect gateways
            client.create_direct_connect_gateway(directConnectGatewayName="edge")
    assert directconnect_emulator.calls == {}


def test_clients_of_a_boto3_default_session_made_before_install_are_answered(
    moto_aws: None, clock: SimClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", boto3.session.Session())
    emulator = DirectConnectEmulator(clock)

    with emulator:
        boto3.client("directconnect").create_direct_connect_gateway(directConnectGatewayName="edge")
    with pytest.raises(NotImplementedError):
        boto3.client("directconnect").create_direct_connect_gateway(directConnectGatewayName="edge")

    assert emulator.calls == {"CreateDirectConnectGateway": 1}


def test_a_page_size_above_a_hundred_is_served_rather_than_refused(
    directconnect: Any, gateway_id: str
) -> None:
    found = directconnect.describe_direct_connect_gateways(maxResults=500)
    assert len(found["directConnectGateways"]) == 1


# --- tags on gateways -------------------------------------------------------------------------
def _arn(gateway_id: str) -> str:
    return f"arn:aws:directconnect::123456789012:dx-gateway/{gateway_id}"


def _tags(directconnect: Any, gateway_id: str) -> list[dict[str, str]]:
    [found] = directconnect.describe_tags(resourceArns=[_arn(gateway_id)])["resourceTags"]
    assert found["resourceArn"] == _arn(gateway_id)
    return list(found.get("tags", []))  # TagList has at least one member, so none is left out


def test_tags_given_at_creation_are_read_back_with_describe_tags_and_on_the_gateway(
    directconnect: Any,
) -> None:
    created = directconnect.create_direct_connect_gateway(
        directConnectGatewayName="icp-tagged", tags=[{"key": "icp:managedBy", "value": "icp"}]
    )["directConnectGateway"]
    assert created["tags"] == [{"key": "icp:managedBy", "value": "icp"}]
    assert _tags(directconnect, created["directConnectGatewayId"]) == [
        {"key": "icp:managedBy", "value": "icp"}
    ]


def test_tag_resource_adds_or_overwrites_and_untag_resource_removes(
    directconnect: Any, gateway_id: str
) -> None:
    assert _tags(directconnect, gateway_id) == []
    directconnect.tag_resource(
        resourceArn=_arn(gateway_id),
        tags=[{"key": "team", "value": "net"}, {"key": "icp:managedBy", "value": "old"}],
    )
    directconnect.tag_resource(resourceArn=_arn(gateway_id), tags=[{"key": "icp:managedBy", "value": "icp"}])
    assert _tags(directconnect, gateway_id) == [
        {"key": "team", "value": "net"},
        {"key": "icp:managedBy", "value": "icp"},
    ]
    directconnect.untag_resource(resourceArn=_arn(gateway_id), tagKeys=["team"])
    described = directconnect.describe_direct_connect_gateways(directConnectGatewayId=gateway_id)
    assert described["directConnectGateways"][0]["tags"] == [{"key": "icp:managedBy", "value": "icp"}]


@pytest.mark.parametrize(
    ("tags", "code"),
    [
        ([{"key": "a", "value": "1"}, {"key": "a", "value": "2"}], "DuplicateTagKeysException"),
        ([{"key": f"k{i}", "value": ""} for i in range(51)], "TooManyTagsException"),
    ],
)
def test_tag_rules_are_refused_with_the_models_errors(
    directconnect: Any, gateway_id: str, tags, code
) -> None:
    with pytest.raises(ClientError) as caught:
        directconnect.tag_resource(resourceArn=_arn(gateway_id), tags=tags)
    assert caught.value.response["Error"]["Code"] == code
    assert _tags(directconnect, gateway_id) == []


def test_tagging_an_unknown_gateway_is_a_client_exception(directconnect: Any) -> None:
    with pytest.raises(ClientError) as caught:
        directconnect.describe_tags(resourceArns=[_arn("00000000-0000-4000-8000-000000000000")])
    assert caught.value.response["Error"]["Code"] == "DirectConnectClientException"
    assert "does not exist" in caught.value.response["Error"]["Message"]
