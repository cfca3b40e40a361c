"""The AWS Interconnect emulator, reached through real boto3 clients under moto."""

from __future__ import annotations

import logging
import re
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, ParamValidationError
from interconnect_support import (
    GOOGLE,
    GOOGLE_FRANKFURT,
    GOOGLE_LONDON,
    GOOGLE_PROJECT,
    GOOGLE_US_EAST,
    LUMEN,
    LUMEN_ACCOUNT,
    LUMEN_CHICAGO,
    LUMEN_NEW_YORK,
    LUMEN_SEATTLE,
    create,
    state,
)

from icp_local.clock import SimClock
from icp_local.emulators.botocore_hooks import service_model
from icp_local.emulators.directconnect import DirectConnectEmulator
from icp_local.emulators.directconnect_model import GATEWAY_PENDING_SECONDS
from icp_local.emulators.interconnect import InterconnectEmulator

# The API's own values (docs/conformance.md, "AWS Interconnect").
CONNECTION_ID = service_model("interconnect").shape_for("ConnectionId").metadata["pattern"]
UNKNOWN_CONNECTION = "mcc-01234567"


def _available(interconnect: Any, emulator: InterconnectEmulator, clock: SimClock, gateway_id: str) -> dict:
    conn = create(interconnect, gateway_id)
    emulator.partner_accept(conn["activationKey"])
    clock.advance(emulator.provisioning_seconds)
    return conn


@pytest.fixture
def gateway_id(gateway_id: str, clock: SimClock) -> str:
    """The shared gateway, past its ``pending`` time: an ``available`` gateway, as the product
    waits for before it creates connections."""
    clock.advance(GATEWAY_PENDING_SECONDS)
    return gateway_id


@pytest.fixture
def roomy(directconnect_emulator: DirectConnectEmulator, clock: SimClock) -> Any:
    """An Interconnect client whose emulator has room for many connections per provider."""
    emulator = InterconnectEmulator(
        clock, directconnect_emulator, max_connections=50, max_requested=50, max_multicloud_per_provider=50
    )
    with emulator:
        yield boto3.session.Session().client("interconnect", region_name="us-east-1"), emulator


# -- what botocore does before the emulator --------------------------------------------------------


def test_botocore_rejects_a_gateway_id_shorter_than_a_uuid_before_the_emulator_sees_it(
    interconnect: Any, interconnect_emulator: InterconnectEmulator
) -> None:
    with pytest.raises(ParamValidationError):
        create(interconnect, "too-short")
    assert interconnect_emulator.calls == {}


def test_limits_botocore_leaves_to_the_service_are_enforced_as_validation_errors(interconnect: Any) -> None:
    with pytest.raises(interconnect.exceptions.InterconnectValidationException):
        interconnect.list_connections(maxResults=101)


# -- creating --------------------------------------------------------------------------------------


def test_new_multicloud_connection_is_requested_with_a_secret_looking_activation_key(
    interconnect: Any, gateway_id: str
) -> None:
    conn = create(interconnect, gateway_id, description="to gcp", tags={"team": "net"})

    assert re.fullmatch(CONNECTION_ID, conn["id"]) and conn["id"].startswith("mcc-")
    assert conn["arn"] == f"arn:aws:interconnect:us-east-1:123456789012:connection/{conn['id']}"
    assert conn["state"] == "requested"
    assert len(conn["activationKey"]) >= 40
    assert re.fullmatch(r"[0-9a-f-]{36}", conn["sharedId"])
    assert conn["provider"] == GOOGLE and conn["location"] == "us-east4" and conn["type"] == "Multicloud"
    assert conn["attachPoint"] == {"directConnectGateway": gateway_id}
    assert conn["ownerAccount"] == "123456789012" and conn["tags"] == {"team": "net"}
    assert conn["description"] == "to gcp"


