"""Direct Connect gateways and associations as public evidence describes them (docs/conformance.md),
and how the product's adapter and teardown cope: pending gateways, deletion of a gateway that
still has associations under both readings (refused, or accepted then reverted), and
associations that fail to ``disassociated`` with a ``stateChangeError``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from icp.aws import directconnect as adapter
from icp.errors import AssociationFailed, CleanupPending
from icp.lifecycle import teardown
from icp.models import ConnectionRecord, Status

from icp_local.clock import SimClock
from icp_local.emulators.botocore_hooks import shape_errors
from icp_local.emulators.directconnect import DirectConnectEmulator
from icp_local.emulators.directconnect_model import (
    ASSOCIATE_SECONDS,
    DISASSOCIATE_SECONDS,
    GATEWAY_DELETE_SECONDS,
    GATEWAY_PENDING_SECONDS,
    GATEWAY_REVERT_SECONDS,
)
from icp_local.variants import DEFAULT, HOSTILE, Variants

TGW = "tgw-0123456789abcdef0"
OTHER_TGW = "tgw-0fedcba9876543210"
VGW = "vgw-0123456789abcdef0"
ACCEPT_THEN_REVERT = Variants(gateway_delete="accept-then-revert")
REASON = "Transit gateway tgw-0123456789abcdef0 has reached its Direct Connect gateway association limit"


@pytest.fixture(params=[DEFAULT, ACCEPT_THEN_REVERT], ids=["refuse", "accept-then-revert"])
def variants(request: pytest.FixtureRequest) -> Variants:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def emulator(moto_aws: None, clock: SimClock, variants: Variants) -> Iterator[DirectConnectEmulator]:
    with DirectConnectEmulator(clock, variants=variants) as emulator:
        yield emulator


@pytest.fixture
def dx(emulator: DirectConnectEmulator) -> Any:
    return boto3.session.Session().client("directconnect", region_name="us-east-1")


def _gateway(dx: Any, name: str = "icp-test") -> str:
    return str(
        dx.create_direct_connect_gateway(directConnectGatewayName=name, amazonSideAsn=64512)[
            "directConnectGateway"
        ]["directConnectGatewayId"]
    )


@pytest.fixture
def available_gateway(dx: Any, clock: SimClock) -> str:
    gateway = _gateway(dx)
    clock.advance(GATEWAY_PENDING_SECONDS)
    return gateway


def _associate(dx: Any, gateway_id: str, gateway: str = TGW) -> dict[str, Any]:
    return dict(
        dx.create_direct_connect_gateway_association(
            directConnectGatewayId=gateway_id,
            gatewayId=gateway,
            addAllowedPrefixesToDirectConnectGateway=[{"cidr": "10.0.0.0/16"}],
        )["directConnectGatewayAssociation"]
    )


def _gateway_state(dx: Any, gateway_id: str) -> str | None:
    try:
        found = dx.describe_direct_connect_gateways(directConnectGatewayId=gateway_id)[
            "directConnectGateways"
        ]
    except dx.exceptions.DirectConnectClientException:
        return None
    return str(found[0]["directConnectGatewayState"]) if found else None


def _association(dx: Any, association_id: str) -> dict[str, Any] | None:
    found = dx.describe_direct_connect_gateway_associations(associationId=association_id)
    associations = found["directConnectGatewayAssociations"]
    return dict(associations[0]) if associations else None


def _record(gateway_id: str, created: bool = True) -> ConnectionRecord:
    return ConnectionRecord(
        connectionId="icc-test",
        requestId="REQ-TEST",
        request={},
        status=Status.FAILED,
        directConnectGatewayId=gateway_id,
        gatewayCreated=created,
        createdAt=datetime(2026, 6, 1, tzinfo=UTC),
        updatedAt=datetime(2026, 6, 1, tzinfo=UTC),
    )


@pytest.fixture
def no_other_records(monkeypatch: pytest.MonkeyPatch) -> None:
    """Teardown looks for other live connections on the gateway: there are none."""
    monkeypatch.setattr(teardown.store, "live", lambda: iter(()))


# -- gateways start pending ------------------------------------------------------------------------


def test_a_new_gateway_is_pending_then_available_after_the_pending_delay(dx: Any, clock: SimClock) -> None:
    created = dx.create_direct_connect_gateway(directConnectGatewayName="edge")["directConnectGateway"]
    gateway_id = created["directConnectGatewayId"]

    assert created["directConnectGatewayState"] == "pending"
    clock.advance(GATEWAY_PENDING_SECONDS - 1)
    assert _gateway_state(dx, gateway_id) == "pending"
    clock.advance(1)
    assert _gateway_state(dx, gateway_id) == "available"


def test_an_association_on_a_pending_gateway_is_refused_then_accepted_once_available(
    dx: Any, clock: SimClock
) -> None:
    gateway_id = _gateway(dx)

    with pytest.raises(dx.exceptions.DirectConnectClientException) as refused:
        _associate(dx, gateway_id)
    assert "pending" in refused.value.response["Error"]["Message"]
    clock.advance(GATEWAY_PENDING_SECONDS)
    assert _associate(dx, gateway_id)["associationState"] == "associating"


def test_a_pending_gateway_exists_for_other_emulators_but_is_not_available(
    dx: Any, emulator: DirectConnectEmulator
) -> None:
    gateway_id = _gateway(dx)

    assert emulator.gateway_exists(gateway_id)
    assert [g["directConnectGatewayState"] for g in emulator.gateways()] == ["pending"]


# -- deleting a gateway that still has associations: both readings ---------------------------------


def test_deleting_a_gateway_with_associations_is_refused_by_default(moto_aws: None, clock: SimClock) -> None:
    with DirectConnectEmulator(clock):
        dx = boto3.session.Session().client("directconnect", region_name="us-east-1")
        gateway_id = _gateway(dx)
        clock.advance(GATEWAY_PENDING_SECONDS)
        _associate(dx, gateway_id)

        with pytest.raises(dx.exceptions.DirectConnectClientException) as refused:
            dx.delete_direct_connect_gateway(directConnectGatewayId=gateway_id)
        assert "association" in refused.value.response["Error"]["Message"]
        assert _gateway_state(dx, gateway_id) == "available"


def test_deleting_a_gateway_with_associations_is_accepted_then_reverted_in_the_variant(
    moto_aws: None, clock: SimClock
) -> None:
    with DirectConnectEmulator(clock, variants=ACCEPT_THEN_REVERT):
        dx = boto3.session.Session().client("directconnect", region_name="us-east-1")
        gateway_id = _gateway(dx)
        clock.advance(GATEWAY_PENDING_SECONDS)
        association = _associate(dx, gateway_id)

        deleted = dx.delete_direct_connect_gateway(directConnectGatewayId=gateway_id)["directConnectGateway"]

        assert deleted["directConnectGatewayState"] == "deleting"
        clock.advance(GATEWAY_REVERT_SECONDS - 1)
        assert _gateway_state(dx, gateway_id) == "deleting"
        clock.advance(1)
        assert _gateway_state(dx, gateway_id) == "available"
        assert (_association(dx, association["associationId"]) or {}).get("associationState") == "associated"


def test_the_hostile_preset_accepts_then_reverts(moto_aws: None, clock: SimClock) -> None:
    with DirectConnectEmulator(clock, variants=HOSTILE):
        dx = boto3.session.Session().client("directconnect", region_name="us-east-1")
        gateway_id = _gateway(dx)
        clock.advance(GATEWAY_PENDING_SECONDS)
        _associate(dx, gateway_id)

        assert (
            dx.delete_direct_connect_gateway(directConnectGatewayId=gateway_id)["directConnectGateway"][
                "directConnectGatewayState"
            ]
            == "deleting"
        )


def test_a_gateway_without_associations_is_deleting_then_gone_under_either_reading(
    dx: Any, clock: SimClock, available_gateway: str
) -> None:
    assert (
        dx.delete_direct_connect_gateway(directConnectGatewayId=available_gateway)["directConnectGateway"][
            "directConnectGatewayState"
        ]
        == "deleting"
    )
    clock.advance(GATEWAY_DELETE_SECONDS)
    assert _gateway_state(dx, available_gateway) is None


def test_in_the_variant_a_reverting_gateway_asked_again_without_associations_is_deleted(
    moto_aws: None, clock: SimClock
) -> None:
    with DirectConnectEmulator(clock, variants=ACCEPT_THEN_REVERT):
        dx = boto3.session.Session().client("directconnect", region_name="us-east-1")
        gateway_id = _gateway(dx)
        clock.advance(GATEWAY_PENDING_SECONDS)
        association = _associate(dx, gateway_id)
        dx.delete_direct_connect_gateway(directConnectGatewayId=gateway_id)
        dx.delete_direct_connect_gateway_association(associationId=association["associationId"])
        clock.advance(DISASSOCIATE_SECONDS)

        dx.delete_direct_connect_gateway(directConnectGatewayId=gateway_id)
        clock.advance(GATEWAY_REVERT_SECONDS)

        assert _gateway_state(dx, gateway_id) is None


# -- associations that fail ------------------------------------------------------------------------


def test_a_failed_association_goes_associating_then_disassociated_with_its_state_change_error(
    dx: Any, emulator: DirectConnectEmulator, clock: SimClock, available_gateway: str
) -> None:
    emulator.fail_next_association(REASON)
    association = _associate(dx, available_gateway)

    assert association["associationState"] == "associating"
    assert "stateChangeError" not in association
    clock.advance(ASSOCIATE_SECONDS)
    failed = _association(dx, association["associationId"])
    assert failed is not None
    assert failed["associationState"] == "disassociated"
    assert failed["stateChangeError"] == REASON
    assert shape_errors(failed, emulator.model.shape_for("DirectConnectGatewayAssociation")) == []


def test_only_the_next_association_fails(
    dx: Any, emulator: DirectConnectEmulator, clock: SimClock, available_gateway: str
) -> None:
    emulator.fail_next_association(REASON)
    first = _associate(dx, available_gateway, TGW)
    second = _associate(dx, available_gateway, OTHER_TGW)
    clock.advance(ASSOCIATE_SECONDS)

    assert (_association(dx, first["associationId"]) or {}).get("associationState") == "disassociated"
    assert (_association(dx, second["associationId"]) or {}).get("associationState") == "associated"


def test_a_failed_association_holds_neither_the_gateway_nor_the_transit_gateway(
    dx: Any, emulator: DirectConnectEmulator, clock: SimClock, available_gateway: str
) -> None:
    emulator.fail_next_association(REASON)
    _associate(dx, available_gateway)
    clock.advance(ASSOCIATE_SECONDS)

    again = _associate(dx, available_gateway)
    clock.advance(ASSOCIATE_SECONDS)
    assert (_association(dx, again["associationId"]) or {}).get("associationState") == "associated"
    dx.delete_direct_connect_gateway_association(associationId=again["associationId"])
    clock.advance(DISASSOCIATE_SECONDS)
    dx.delete_direct_connect_gateway(directConnectGatewayId=available_gateway)
    clock.advance(GATEWAY_DELETE_SECONDS)
    assert emulator.gateways() == [] and emulator.associations() == []


def test_a_failed_association_cannot_be_updated(
    dx: Any, emulator: DirectConnectEmulator, clock: SimClock, available_gateway: str
) -> None:
    emulator.fail_next_association(REASON)
    association = _associate(dx, available_gateway)
    clock.advance(ASSOCIATE_SECONDS)

    with pytest.raises(dx.exceptions.DirectConnectClientException):
        dx.update_direct_connect_gateway_association(
            associationId=association["associationId"],
            addAllowedPrefixesToDirectConnectGateway=[{"cidr": "10.9.0.0/16"}],
        )


# -- the product's adapter -------------------------------------------------------------------------


def test_the_adapter_reports_a_failed_association_as_association_failed_naming_its_error(
    dx: Any, emulator: DirectConnectEmulator, clock: SimClock, available_gateway: str
) -> None:
    emulator.fail_next_association(REASON)
    adapter.ensure_association(available_gateway, TGW, ["10.0.0.0/16"])
    assert (adapter.association(available_gateway, TGW) or {}).get("associationState") == "associating"
    clock.advance(ASSOCIATE_SECONDS)

    with pytest.raises(AssociationFailed) as failed:
        adapter.association(available_gateway, TGW)
    assert REASON in failed.value.message
    assert available_gateway in failed.value.message and TGW in failed.value.message


def test_the_adapter_does_not_ask_again_for_an_association_that_failed(
    dx: Any, emulator: DirectConnectEmulator, clock: SimClock, available_gateway: str
) -> None:
    emulator.fail_next_association(REASON)
    adapter.ensure_association(available_gateway, TGW, ["10.0.0.0/16"])
    clock.advance(ASSOCIATE_SECONDS)

    with pytest.raises(AssociationFailed):
        adapter.ensure_association(available_gateway, TGW, ["10.0.0.0/16"])
    assert emulator.calls["CreateDirectConnectGatewayAssociation"] == 1


def test_the_adapter_treats_a_disassociated_association_as_gone(
    dx: Any, emulator: DirectConnectEmulator, clock: SimClock, available_gateway: str
) -> None:
    emulator.fail_next_association(REASON)
    adapter.ensure_association(available_gateway, TGW, ["10.0.0.0/16"])
    clock.advance(ASSOCIATE_SECONDS)

    assert adapter.delete_association(available_gateway, TGW) is False
    assert adapter.live_associations(available_gateway) == []
    assert "DeleteDirectConnectGatewayAssociation" not in emulator.calls


def test_a_gateway_named_after_its_deletion_is_confirmed_only_when_going_without_associations(
    dx: Any, clock: SimClock, available_gateway: str
) -> None:
    assert adapter.gateway_survives(available_gateway) == (
        f"Direct Connect gateway {available_gateway} is available"
    )
    assert adapter.delete_gateway(available_gateway) is True
    assert adapter.gateway_survives(available_gateway) is None  # deleting, nothing holds it
    clock.advance(GATEWAY_DELETE_SECONDS)
    assert adapter.gateway_survives(available_gateway) is None  # gone
    assert adapter.delete_gateway(available_gateway) is False


# -- teardown: delete the gateway only once nothing holds it, and claim it only when it goes ----------


def test_teardown_deletes_the_gateway_only_after_its_associations_are_gone(
    dx: Any, emulator: DirectConnectEmulator, clock: SimClock, available_gateway: str, no_other_records: None
) -> None:
    association = _associate(dx, available_gateway)
    clock.advance(ASSOCIATE_SECONDS)
    dx.delete_direct_connect_gateway_association(associationId=association["associationId"])

    with pytest.raises(CleanupPending) as pending:
        teardown.delete_created_gateway(_record(available_gateway))
    assert "disassociating" in pending.value.message
    assert "DeleteDirectConnectGateway" not in emulator.calls
    clock.advance(DISASSOCIATE_SECONDS)

    assert teardown.delete_created_gateway(_record(available_gateway)) == [
        f"Direct Connect gateway {available_gateway}"
    ]
    clock.advance(GATEWAY_DELETE_SECONDS)
    assert emulator.gateways() == []


def test_teardown_counts_a_failed_association_as_gone_and_deletes_the_gateway(
    dx: Any, emulator: DirectConnectEmulator, clock: SimClock, available_gateway: str, no_other_records: None
) -> None:
    emulator.fail_next_association(REASON)
    _associate(dx, available_gateway)
    clock.advance(ASSOCIATE_SECONDS)

    assert teardown.delete_created_gateway(_record(available_gateway)) == [
        f"Direct Connect gateway {available_gateway}"
    ]
    clock.advance(GATEWAY_DELETE_SECONDS)
    assert emulator.gateways() == []


def test_teardown_leaves_a_gateway_it_did_not_create(
    dx: Any, emulator: DirectConnectEmulator, available_gateway: str, no_other_records: None
) -> None:
    assert teardown.delete_created_gateway(_record(available_gateway, created=False)) == []
    assert "DeleteDirectConnectGateway" not in emulator.calls


def test_teardown_never_claims_a_gateway_another_association_holds(
    dx: Any, emulator: DirectConnectEmulator, clock: SimClock, available_gateway: str, no_other_records: None
) -> None:
    _associate(dx, available_gateway, OTHER_TGW)  # another team's
    clock.advance(ASSOCIATE_SECONDS)

    with pytest.raises(CleanupPending):
        teardown.delete_created_gateway(_record(available_gateway))
    clock.advance(GATEWAY_REVERT_SECONDS)
    assert _gateway_state(dx, available_gateway) == "available"
    assert "DeleteDirectConnectGateway" not in emulator.calls


def test_teardown_does_not_claim_a_gateway_whose_deletion_was_accepted_but_reverts(
    dx: Any,
    emulator: DirectConnectEmulator,
    clock: SimClock,
    available_gateway: str,
    variants: Variants,
    no_other_records: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An association appears between teardown's check and its delete (another team's, or one
    the listing missed, as in PR #10214): refused, or accepted then reverted, it is not claimed."""
    listed = adapter.live_associations

    def then_someone_associates(gateway_id: str) -> list[dict[str, Any]]:
        found = listed(gateway_id)
        if "CreateDirectConnectGatewayAssociation" not in emulator.calls:
            _associate(dx, gateway_id, OTHER_TGW)
        return found

    monkeypatch.setattr(adapter, "live_associations", then_someone_associates)

    with pytest.raises(CleanupPending) as pending:
        teardown.delete_created_gateway(_record(available_gateway))

    assert emulator.calls["DeleteDirectConnectGateway"] == 1
    if variants.gateway_delete == "accept-then-revert":
        assert "is deleting with 1 association(s) still there" in pending.value.message
        assert "not removed" in pending.value.message
        assert _gateway_state(dx, available_gateway) == "deleting"
    else:
        assert "still has associations" in pending.value.message
        assert _gateway_state(dx, available_gateway) == "available"
    clock.advance(GATEWAY_REVERT_SECONDS)
    assert _gateway_state(dx, available_gateway) == "available", "the gateway survives"
