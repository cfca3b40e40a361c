"""Every emulated operation answers, through a real boto3 client, exactly in the shape of
botocore's model, and every Interconnect operation in the model is emulated.

The operation lists come from the model, so a new operation in a botocore release fails
here until the emulator (and a scenario below) covers it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore import xform_name

from icp_local import variants
from icp_local.clock import SimClock
from icp_local.emulators.botocore_hooks import assert_matches_shape, service_model, shape_errors
from icp_local.emulators.directconnect import DirectConnectEmulator
from icp_local.emulators.directconnect_model import GATEWAY_PENDING_SECONDS
from icp_local.emulators.interconnect import InterconnectEmulator

GOOGLE_US_EAST = "mce-aws-gcp-iad"
LUMEN_NEW_YORK = "lmce-aws-lumen-new-york"
LUMEN_SEATTLE = "lmce-aws-lumen-seattle"
GOOGLE_PROJECT = {"identifier": "my-project"}

INTERCONNECT_OPERATIONS = list(service_model("interconnect").operation_names)
DIRECTCONNECT_OPERATIONS = [
    "CreateDirectConnectGateway",
    "DescribeDirectConnectGateways",
    "DeleteDirectConnectGateway",
    "CreateDirectConnectGatewayAssociation",
    "DescribeDirectConnectGatewayAssociations",
    "UpdateDirectConnectGatewayAssociation",
    "DeleteDirectConnectGatewayAssociation",
    "TagResource",
    "UntagResource",
    "DescribeTags",
    "CreateDirectConnectGatewayAssociationProposal",
    "DescribeDirectConnectGatewayAssociationProposals",
    "AcceptDirectConnectGatewayAssociationProposal",
    "DeleteDirectConnectGatewayAssociationProposal",
]


@dataclass
class World:
    """Clients whose raw parsed responses are recorded, and a few resources to call on."""

    interconnect: Any
    directconnect: Any
    dx: DirectConnectEmulator
    ic: InterconnectEmulator
    clock: SimClock
    parsed: dict[str, dict[str, Any]]
    gateway_id: str = ""
    connection: dict[str, Any] | None = None

    @property
    def conn(self) -> dict[str, Any]:
        assert self.connection is not None
        return self.connection


def _recording_client(service: str, sink: dict[str, dict[str, Any]]) -> Any:
    session: Any = boto3.session.Session()  # the service name is a variable here
    client = session.client(service, region_name="us-east-1")

    def record(parsed: dict[str, Any], model: Any, **_: Any) -> None:
        sink[model.name] = dict(parsed)

    client.meta.events.register("after-call", record)
    return client


@pytest.fixture
def world(moto_aws: None, clock: SimClock) -> Iterator[World]:
    dx = DirectConnectEmulator(clock)
    ic = InterconnectEmulator(clock, dx, max_multicloud_per_provider=5)
    with dx, ic:
        parsed: dict[str, dict[str, Any]] = {}
        w = World(
            _recording_client("interconnect", parsed),
            _recording_client("directconnect", parsed),
            dx,
            ic,
            clock,
            parsed,
        )
        w.gateway_id = w.directconnect.create_direct_connect_gateway(
            directConnectGatewayName="contract", amazonSideAsn=64512, tags=[{"key": "k", "value": "v"}]
        )["directConnectGateway"]["directConnectGatewayId"]
        clock.advance(GATEWAY_PENDING_SECONDS)  # available, so it can be associated and listed
        w.connection = w.interconnect.create_connection(
            environmentId=GOOGLE_US_EAST,
            bandwidth="1Gbps",
            attachPoint={"directConnectGateway": w.gateway_id},
            description="contract",
            remoteAccount=GOOGLE_PROJECT,
            tags={"team": "net"},
        )["connection"]
        yield w


def _available(w: World) -> None:
    w.ic.partner_accept(w.conn["activationKey"])
    w.clock.advance(w.ic.provisioning_seconds)


def _associated(w: World) -> str:
    association = w.directconnect.create_direct_connect_gateway_association(
        directConnectGatewayId=w.gateway_id,
        gatewayId="tgw-0123456789abcdef0",
        addAllowedPrefixesToDirectConnectGateway=[{"cidr": "10.0.0.0/16"}],
    )["directConnectGatewayAssociation"]
    w.clock.advance(60)
    return str(association["associationId"])


def _proposal(w: World) -> str:
    # Proposed and accepted by the one account here; tests/integration/test_directconnect_proposals.py
    # plays two accounts.
    proposal = w.directconnect.create_direct_connect_gateway_association_proposal(
        directConnectGatewayId=w.gateway_id,
        directConnectGatewayOwnerAccount=w.dx.account_id,
        gatewayId="tgw-0123456789abcdef0",
        addAllowedPrefixesToDirectConnectGateway=[{"cidr": "10.2.0.0/16"}],
    )["directConnectGatewayAssociationProposal"]
    return str(proposal["proposalId"])


def _gateway_arn(w: World) -> str:
    return w.dx.gateway_arn(w.gateway_id)


def _accept_proposal(w: World) -> None:
    key = w.ic.partner_propose("us-east-1", "lumen", "chicago", "10Gbps")
    w.interconnect.accept_connection_proposal(
        activationKey=key,
        attachPoint={"directConnectGateway": w.gateway_id},
        description="from the partner",
        tags={"source": "portal"},
        clientToken="accept-1",
    )


def _update_bandwidth(w: World) -> None:
    _available(w)
    w.interconnect.update_connection(identifier=w.conn["id"], bandwidth="2Gbps", description="bigger")


def _list_connections(w: World) -> None:
    w.interconnect.create_connection(
        environmentId=GOOGLE_US_EAST,
        bandwidth="2Gbps",
        attachPoint={"directConnectGateway": w.gateway_id},
        remoteAccount=GOOGLE_PROJECT,
    )
    w.interconnect.list_connections(maxResults=1)


# One call per operation; the after-call hook records what the caller received.
SCENARIOS: dict[str, Callable[[World], object]] = {
    # Interconnect
    "AcceptConnectionProposal": _accept_proposal,
    "CreateConnection": lambda w: w.interconnect.create_connection(
        environmentId=LUMEN_SEATTLE,
        bandwidth="100Gbps",
        attachPoint={"directConnectGateway": w.gateway_id},
        remoteAccount={"identifier": "noc@example.com"},
    ),
    "DeleteConnection": lambda w: w.interconnect.delete_connection(identifier=w.conn["id"]),
    "DescribeConnectionProposal": lambda w: w.interconnect.describe_connection_proposal(
        activationKey=w.ic.partner_propose("us-east-1", "google-cloud", "us-east4", "500Mbps")
    ),
    "GetConnection": lambda w: w.interconnect.get_connection(identifier=w.conn["id"]),
    "GetEnvironment": lambda w: w.interconnect.get_environment(id=LUMEN_NEW_YORK),
    "ListAttachPoints": lambda w: w.interconnect.list_attach_points(environmentId=GOOGLE_US_EAST),
    "ListConnections": _list_connections,
    "ListEnvironments": lambda w: w.interconnect.list_environments(maxResults=2),
    "ListTagsForResource": lambda w: w.interconnect.list_tags_for_resource(arn=w.conn["arn"]),
    "TagResource": lambda w: w.interconnect.tag_resource(arn=w.conn["arn"], tags={"cost": "42"}),
    "UntagResource": lambda w: w.interconnect.untag_resource(arn=w.conn["arn"], tagKeys=["team"]),
    "UpdateConnection": _update_bandwidth,
    # Direct Connect
    "CreateDirectConnectGateway": lambda w: w.directconnect.create_direct_connect_gateway(
        directConnectGatewayName="another", amazonSideAsn=4200000000
    ),
    "DescribeDirectConnectGateways": lambda w: w.directconnect.describe_direct_connect_gateways(maxResults=1),
    "DeleteDirectConnectGateway": lambda w: w.directconnect.delete_direct_connect_gateway(
        directConnectGatewayId=w.gateway_id
    ),
    "CreateDirectConnectGatewayAssociation": lambda w: (
        w.directconnect.create_direct_connect_gateway_association(
            directConnectGatewayId=w.gateway_id, gatewayId="vgw-0123456789abcdef0"
        )
    ),
    "DescribeDirectConnectGatewayAssociations": lambda w: (
        _associated(w),
        w.directconnect.describe_direct_connect_gateway_associations(directConnectGatewayId=w.gateway_id),
    ),
    "UpdateDirectConnectGatewayAssociation": lambda w: (
        w.directconnect.update_direct_connect_gateway_association(
            associationId=_associated(w),
            addAllowedPrefixesToDirectConnectGateway=[{"cidr": "10.1.0.0/16"}],
            removeAllowedPrefixesToDirectConnectGateway=[{"cidr": "10.0.0.0/16"}],
        )
    ),
    "DeleteDirectConnectGatewayAssociation": lambda w: (
        w.directconnect.delete_direct_connect_gateway_association(associationId=_associated(w))
    ),
    # Direct Connect's tagging (a name Interconnect uses too: looked up as "directconnect.<name>")
    "directconnect.TagResource": lambda w: w.directconnect.tag_resource(
        resourceArn=_gateway_arn(w), tags=[{"key": "cost", "value": "42"}]
    ),
    "directconnect.UntagResource": lambda w: w.directconnect.untag_resource(
        resourceArn=_gateway_arn(w), tagKeys=["cost"]
    ),
    "DescribeTags": lambda w: w.directconnect.describe_tags(resourceArns=[_gateway_arn(w)]),
    "CreateDirectConnectGatewayAssociationProposal": _proposal,
    "DescribeDirectConnectGatewayAssociationProposals": lambda w: (
        _proposal(w),
        w.directconnect.describe_direct_connect_gateway_association_proposals(
            directConnectGatewayId=w.gateway_id
        ),
    ),
    "AcceptDirectConnectGatewayAssociationProposal": lambda w: (
        w.directconnect.accept_direct_connect_gateway_association_proposal(
            directConnectGatewayId=w.gateway_id,
            proposalId=_proposal(w),
            associatedGatewayOwnerAccount=w.dx.account_id,
        )
    ),
    "DeleteDirectConnectGatewayAssociationProposal": lambda w: (
        w.directconnect.delete_direct_connect_gateway_association_proposal(proposalId=_proposal(w))
    ),
}


def _scenario(service: str, operation: str) -> Callable[[World], object] | None:
    return SCENARIOS.get(f"{service}.{operation}") or SCENARIOS.get(operation)


def _body(parsed: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in parsed.items() if key != "ResponseMetadata"}


# -- coverage of the model -------------------------------------------------------------------------


def test_every_interconnect_operation_in_the_model_is_emulated(clock: SimClock) -> None:
    emulator = InterconnectEmulator(clock, DirectConnectEmulator(clock))
    missing = [
        name for name in INTERCONNECT_OPERATIONS if not callable(getattr(emulator, xform_name(name), None))
    ]
    assert missing == []
    assert emulator.implemented_operations() == INTERCONNECT_OPERATIONS


def test_the_direct_connect_emulator_answers_exactly_the_gateway_operations(clock: SimClock) -> None:
    assert sorted(DirectConnectEmulator(clock).implemented_operations()) == sorted(DIRECTCONNECT_OPERATIONS)


def test_every_emulated_operation_has_a_contract_scenario() -> None:
    assert all(_scenario("interconnect", name) for name in INTERCONNECT_OPERATIONS)
    assert all(_scenario("directconnect", name) for name in DIRECTCONNECT_OPERATIONS)
    assert {name.rpartition(".")[2] for name in SCENARIOS} == set(INTERCONNECT_OPERATIONS) | set(
        DIRECTCONNECT_OPERATIONS
    )


# -- the responses ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "service,operation",
    [
        *(("interconnect", name) for name in INTERCONNECT_OPERATIONS),
        *(("directconnect", name) for name in DIRECTCONNECT_OPERATIONS),
    ],
)
def test_response_through_boto3_matches_the_output_shape(world: World, service: str, operation: str) -> None:
    scenario = _scenario(service, operation)
    assert scenario is not None, f"no contract scenario for {service}.{operation}"
    world.parsed.pop(operation, None)

    scenario(world)

    assert operation in world.parsed, f"{operation} was not called by its scenario"
    output_shape = service_model(service).operation_model(operation).output_shape
    assert output_shape is not None
    assert_matches_shape(_body(world.parsed[operation]), output_shape, f"{service}.{operation} as received")
    assert world.parsed[operation]["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_errors_the_interconnect_emulator_raises_are_modeled_for_their_operation(world: World) -> None:
    calls: list[tuple[str, Callable[[], object]]] = [
        ("GetConnection", lambda: world.interconnect.get_connection(identifier="mcc-01234567")),
        ("GetEnvironment", lambda: world.interconnect.get_environment(id="nowhere")),
        (
            "CreateConnection",
            lambda: world.interconnect.create_connection(
                environmentId=GOOGLE_US_EAST,
                bandwidth="40Gbps",
                attachPoint={"directConnectGateway": world.gateway_id},
                remoteAccount=GOOGLE_PROJECT,
            ),
        ),
        (
            "CreateConnection",
            lambda: world.interconnect.create_connection(
                environmentId=GOOGLE_US_EAST,
                bandwidth="1Gbps",
                attachPoint={"directConnectGateway": world.gateway_id},
            ),
        ),
        (
            "UpdateConnection",
            lambda: world.interconnect.update_connection(identifier=world.conn["id"], bandwidth="2Gbps"),
        ),
        ("ListConnections", lambda: world.interconnect.list_connections(nextToken="forged")),
    ]
    for operation, call in calls:
        with pytest.raises(world.interconnect.exceptions.ClientError) as raised:
            call()
        modeled = {e.name for e in service_model("interconnect").operation_model(operation).error_shapes}
        assert raised.value.response["Error"]["Code"] in modeled, operation


def test_the_hostile_variants_answer_on_the_model_and_with_errors_modeled_for_the_operation(
    world: World,
) -> None:
    hostile = InterconnectEmulator(world.clock, world.dx, variants=variants.HOSTILE)
    with hostile:
        created = world.interconnect.create_connection(
            environmentId=GOOGLE_US_EAST,
            bandwidth="1Gbps",
            attachPoint={"directConnectGateway": world.gateway_id},
            remoteAccount=GOOGLE_PROJECT,
        )["connection"]
        modeled = {
            e.name for e in service_model("interconnect").operation_model("GetConnection").error_shapes
        }
        for expected in variants.HOSTILE.read_after_create_errors:
            with pytest.raises(world.interconnect.exceptions.ClientError) as raised:
                world.interconnect.get_connection(identifier=created["id"])
            assert raised.value.response["Error"]["Code"] == expected and expected in modeled
        world.interconnect.get_connection(identifier=created["id"])
        world.interconnect.list_connections()
        world.interconnect.list_connections()

    for operation in ("CreateConnection", "GetConnection", "ListConnections"):
        output_shape = service_model("interconnect").operation_model(operation).output_shape
        assert output_shape is not None
        assert_matches_shape(
            _body(world.parsed[operation]), output_shape, f"{operation} under hostile variants"
        )
    assert world.parsed["CreateConnection"]["connection"]["state"] == "pending"
    assert [c["id"] for c in world.parsed["ListConnections"]["connections"]] == [created["id"]]


def test_an_emulator_answer_off_the_model_fails_loudly(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        world.ic, "get_environment", lambda id: {"environment": {"environmentId": id, "extra": 1}}
    )
    with pytest.raises(AssertionError, match="unknown member 'extra'"):
        world.interconnect.get_environment(id=LUMEN_NEW_YORK)


# -- the strict validator itself -------------------------------------------------------------------


def test_strict_validator_catches_what_botocore_param_validation_lets_through() -> None:
    shape = service_model("interconnect").operation_model("GetConnection").output_shape
    assert shape is not None
    good = {
        "connection": {
            "id": "mcc-01234567",
            "arn": "arn:aws:interconnect:us-east-1:123456789012:connection/mcc-01234567",
            "description": "d",
            "bandwidth": "1Gbps",
            "attachPoint": {"directConnectGateway": "00000000-0000-0000-0000-000000000000"},
            "environmentId": GOOGLE_US_EAST,
            "provider": {"cloudServiceProvider": "gcp"},
            "location": "us-east4",
            "type": "Multicloud",
            "state": "available",
            "sharedId": "00000000-0000-0000-0000-000000000000",
            "billingTier": 1,
            "ownerAccount": "123456789012",
            "activationKey": "k",
            "tags": {},
        }
    }
    assert shape_errors(good, shape) == []

    def errors_with(**changes: Any) -> list[str]:
        return shape_errors({"connection": {**good["connection"], **changes}}, shape)

    assert any("unknown member 'color'" in e for e in errors_with(color="red"))
    assert any("expected an integer" in e for e in errors_with(billingTier="1"))
    assert any("above the maximum 8" in e for e in errors_with(billingTier=9))
    assert any("not one of" in e for e in errors_with(state="sleeping"))
    assert any("pattern" in e for e in errors_with(bandwidth="1 gig"))
    assert any("above the maximum 32" in e for e in errors_with(id="mcc-" + "0" * 40))
    assert any(
        "exactly one member" in e
        for e in errors_with(provider={"cloudServiceProvider": "g", "lastMileProvider": "l"})
    )
    assert any("missing required member 'sharedId'" in e for e in errors_with(sharedId=None))


def test_patterns_are_matched_whole_so_an_invented_longer_id_is_caught() -> None:
    shape = service_model("interconnect").shape_for("ConnectionId")
    assert shape_errors("mcc-12345678", shape) == []
    assert shape_errors("mcc-0123456789abcdefg", shape), "17 characters after the prefix is not an AWS id"
    assert shape_errors("xmcc-12345678", shape)