def test_last_mile_connection_has_an_lmcc_id(interconnect: Any, gateway_id: str) -> None:
    conn = create(
        interconnect,
        gateway_id,
        environmentId=LUMEN_NEW_YORK,
        bandwidth="10Gbps",
        remoteAccount=LUMEN_ACCOUNT,
    )
    assert re.fullmatch(CONNECTION_ID, conn["id"]) and conn["id"].startswith("lmcc-")
    assert conn["provider"] == LUMEN and conn["type"] == "LastMile" and conn["location"] == "new-york"


def test_last_mile_connection_requires_the_remote_account(interconnect: Any, gateway_id: str) -> None:
    with pytest.raises(interconnect.exceptions.InterconnectValidationException) as raised:
        create(interconnect, gateway_id, environmentId=LUMEN_NEW_YORK, bandwidth="10Gbps", remoteAccount=None)
    assert "remoteAccount" in raised.value.response["Error"]["Message"]


@pytest.mark.parametrize("identifier", ["my-project", "123412341234"])
def test_google_remote_account_may_be_a_project_id_or_a_project_number(
    interconnect: Any, interconnect_emulator: InterconnectEmulator, gateway_id: str, identifier: str
) -> None:
    conn = create(interconnect, gateway_id, remoteAccount={"identifier": identifier})
    found = interconnect_emulator.find_by_activation_key(conn["activationKey"])
    assert found is not None and found["remoteAccount"] == identifier


def test_unknown_environment_is_not_found(interconnect: Any, gateway_id: str) -> None:
    with pytest.raises(interconnect.exceptions.ResourceNotFoundException):
        create(interconnect, gateway_id, environmentId="mce-aws-gcp-nrt")


def test_environment_of_another_region_is_refused(interconnect: Any, gateway_id: str) -> None:
    with pytest.raises(interconnect.exceptions.InterconnectValidationException):
        create(interconnect, gateway_id, environmentId=GOOGLE_LONDON)


def test_bandwidth_the_environment_does_not_offer_is_refused_by_name(
    interconnect: Any, gateway_id: str
) -> None:
    with pytest.raises(interconnect.exceptions.InterconnectValidationException) as raised:
        create(interconnect, gateway_id, bandwidth="25Gbps")
    assert "25Gbps" in raised.value.response["Error"]["Message"]


def test_unknown_direct_connect_gateway_is_refused(interconnect: Any) -> None:
    with pytest.raises(interconnect.exceptions.InterconnectValidationException):
        create(interconnect, "00000000-0000-0000-0000-000000000000")


def test_unavailable_environment_refuses_new_connections(
    interconnect: Any, interconnect_emulator: InterconnectEmulator, gateway_id: str
) -> None:
    interconnect_emulator.set_environment_state(GOOGLE_US_EAST, "unavailable")
    with pytest.raises(interconnect.exceptions.InterconnectValidationException):
        create(interconnect, gateway_id)


# -- lifecycle -------------------------------------------------------------------------------------


def test_accepted_connection_is_pending_then_available_after_provisioning(
    interconnect: Any, interconnect_emulator: InterconnectEmulator, clock: SimClock, gateway_id: str
) -> None:
    conn = create(interconnect, gateway_id)

    interconnect_emulator.partner_accept(conn["activationKey"])
    assert state(interconnect, conn["id"]) == "pending"
    clock.advance(299)
    assert state(interconnect, conn["id"]) == "pending"
    clock.advance(1)
    assert state(interconnect, conn["id"]) == "available"


def test_partner_rejection_fails_the_connection_without_a_message(
    interconnect: Any, interconnect_emulator: InterconnectEmulator, gateway_id: str
) -> None:
    conn = create(interconnect, gateway_id)
    interconnect_emulator.partner_reject(conn["activationKey"], reason="org policy denies it")

    shown = interconnect.get_connection(identifier=conn["id"])["connection"]
    assert shown["state"] == "failed"
    assert "org policy" not in str(shown)


