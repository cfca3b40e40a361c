"""The AWS Interconnect emulator under each reading of the evidence it can play
(``icp_local.variants``; docs/conformance.md, "Variants"), and the rules on connection ids and
``remoteAccount`` that came with the evidence-based values. Reached through real boto3 clients."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import boto3
import pytest
from interconnect_support import (
    GOOGLE_LONDON,
    LUMEN_ACCOUNT,
    LUMEN_NEW_YORK,
    create,
    state,
)

from icp_local import variants
from icp_local.clock import SimClock
from icp_local.emulators.botocore_hooks import service_model
from icp_local.emulators.directconnect import DirectConnectEmulator
from icp_local.emulators.directconnect_model import GATEWAY_PENDING_SECONDS
from icp_local.emulators.interconnect import InterconnectEmulator
from icp_local.variants import Variants

CONNECTION_ID = "(mcc|lmcc)-[a-z0-9]{8}"

Play = Callable[..., InterconnectEmulator]


def _client(region: str = "us-east-1") -> Any:
    return boto3.session.Session().client("interconnect", region_name=region)


def _listed(client: Any) -> dict[str, str]:
    """One first-page ListConnections: connection id -> state."""
    return {c["id"]: c["state"] for c in client.list_connections()["connections"]}


@pytest.fixture
def gateway_id(gateway_id: str, clock: SimClock) -> str:
    """The shared gateway, past its ``pending`` time (``available``)."""
    clock.advance(GATEWAY_PENDING_SECONDS)
    return gateway_id


@pytest.fixture
def play(directconnect_emulator: DirectConnectEmulator, clock: SimClock) -> Iterator[Play]:
    """Install an Interconnect emulator playing the given variants (the last installed answers)."""
    with ExitStack() as stack:

        def start(chosen: Variants | str = variants.DEFAULT, **limits: Any) -> InterconnectEmulator:
            if isinstance(chosen, str):
                chosen = variants.parse(chosen)
            emulator = InterconnectEmulator(clock, directconnect_emulator, variants=chosen, **limits)
            return stack.enter_context(emulator)

        yield start


# -- state_order -----------------------------------------------------------------------------------


def test_pending_first_connection_is_pending_then_requested_once_prepared(
    play: Play, clock: SimClock, gateway_id: str
) -> None:
    emulator = play("state_order=pending-first")
    client = _client()

    conn = create(client, gateway_id)

    assert conn["state"] == "pending"
    clock.advance(emulator.preparing_seconds - 1)
    assert state(client, conn["id"]) == "pending"
    clock.advance(1)
    assert state(client, conn["id"]) == "requested"


def test_pending_first_acceptance_keeps_the_connection_requested_until_it_is_available(
    play: Play, clock: SimClock, gateway_id: str
) -> None:
    emulator = play("state_order=pending-first")
    client = _client()
    conn = create(client, gateway_id)
    clock.advance(emulator.preparing_seconds)

    emulator.partner_accept(conn["activationKey"])

    assert state(client, conn["id"]) == "requested"
    clock.advance(emulator.provisioning_seconds - 1)
    assert state(client, conn["id"]) == "requested"
    clock.advance(1)
    assert state(client, conn["id"]) == "available"


def test_pending_first_acceptance_while_still_preparing_is_taken_once_ready(
    play: Play, clock: SimClock, gateway_id: str
) -> None:
    emulator = play("state_order=pending-first")
    client = _client()
    conn = create(client, gateway_id)

    emulator.partner_accept(conn["activationKey"])

    clock.advance(emulator.preparing_seconds + emulator.provisioning_seconds - 1)
    assert state(client, conn["id"]) != "available"
    clock.advance(1)
    assert state(client, conn["id"]) == "available"


def test_requested_first_connection_is_requested_then_pending_once_accepted_then_available(
    play: Play, clock: SimClock, gateway_id: str
) -> None:
    emulator = play(Variants(state_order="requested-first"))
    client = _client()

    conn = create(client, gateway_id)
    assert conn["state"] == "requested"
    clock.advance(3600)
    assert state(client, conn["id"]) == "requested"

    emulator.partner_accept(conn["activationKey"])
    assert state(client, conn["id"]) == "pending"
    clock.advance(emulator.provisioning_seconds - 1)
    assert state(client, conn["id"]) == "pending"
    clock.advance(1)
    assert state(client, conn["id"]) == "available"


def test_requested_first_is_the_default_order(play: Play, gateway_id: str) -> None:
    play()
    assert create(_client(), gateway_id)["state"] == "requested"


def test_pending_first_connections_being_prepared_count_as_outstanding_requests(
    play: Play, clock: SimClock, gateway_id: str
) -> None:
    emulator = play(
        "state_order=pending-first", max_connections=50, max_multicloud_per_provider=50, max_requested=4
    )
    client = _client()
    for _ in range(4):
        create(client, gateway_id)

    with pytest.raises(client.exceptions.ServiceQuotaExceededException):
        create(client, gateway_id)
    clock.advance(emulator.preparing_seconds)
    assert sum(c["state"] == "requested" for c in emulator.connections()) <= emulator.max_requested


# -- read_after_create_errors ----------------------------------------------------------------------


def test_first_reads_of_a_new_connection_miss_it_with_the_listed_errors_in_order(
    play: Play, gateway_id: str
) -> None:
    emulator = play(variants.HOSTILE)
    client = _client()
    conn = create(client, gateway_id)

    before = emulator.generation
    with pytest.raises(client.exceptions.ResourceNotFoundException) as not_found:
        client.get_connection(identifier=conn["id"])
    with pytest.raises(client.exceptions.AccessDeniedException) as denied:
        client.get_connection(identifier=conn["id"])

    assert not_found.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert emulator.generation > before  # a poller knows the next read may see more
    assert client.get_connection(identifier=conn["id"])["connection"]["id"] == conn["id"]
    assert client.get_connection(identifier=conn["id"])["connection"]["id"] == conn["id"]


def test_a_list_leaves_a_new_connection_out_and_uses_up_one_miss(play: Play, gateway_id: str) -> None:
    play(Variants(read_after_create_errors=("ResourceNotFoundException", "AccessDeniedException")))
    client = _client()
    conn = create(client, gateway_id)

    assert _listed(client) == {}
    with pytest.raises(client.exceptions.AccessDeniedException):
        client.get_connection(identifier=conn["id"])
    assert _listed(client) == {conn["id"]: "requested"}
    assert state(client, conn["id"]) == "requested"


def test_by_default_a_new_connection_is_read_at_once(play: Play, gateway_id: str) -> None:
    play()
    client = _client()
    conn = create(client, gateway_id)

    assert state(client, conn["id"]) == "requested"
    assert _listed(client) == {conn["id"]: "requested"}


# -- list_lag --------------------------------------------------------------------------------------


def test_with_a_list_lag_of_one_a_state_change_shows_in_the_second_list_not_the_first(
    play: Play, gateway_id: str
) -> None:
    emulator = play("list_lag=1")
    client = _client()
    conn = create(client, gateway_id)
    assert _listed(client) == {conn["id"]: "requested"}

    emulator.partner_accept(conn["activationKey"])

    assert state(client, conn["id"]) == "pending"  # GetConnection is not stale
    assert _listed(client) == {conn["id"]: "requested"}
    assert _listed(client) == {conn["id"]: "pending"}


def test_with_a_list_lag_of_one_a_new_connection_appears_one_list_late(play: Play, gateway_id: str) -> None:
    play("list_lag=1")
    client = _client()
    assert _listed(client) == {}

    conn = create(client, gateway_id)

    assert _listed(client) == {}
    assert _listed(client) == {conn["id"]: "requested"}


def test_a_lagged_list_moves_the_generation_so_a_later_list_is_awaited(play: Play, gateway_id: str) -> None:
    emulator = play("list_lag=1")
    client = _client()
    _listed(client)
    create(client, gateway_id)

    before = emulator.generation
    _listed(client)  # lagged: the world has moved on
    assert emulator.generation > before

    _listed(client)  # caught up
    settled = emulator.generation
    _listed(client)
    assert emulator.generation == settled


# -- quota_scope -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "chosen,refused",
    [(Variants(), False), (Variants(quota_scope="region"), False), (Variants(quota_scope="account"), True)],
    ids=["default", "region", "account"],
)
def test_connections_in_another_region_count_against_the_quota_only_per_account(
    play: Play, gateway_id: str, chosen: Variants, refused: bool
) -> None:
    play(chosen)
    london, virginia = _client("eu-west-2"), _client("us-east-1")
    create(london, gateway_id, environmentId=GOOGLE_LONDON)
    create(london, gateway_id, environmentId=GOOGLE_LONDON)

    if refused:
        with pytest.raises(virginia.exceptions.ServiceQuotaExceededException):
            create(virginia, gateway_id)
    else:
        assert create(virginia, gateway_id)["state"] == "requested"


def test_connections_in_the_same_region_count_under_either_scope(play: Play, gateway_id: str) -> None:
    play(Variants(quota_scope="region"))
    client = _client()
    create(client, gateway_id)
    create(client, gateway_id)
    with pytest.raises(client.exceptions.ServiceQuotaExceededException):
        create(client, gateway_id)


# -- choosing variants -----------------------------------------------------------------------------


def test_hostile_preset_plays_every_hostile_reading() -> None:
    hostile = variants.parse("hostile")

    assert hostile == Variants(
        state_order="pending-first",
        read_after_create_errors=("ResourceNotFoundException", "AccessDeniedException"),
        list_lag=1,
        gateway_delete="accept-then-revert",
        quota_scope="account",
        cloud_wan_acceptance="required",
        used_proposal_error="InterconnectValidationException",
    )
    assert hostile.name == "hostile"


def test_field_value_pairs_change_only_what_they_name() -> None:
    chosen = variants.parse("state_order=pending-first,list_lag=1")

    assert chosen == Variants(state_order="pending-first", list_lag=1)
    assert chosen.read_after_create_errors == () and chosen.quota_scope == "region"
    assert chosen.name == "state_order=pending-first,list_lag=1"
    assert variants.parse(chosen.name) == chosen


def test_a_tuple_variant_is_joined_with_plus() -> None:
    chosen = variants.parse("read_after_create_errors=ResourceNotFoundException+AccessDeniedException")
    assert chosen.read_after_create_errors == ("ResourceNotFoundException", "AccessDeniedException")


@pytest.mark.parametrize("text", ["", "  ", "default"])
def test_empty_or_default_text_is_the_default(text: str) -> None:
    assert variants.parse(text) == variants.DEFAULT


@pytest.mark.parametrize(
    "text,named",
    [
        ("colour=blue", "colour"),
        ("state_order=pending-first,colour=blue", "colour"),
        ("hostile,list_lag=2", "hostile"),
        ("state_order=sideways", "state_order"),
        ("quota_scope=galaxy", "quota_scope"),
        ("gateway_delete=never", "gateway_delete"),
        ("list_lag=-1", "list_lag"),
    ],
)
def test_a_bad_variant_string_raises_value_error_naming_the_variant(text: str, named: str) -> None:
    with pytest.raises(ValueError, match=named):
        variants.parse(text)


def test_a_list_lag_that_is_not_a_number_raises_value_error_naming_the_variant() -> None:
    with pytest.raises(ValueError) as raised:
        variants.parse("list_lag=soon")
    assert "list_lag" in str(raised.value)


def test_the_environment_variable_chooses_when_no_argument_does(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(variants.ENVIRONMENT_VARIABLE, "state_order=pending-first,list_lag=1")

    assert variants.resolve(None) == Variants(state_order="pending-first", list_lag=1)
    assert variants.resolve("hostile") == variants.HOSTILE
    assert variants.resolve(variants.DEFAULT) == variants.DEFAULT


# -- connection ids and remoteAccount --------------------------------------------------------------


def test_connection_ids_match_botocores_connection_id_pattern(play: Play, gateway_id: str) -> None:
    play()
    client = _client()
    modeled = service_model("interconnect").shape_for("ConnectionId").metadata["pattern"]

    google = create(client, gateway_id)
    lumen = create(client, gateway_id, environmentId=LUMEN_NEW_YORK, remoteAccount=LUMEN_ACCOUNT)

    assert modeled == CONNECTION_ID
    assert re.fullmatch(r"mcc-[a-z0-9]{8}", google["id"])
    assert re.fullmatch(r"lmcc-[a-z0-9]{8}", lumen["id"])
    assert google["arn"].endswith(f":connection/{google['id']}")


def test_create_connection_without_a_remote_account_is_refused(play: Play, gateway_id: str) -> None:
    emulator = play()
    client = _client()

    with pytest.raises(client.exceptions.InterconnectValidationException) as raised:
        create(client, gateway_id, remoteAccount=None)

    assert "remoteAccount" in raised.value.response["Error"]["Message"]
    assert emulator.connections() == []


@pytest.mark.parametrize("identifier", ["L-1", "lumen-account-42", "123412341234"])
def test_lumen_connection_with_a_remote_account_that_is_not_an_email_is_refused(
    play: Play, gateway_id: str, identifier: str
) -> None:
    emulator = play()
    client = _client()

    with pytest.raises(client.exceptions.InterconnectValidationException) as raised:
        create(client, gateway_id, environmentId=LUMEN_NEW_YORK, remoteAccount={"identifier": identifier})

    assert "email" in raised.value.response["Error"]["Message"]
    assert emulator.connections() == []


def test_lumen_connection_with_an_email_remote_account_is_requested(play: Play, gateway_id: str) -> None:
    emulator = play()
    conn = create(_client(), gateway_id, environmentId=LUMEN_NEW_YORK, remoteAccount=LUMEN_ACCOUNT)

    found = emulator.find_by_activation_key(conn["activationKey"])
    assert found is not None and found["state"] == "requested"
    assert found["remoteAccount"] == LUMEN_ACCOUNT["identifier"]


@pytest.mark.parametrize("code", ["ResourceNotFoundException", "InterconnectValidationException"])
def test_a_used_proposal_key_answers_the_error_the_variant_plays(
    play: Play, gateway_id: str, code: str
) -> None:
    emulator = play(f"used_proposal_error={code}")
    client = _client()
    key = emulator.partner_propose("us-east-1", "google-cloud", "us-east4", "1Gbps")
    client.accept_connection_proposal(activationKey=key, attachPoint={"directConnectGateway": gateway_id})

    for call in (
        lambda: client.describe_connection_proposal(activationKey=key),
        lambda: client.accept_connection_proposal(
            activationKey=key, attachPoint={"directConnectGateway": gateway_id}
        ),
    ):
        with pytest.raises(client.exceptions.ClientError) as raised:
            call()
        assert raised.value.response["Error"]["Code"] == code
        assert key not in str(raised.value)
    with pytest.raises(ValueError, match="used_proposal_error"):
        variants.parse("used_proposal_error=Gone")