def test_resize_goes_through_updating_and_back_to_available_after_two_minutes(
    interconnect: Any, interconnect_emulator: InterconnectEmulator, clock: SimClock, gateway_id: str
) -> None:
    conn = _available(interconnect, interconnect_emulator, clock, gateway_id)

    updated = interconnect.update_connection(identifier=conn["id"], bandwidth="5Gbps")["connection"]

    assert updated["state"] == "updating" and updated["bandwidth"] == "5Gbps"
    clock.advance(119)
    assert state(interconnect, conn["id"]) == "updating"
    clock.advance(1)
    assert state(interconnect, conn["id"]) == "available"


def test_resize_to_a_bandwidth_not_offered_is_refused_by_name(
    interconnect: Any, interconnect_emulator: InterconnectEmulator, clock: SimClock, gateway_id: str
) -> None:
    conn = _available(interconnect, interconnect_emulator, clock, gateway_id)
    with pytest.raises(interconnect.exceptions.InterconnectValidationException) as raised:
        interconnect.update_connection(identifier=conn["id"], bandwidth="100Gbps")
    assert "100Gbps" in raised.value.response["Error"]["Message"]


def test_resize_is_refused_unless_the_connection_is_available(interconnect: Any, gateway_id: str) -> None:
    conn = create(interconnect, gateway_id)
    with pytest.raises(interconnect.exceptions.InterconnectClientException):
        interconnect.update_connection(identifier=conn["id"], bandwidth="5Gbps")


def test_description_can_change_while_requested(interconnect: Any, gateway_id: str) -> None:
    conn = create(interconnect, gateway_id)
    updated = interconnect.update_connection(identifier=conn["id"], description="renamed")["connection"]
    assert updated["description"] == "renamed" and updated["state"] == "requested"


def test_deleted_connection_stays_visible_as_deleted(
    interconnect: Any, interconnect_emulator: InterconnectEmulator, clock: SimClock, gateway_id: str
) -> None:
    conn = _available(interconnect, interconnect_emulator, clock, gateway_id)

    deleting = interconnect.delete_connection(identifier=conn["id"])["connection"]
    assert deleting["state"] == "deleting"
    clock.advance(60)

    assert state(interconnect, conn["id"]) == "deleted"
    assert [c["state"] for c in interconnect.list_connections()["connections"]] == ["deleted"]
    assert interconnect_emulator.live_resources() == []


def test_link_down_and_up_is_reported_as_aws_will(
    interconnect: Any, interconnect_emulator: InterconnectEmulator, clock: SimClock, gateway_id: str
) -> None:
    conn = _available(interconnect, interconnect_emulator, clock, gateway_id)

    interconnect_emulator.set_link_state(conn["id"], "down")
    assert state(interconnect, conn["id"]) == "down"
    interconnect_emulator.set_link_state(conn["id"], "available")
    assert state(interconnect, conn["id"]) == "available"


def test_deleted_connection_can_no_longer_be_accepted_by_the_partner(
    interconnect: Any, interconnect_emulator: InterconnectEmulator, clock: SimClock, gateway_id: str
) -> None:
    conn = create(interconnect, gateway_id)
    interconnect.delete_connection(identifier=conn["id"])
    with pytest.raises(ValueError):
        interconnect_emulator.partner_accept(conn["activationKey"])
    clock.advance(interconnect_emulator.delete_seconds)
    with pytest.raises(ValueError):
        interconnect_emulator.partner_accept(conn["activationKey"])


def test_partner_finds_the_connection_and_its_remote_account_by_the_activation_key(
    interconnect: Any, interconnect_emulator: InterconnectEmulator, gateway_id: str
) -> None:
    conn = create(interconnect, gateway_id)

    found = interconnect_emulator.find_by_activation_key(conn["activationKey"])

    assert found is not None and found["id"] == conn["id"] and found["region"] == "us-east-1"
    assert found["remoteAccount"] == GOOGLE_PROJECT["identifier"]
    assert interconnect_emulator.find_by_activation_key("not-a-key") is None


def test_every_state_change_moves_the_generation(
    interconnect: Any, interconnect_emulator: InterconnectEmulator, clock: SimClock, gateway_id: str
) -> None:
    start = interconnect_emulator.generation
    conn = create(interconnect, gateway_id)
    created = interconnect_emulator.generation
    interconnect_emulator.partner_accept(conn["activationKey"])
    accepted = interconnect_emulator.generation
    clock.advance(300)

    assert start < created < accepted < interconnect_emulator.generation


# -- quotas ----------------------------------------------------------------------------------------


def test_third_multicloud_connection_to_one_provider_exceeds_the_quota(
    interconnect: Any, gateway_id: str
) -> None:
    create(interconnect, gateway_id)
    create(interconnect, gateway_id)
    with pytest.raises(interconnect.exceptions.ServiceQuotaExceededException) as raised:
        create(interconnect, gateway_id)
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 402


def test_fifth_outstanding_request_exceeds_the_quota(roomy: Any, gateway_id: str) -> None:
    client, emulator = roomy
    emulator.max_requested = 4
    for _ in range(4):
        create(client, gateway_id)
    with pytest.raises(client.exceptions.ServiceQuotaExceededException):
        create(client, gateway_id)


def test_account_quota_counts_connections_until_they_are_deleted(
    roomy: Any, clock: SimClock, gateway_id: str
) -> None:
    client, emulator = roomy
    emulator.max_connections = 2
    first = create(client, gateway_id)
    create(client, gateway_id)
    with pytest.raises(client.exceptions.ServiceQuotaExceededException):
        create(client, gateway_id)

    client.delete_connection(identifier=first["id"])
    clock.advance(60)

    assert create(client, gateway_id)["state"] == "requested"


def test_failed_connections_free_their_quota_slot(
    interconnect: Any, interconnect_emulator: InterconnectEmulator, gateway_id: str
) -> None:
    first = create(interconnect, gateway_id)
    create(interconnect, gateway_id)
    interconnect_emulator.partner_reject(first["activationKey"])
    assert create(interconnect, gateway_id)["state"] == "requested"


# -- idempotency -----------------------------------------------------------------------------------


def test_same_client_token_and_parameters_return_the_same_connection(
    interconnect: Any, interconnect_emulator: InterconnectEmulator, gateway_id: str
) -> None:
    first = create(interconnect, gateway_id, clientToken="req-1")
    again = create(interconnect, gateway_id, clientToken="req-1")

    assert again["id"] == first["id"]
    assert len(interconnect_emulator.connections()) == 1


def test_same_client_token_with_other_parameters_is_refused(interconnect: Any, gateway_id: str) -> None:
    create(interconnect, gateway_id, clientToken="req-1")
    with pytest.raises(interconnect.exceptions.InterconnectValidationException) as raised:
        create(interconnect, gateway_id, clientToken="req-1", bandwidth="2Gbps")
    assert "clientToken" in raised.value.response["Error"]["Message"]


def test_calls_without_a_client_token_get_one_from_botocore_and_are_distinct(
    interconnect: Any, interconnect_emulator: InterconnectEmulator, gateway_id: str
) -> None:
    create(interconnect, gateway_id)
    create(interconnect, gateway_id)
    assert len(interconnect_emulator.connections()) == 2


# -- listing ---------------------------------------------------------------------------------------


def test_connections_are_listed_page_by_page(roomy: Any, gateway_id: str) -> None:
    client, _ = roomy
    created = [create(client, gateway_id)["id"] for _ in range(5)]

    first = client.list_connections(maxResults=2)
    pages = client.get_paginator("list_connections").paginate(PaginationConfig={"PageSize": 2})
    seen = [c["id"] for page in pages for c in page["connections"]]

    assert len(first["connections"]) == 2 and first["nextToken"]
    assert seen == created


def test_a_forged_next_token_is_refused(interconnect: Any) -> None:
    with pytest.raises(interconnect.exceptions.InterconnectValidationException):
        interconnect.list_connections(nextToken="forged")


def test_connections_are_filtered_by_state_environment_provider_and_attach_point(
    interconnect: Any, interconnect_emulator: InterconnectEmulator, directconnect: Any, gateway_id: str
) -> None:
    google = create(interconnect, gateway_id)
    other_gateway = directconnect.create_direct_connect_gateway(directConnectGatewayName="other")
    other_id = other_gateway["directConnectGateway"]["directConnectGatewayId"]
    lumen = create(
        interconnect,
        other_id,
        environmentId=LUMEN_NEW_YORK,
        bandwidth="1Gbps",
        remoteAccount=LUMEN_ACCOUNT,
    )
    interconnect_emulator.partner_accept(lumen["activationKey"])

    def ids(**filters: Any) -> list[str]:
        return [c["id"] for c in interconnect.list_connections(**filters)["connections"]]

    assert ids(state="pending") == [lumen["id"]]
    assert ids(environmentId=GOOGLE_US_EAST) == [google["id"]]
    assert ids(provider=LUMEN) == [lumen["id"]]
    assert ids(attachPoint={"directConnectGateway": gateway_id}) == [google["id"]]


def test_each_region_has_its_own_view_of_connections(interconnect: Any, gateway_id: str) -> None:
    conn = create(interconnect, gateway_id)
    london = boto3.session.Session().client("interconnect", region_name="eu-west-2")

    assert london.list_connections()["connections"] == []
    with pytest.raises(london.exceptions.ResourceNotFoundException):
        london.get_connection(identifier=conn["id"])
    london_conn = create(london, gateway_id, environmentId=GOOGLE_LONDON)
    assert london_conn["arn"].startswith("arn:aws:interconnect:eu-west-2:")


# -- environments and attach points ----------------------------------------------------------------


def test_us_east_1_offers_google_cloud_and_three_lumen_metros(interconnect: Any) -> None:
    environments = interconnect.list_environments()["environments"]
    by_id = {env["environmentId"]: env for env in environments}

    assert set(by_id) == {GOOGLE_US_EAST, LUMEN_NEW_YORK, LUMEN_CHICAGO, LUMEN_SEATTLE}
    assert by_id[GOOGLE_US_EAST]["provider"] == GOOGLE and by_id[GOOGLE_US_EAST]["type"] == "Multicloud"
    assert by_id[LUMEN_SEATTLE]["provider"] == LUMEN and by_id[LUMEN_SEATTLE]["type"] == "LastMile"
    assert by_id[GOOGLE_US_EAST]["bandwidths"]["available"] == [
        "500Mbps",
        "1Gbps",
        "2Gbps",
        "5Gbps",
        "10Gbps",
    ]
    assert "100Gbps" in by_id[GOOGLE_US_EAST]["bandwidths"]["supported"]
    assert by_id[GOOGLE_US_EAST]["remoteIdentifierType"] == "account"
    assert by_id[LUMEN_CHICAGO]["remoteIdentifierType"] == "email"


def test_environments_are_filtered_by_provider_and_location(interconnect: Any) -> None:
    lumen = interconnect.list_environments(provider=LUMEN)["environments"]
    chicago = interconnect.list_environments(provider=LUMEN, location="chicago")["environments"]

    assert len(lumen) == 3 and {env["provider"]["lastMileProvider"] for env in lumen} == {"lumen"}
    assert [env["environmentId"] for env in chicago] == [LUMEN_CHICAGO]
    assert [
        env["environmentId"] for env in interconnect.list_environments(provider=GOOGLE)["environments"]
    ] == [GOOGLE_US_EAST]


def test_environments_are_listed_page_by_page(interconnect: Any) -> None:
    first = interconnect.list_environments(maxResults=3)
    rest = interconnect.list_environments(maxResults=3, nextToken=first["nextToken"])
    assert len(first["environments"]) == 3 and len(rest["environments"]) == 1 and "nextToken" not in rest


def test_frankfurt_google_cloud_environment_is_limited(interconnect_emulator: InterconnectEmulator) -> None:
    frankfurt = boto3.session.Session().client("interconnect", region_name="eu-central-1")
    env = frankfurt.get_environment(id=GOOGLE_FRANKFURT)["environment"]
    assert env["state"] == "limited" and env["location"] == "europe-west3"
    assert env["bandwidths"]["available"] == ["500Mbps", "1Gbps", "2Gbps"]


def test_environment_of_another_region_is_not_found(interconnect: Any) -> None:
    with pytest.raises(interconnect.exceptions.ResourceNotFoundException):
        interconnect.get_environment(id=GOOGLE_FRANKFURT)


@pytest.mark.parametrize(
    "region,environment_id,google_region",
    [
        ("us-east-1", "mce-aws-gcp-iad", "us-east4"),
        ("us-west-1", "mce-aws-gcp-sfo", "us-west2"),
        ("us-west-2", "mce-aws-gcp-pdx", "us-west1"),
        ("eu-west-2", "mce-aws-gcp-lhr", "europe-west2"),
        ("eu-central-1", "mce-aws-gcp-fra", "europe-west3"),
        ("ap-southeast-1", "mce-aws-gcp-sin", "asia-southeast1"),
    ],
)
def test_each_region_offers_one_google_cloud_environment_named_by_airport_code(
    interconnect_emulator: InterconnectEmulator, region: str, environment_id: str, google_region: str
) -> None:
    client: Any = boto3.session.Session().client("interconnect", region_name=region)
    google = client.list_environments(provider=GOOGLE)["environments"]

    assert [env["environmentId"] for env in google] == [environment_id]
    assert google[0]["location"] == google_region and google[0]["type"] == "Multicloud"
    assert google[0]["remoteIdentifierType"] == "account"


def test_a_region_without_a_pair_offers_no_environments(interconnect_emulator: InterconnectEmulator) -> None:
    tokyo = boto3.session.Session().client("interconnect", region_name="ap-northeast-1")
    assert tokyo.list_environments()["environments"] == []


def test_attach_points_are_the_direct_connect_gateways(interconnect: Any, gateway_id: str) -> None:
    points = interconnect.list_attach_points(environmentId=GOOGLE_US_EAST)["attachPoints"]
    assert points == [{"type": "DirectConnectGateway", "identifier": gateway_id, "name": "icp-test"}]


def test_a_pending_gateway_is_not_listed_as_an_attach_point_but_can_be_attached_to(
    interconnect: Any, directconnect: Any, clock: SimClock, gateway_id: str
) -> None:
    pending = directconnect.create_direct_connect_gateway(directConnectGatewayName="new")
    pending_id = pending["directConnectGateway"]["directConnectGatewayId"]

    def listed() -> list[str]:
        points = interconnect.list_attach_points(environmentId=GOOGLE_US_EAST)["attachPoints"]
        return [point["identifier"] for point in points]

    assert listed() == [gateway_id]
    assert create(interconnect, pending_id)["attachPoint"] == {"directConnectGateway": pending_id}
    clock.advance(GATEWAY_PENDING_SECONDS)
    assert listed() == [gateway_id, pending_id]


# -- partner-initiated -----------------------------------------------------------------------------


def test_partner_proposal_is_described_then_accepted_into_a_pending_connection(
    interconnect: Any, interconnect_emulator: InterconnectEmulator, clock: SimClock, gateway_id: str
) -> None:
    key = interconnect_emulator.partner_propose("us-east-1", "google-cloud", "us-east4", "2Gbps")

    proposal = interconnect.describe_connection_proposal(activationKey=key)
    accepted = interconnect.accept_connection_proposal(
        activationKey=key, attachPoint={"directConnectGateway": gateway_id}
    )["connection"]

    assert proposal["environmentId"] == GOOGLE_US_EAST and proposal["bandwidth"] == "2Gbps"
    assert proposal["provider"] == GOOGLE and proposal["location"] == "us-east4"
    assert accepted["state"] == "pending" and accepted["bandwidth"] == "2Gbps"
    clock.advance(300)
    assert state(interconnect, accepted["id"]) == "available"
    with pytest.raises(interconnect.exceptions.ResourceNotFoundException):
        interconnect.describe_connection_proposal(activationKey=key)


@pytest.mark.parametrize(
    "provider,location,environment_id",
    [
        ("google-cloud", "us-east4", GOOGLE_US_EAST),
        ("gcp", "us-east4", GOOGLE_US_EAST),
        ("lumen", "seattle", LUMEN_SEATTLE),
    ],
)
def test_partner_proposes_by_the_products_provider_name_or_the_apis(
    interconnect: Any,
    interconnect_emulator: InterconnectEmulator,
    provider: str,
    location: str,
    environment_id: str,
) -> None:
    key = interconnect_emulator.partner_propose("us-east-1", provider, location, "1Gbps")
    assert interconnect.describe_connection_proposal(activationKey=key)["environmentId"] == environment_id


def test_partner_cannot_propose_where_no_environment_is(interconnect_emulator: InterconnectEmulator) -> None:
    with pytest.raises(ValueError):
        interconnect_emulator.partner_propose("us-east-1", "google-cloud", "europe-west2", "1Gbps")
    with pytest.raises(ValueError):
        interconnect_emulator.partner_propose("us-east-1", "lumen", "ashburn", "1Gbps")


def test_proposal_of_another_region_is_not_found(interconnect_emulator: InterconnectEmulator) -> None:
    key = interconnect_emulator.partner_propose("eu-west-2", "google-cloud", "europe-west2", "1Gbps")
    virginia = boto3.session.Session().client("interconnect", region_name="us-east-1")
    with pytest.raises(virginia.exceptions.ResourceNotFoundException):
        virginia.describe_connection_proposal(activationKey=key)


# -- tags ------------------------------------------------------------------------------------------


def test_tags_are_added_removed_and_listed(interconnect: Any, gateway_id: str) -> None:
    arn = create(interconnect, gateway_id, tags={"team": "net"})["arn"]

    interconnect.tag_resource(arn=arn, tags={"env": "prod"})
    interconnect.untag_resource(arn=arn, tagKeys=["team"])

    assert interconnect.list_tags_for_resource(arn=arn)["tags"] == {"env": "prod"}


def test_reserved_tag_keys_are_refused(interconnect: Any, gateway_id: str) -> None:
    arn = create(interconnect, gateway_id)["arn"]
    with pytest.raises(interconnect.exceptions.InterconnectValidationException):
        interconnect.tag_resource(arn=arn, tags={"aws:owner": "me"})


def test_tagging_an_unknown_connection_is_not_found(interconnect: Any) -> None:
    with pytest.raises(interconnect.exceptions.ResourceNotFoundException):
        interconnect.list_tags_for_resource(
            arn=f"arn:aws:interconnect:us-east-1:123456789012:connection/{UNKNOWN_CONNECTION}"
        )


# -- error injection and secrets -------------------------------------------------------------------


def test_injected_throttling_raises_the_modeled_exception_then_clears(
    interconnect: Any, interconnect_emulator: InterconnectEmulator, gateway_id: str
) -> None:
    interconnect_emulator.fail_next("CreateConnection", "ThrottlingException", times=2)

    for _ in range(2):
        with pytest.raises(interconnect.exceptions.ThrottlingException) as raised:
            create(interconnect, gateway_id)
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert create(interconnect, gateway_id)["state"] == "requested"
    assert interconnect_emulator.calls["CreateConnection"] == 3


def test_unknown_connection_is_not_found(interconnect: Any) -> None:
    with pytest.raises(ClientError) as raised:
        interconnect.get_connection(identifier=UNKNOWN_CONNECTION)
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_activation_key_never_reaches_logs_or_error_messages(
    interconnect: Any,
    interconnect_emulator: InterconnectEmulator,
    clock: SimClock,
    gateway_id: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    conn = create(interconnect, gateway_id)
    key = conn["activationKey"]
    interconnect_emulator.partner_accept(key)
    clock.advance(300)
    interconnect.delete_connection(identifier=conn["id"])
    clock.advance(60)
    with pytest.raises(ClientError) as raised:
        interconnect.describe_connection_proposal(activationKey=key)

    assert key not in caplog.text
    assert key not in str(raised.value)
