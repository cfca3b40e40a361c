"""What goes to a ServiceNow ticket: the work note's text, the state each status maps to,
the scrubbing of anything secret, and the client's pure parts (credentials, Retry-After)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime

import icp.clock
import icp.http
import pytest
from icp.errors import ServiceNowNotSetUp, ServiceNowUnavailable
from icp.lifecycle.notify_servicenow import state_for, state_to_send, ticket_of, work_note
from icp.models import HistoryEntry, Status
from icp.servicenow import (
    BACKOFF,
    RETRY_AFTER_CAP,
    parse_credentials,
    scrub,
)
from lifecycle_paths import PROVISIONED as PROVISIONED_PATH

CONNECTION_ID = "icc-0123456789abcdef0123"
EXECUTION_ARN = (
    "arn:aws:states:us-east-1:123456789012:execution:icp-provision:9b3e7d41-5c2a-4f08-8e6d-1a2b3c4d5e02"
)
SYS_ID = "9d1f3e5a7c2b4d6e8f0a1b2c3d4e5f60"


def detail(from_: str | None, to: str, reason: str | None) -> dict[str, object]:
    return {
        "connectionId": CONNECTION_ID,
        "requestId": "RITM0054321",
        "from": from_,
        "to": to,
        "reason": reason,
        "executionArn": EXECUTION_ARN,
    }


# --- the note -------------------------------------------------------------------------------
def test_a_note_gives_the_change_the_reason_both_connection_ids_and_the_execution() -> None:
    note = work_note(detail("PROVISIONING", "ROUTES_PROPAGATING", "connection available"), "mcc-0a1b2c3d")

    assert note == (
        "AWS Interconnect status: PROVISIONING -> ROUTES_PROPAGATING\n"
        "Reason: connection available\n"
        f"Connection: {CONNECTION_ID} (AWS connection mcc-0a1b2c3d)\n"
        f"Execution: {EXECUTION_ARN}"
    )


def test_a_new_request_has_no_from_and_a_note_leaves_out_what_is_not_known() -> None:
    note = work_note(
        {"connectionId": CONNECTION_ID, "from": None, "to": "RECEIVED", "reason": None, "executionArn": None}
    )

    assert note == f"AWS Interconnect status: RECEIVED (new request)\nConnection: {CONNECTION_ID}"


def test_a_long_reason_is_cut_short() -> None:
    note = work_note(detail("ACTIVE", "DEGRADED", "x" * 2000))

    (reason,) = [line for line in note.splitlines() if line.startswith("Reason: ")]
    assert len(reason) == len("Reason: ") + 500 and reason.endswith("...")


# --- the state ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("status", "state"), [
    ("RECEIVED", "2"), ("VALIDATED", "2"), ("GATEWAY_READY", "2"), ("AWAITING_ACTIVATION", "-5"),
    ("PROVISIONING", "2"), ("ROUTES_PROPAGATING", "2"), ("ACTIVE", "3"), ("REJECTED", "4"), ("FAILED", "4"),
])  # fmt: skip
def test_a_requested_item_is_in_progress_pending_or_closed_as_the_connection_goes(
    status: str, state: str
) -> None:
    assert state_for("sc_req_item", status) == state


@pytest.mark.parametrize(("status", "state"), [
    ("RECEIVED", None), ("VALIDATED", "-1"), ("GATEWAY_READY", "-1"), ("AWAITING_ACTIVATION", "-1"),
    ("PROVISIONING", "-1"), ("ROUTES_PROPAGATING", "-1"), ("ACTIVE", "0"), ("FAILED", "0"), ("REJECTED", "4"),
])  # fmt: skip
def test_a_change_request_is_implemented_then_reviewed_or_canceled(status: str, state: str | None) -> None:
    assert state_for("change_request", status) == state


@pytest.mark.parametrize("status", ["DEGRADED", "RESIZING", "DECOMMISSIONING", "DECOMMISSIONED"])
@pytest.mark.parametrize("table", ["sc_req_item", "change_request"])
def test_later_statuses_leave_the_ticket_state_alone(table: str, status: str) -> None:
    assert state_for(table, status) is None


def test_every_status_of_an_incident_is_a_note_only() -> None:
    assert all(state_for("incident", status) is None for status in Status)


def history(*statuses: str) -> list[HistoryEntry]:
    at = datetime(2026, 6, 1, tzinfo=UTC)
    steps = zip((None, *statuses), statuses, strict=False)
    return [HistoryEntry.model_validate({"from": f, "to": t, "at": at}) for f, t in steps]


PROVISIONED = history(*PROVISIONED_PATH)


def test_a_late_event_does_not_move_the_ticket_back_from_a_later_state() -> None:
    # ROUTES_PROPAGATING's event arrives after ACTIVE's: its note goes, the state stays Closed.
    assert state_to_send("sc_req_item", PROVISIONED, 5, "ROUTES_PROPAGATING") is None
    assert state_to_send("sc_req_item", PROVISIONED, 6, "ACTIVE") == "3"


def test_a_later_status_without_a_state_does_not_hold_back_an_earlier_one() -> None:
    flapped = [*PROVISIONED, *history("ACTIVE", "DEGRADED")[1:]]

    assert state_to_send("sc_req_item", flapped, 6, "ACTIVE") == "3"


def test_a_closed_ticket_is_never_reopened_by_a_later_change() -> None:
    # ACTIVE -> ROUTES_PROPAGATING (routes restored after a failover): a note, not Work in Progress.
    repropagated = [
        *PROVISIONED,
        HistoryEntry.model_validate(
            {"from": "ACTIVE", "to": "ROUTES_PROPAGATING", "at": datetime(2026, 6, 2, tzinfo=UTC)}
        ),
    ]

    assert state_to_send("sc_req_item", repropagated, 7, "ROUTES_PROPAGATING") is None
    assert state_to_send("change_request", repropagated, 7, "ROUTES_PROPAGATING") is None


def test_a_transition_not_in_the_history_gets_its_mapped_state() -> None:
    assert state_to_send("change_request", [], None, "REJECTED") == "4"


# --- the ticket ----------------------------------------------------------------------------------
def test_the_ticket_comes_from_the_raw_request_and_defaults_to_a_requested_item() -> None:
    assert ticket_of({"requester": {"servicenow": {"table": "change_request", "sysId": SYS_ID}}}) == (
        "change_request",
        SYS_ID,
    )
    assert ticket_of({"requester": {"team": "x", "servicenow": {"sysId": SYS_ID}}}) == ("sc_req_item", SYS_ID)


@pytest.mark.parametrize("request_body", [
    {}, {"requester": None}, {"requester": "team"}, {"requester": {"team": "x"}},
    {"requester": {"servicenow": {"table": "sc_req_item"}}},
    {"requester": {"servicenow": {"table": "sc_req_item", "sysId": "not-a-sys-id"}}},
    {"requester": {"servicenow": {"table": "../../api/now/table/sys_user", "sysId": SYS_ID}}},
    {"requester": {"servicenow": {"table": 7, "sysId": SYS_ID}}},
])  # fmt: skip
def test_a_request_without_a_usable_ticket_names_none(request_body: dict[str, object]) -> None:
    assert ticket_of(request_body) is None


# --- scrubbing ----------------------------------------------------------------------------------------
# What an activation key looks like (the Interconnect emulator's: secrets.token_urlsafe(48)). Fixed,
# so that every pytest-xdist worker collects the same test ids.
KEY = "pX3vQ9s_Lk2mW7tR-c4YhN8bZ1aE6uJ0oG5iD-fK3rT9wS2yV7xM4nB8qC1lH6eA"


@pytest.mark.parametrize(("text", "secret"), [
    (f"partner rejected activation key {KEY}", KEY),
    (f"partner rejected {KEY}", KEY),
    (f'{{"activationKey": "{KEY}", "bandwidth": "10Gbps"}}', KEY),
    ("activation_key=lk-9d2e7a41-3b6c-4f0e-the-secret", "lk-9d2e7a41-3b6c-4f0e-the-secret"),
    ("pairing key 7e51371e-72a3-40b5-b844-2e3efefaee59/us-central1/2 expired", "7e51371e-72a3-40b5-b844"),
    ("webhook secret: whsec-test-0001", "whsec-test-0001"),
    ("password=hunter2&user=icp", "hunter2"),
    ("Authorization: Basic aWNwOmh1bnRlcjI=", "aWNwOmh1bnRlcjI="),
    ("sent with Bearer ya29.a0AfB_byC-1234567890", "ya29.a0AfB_byC-1234567890"),
    ("https://icp:hunter2@acme.service-now.com/api", "hunter2"),
    ("key AKIAIOSFODNN7EXAMPLE in the log", "AKIAIOSFODNN7EXAMPLE"),
    ("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl", "eyJhbGciOiJIUzI1NiJ9"),
    ("X-ICP-Signature: sha256=" + "3f" * 32, "3f3f3f3f"),
    ("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----", "MIIEvQIBADANBg"),
])  # fmt: skip
def test_anything_that_looks_like_a_key_or_secret_is_scrubbed(text: str, secret: str) -> None:
    scrubbed = scrub(text)

    assert secret not in scrubbed
    assert "[redacted]" in scrubbed


@pytest.mark.parametrize("text", [
    f"Execution: {EXECUTION_ARN}",
    "arn:aws:states:us-east-1:123456789012:execution:icp-provision:ProvisionRITM0054321Attempt0001xyz",
    f"Connection: {CONNECTION_ID} (AWS connection mcc-0a1b2c3d4e5f)",
    f"ticket {SYS_ID}, gateway 5f0b6b59-0000-4000-8000-000000000000",
    "aws.cidrs: no-overlap: 10.20.0.0/16 overlaps 10.20.8.0/22 in tgw-rtb-0123456789abcdef0",
    "the activation key was rejected by the partner",
    "basic connectivity through DirectConnectGatewayAssociationProposal interconnect-control-plane-2026",
])  # fmt: skip
def test_the_identifiers_a_note_is_made_of_are_kept(text: str) -> None:
    assert scrub(text) == text


def test_known_secrets_are_removed_outright_whatever_they_look_like() -> None:
    assert (
        scrub("login as icp with hunter2 failed", known=["hunter2", None])
        == "login as icp with [redacted] failed"
    )


def test_a_note_with_an_activation_key_in_its_reason_is_scrubbed() -> None:
    note = work_note(detail("AWAITING_ACTIVATION", "FAILED", f"PartnerRejected: key {KEY} refused"))

    assert KEY not in note
    assert "Reason: PartnerRejected: key [redacted] refused" in note
    assert f"Execution: {EXECUTION_ARN}" in note


# --- the client's pure parts ------------------------------------------------------------------------
@pytest.fixture
def fixed_clock() -> Iterator[float]:
    now = datetime(2026, 6, 1, tzinfo=UTC).timestamp()
    icp.clock.use(lambda: now, lambda seconds: None)
    yield now
    icp.clock.reset()


def test_retry_after_in_seconds_or_as_an_http_date_is_honoured_up_to_its_cap(fixed_clock: float) -> None:
    def retry_after_seconds(value: str | None) -> float | None:  # as icp.http.send reads ServiceNow's
        return icp.http.retry_after_seconds(value, RETRY_AFTER_CAP)

    in_9_seconds = format_datetime(datetime.fromtimestamp(fixed_clock + 9, tz=UTC), usegmt=True)
    past = format_datetime(datetime.fromtimestamp(fixed_clock - 60, tz=UTC), usegmt=True)

    assert retry_after_seconds("7") == 7
    assert retry_after_seconds(in_9_seconds) == 9
    assert retry_after_seconds(past) == 0
    assert retry_after_seconds("86400") == RETRY_AFTER_CAP
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None


def test_backoff_is_full_jitter_under_an_exponential_ceiling() -> None:
    for retry in range(6):
        waits = [BACKOFF.delay(retry) for _ in range(200)]
        assert all(0 <= wait <= min(BACKOFF.cap, 2**retry) for wait in waits)
        assert len(set(waits)) > 1  # jittered, not a fixed ladder


def test_credentials_are_basic_or_bearer_and_never_in_a_repr() -> None:
    basic = parse_credentials(
        '{"instanceUrl": "https://acme.service-now.com/", "username": "icp", "password": "hunter2"}'
    )
    bearer = parse_credentials({"instanceUrl": "https://acme.service-now.com", "oauthToken": "tok-123"})

    assert basic.instance_url == "https://acme.service-now.com"
    assert basic.authorization() == "Basic aWNwOmh1bnRlcjI="
    assert bearer.authorization() == "Bearer tok-123"
    assert "hunter2" not in repr(basic) and "tok-123" not in repr(bearer)


@pytest.mark.parametrize(("secret", "rule"), [
    ('{"instanceUrl": "http://acme.service-now.com", "username": "icp", "password": "hunter2"}', "https"),
    ('{"instanceUrl": "https://icp:hunter2@acme.service-now.com", "oauthToken": "hunter2"}', "base-url"),
    ('{"instanceUrl": "https://acme.service-now.com", "username": "icp"}', "not-set"),
    ('{"username": "icp", "password": "hunter2"}', "secret-shape"),
    ('hunter2 is not JSON', "secret-shape"),
])  # fmt: skip
def test_a_bad_secret_is_refused_without_quoting_it(secret: str, rule: str) -> None:
    with pytest.raises(ServiceNowUnavailable) as raised:
        parse_credentials(secret)

    assert raised.value.rule == rule
    assert "hunter2" not in str(raised.value) and raised.value.__cause__ is None


def test_the_stacks_placeholder_secret_is_refused_naming_what_to_set() -> None:
    defaults = {"instanceUrl": "https://acme.service-now.com", "username": "icp"}
    with pytest.raises(ServiceNowNotSetUp) as raised:
        parse_credentials('{"password": ""}', defaults)  # what template.yaml creates

    assert (raised.value.field, raised.value.rule) == ("password", "not-set")
    assert "ServiceNowCredentials" in raised.value.message


def test_the_instance_url_and_username_come_from_the_parameters_unless_the_secret_has_them() -> None:
    defaults = {"instanceUrl": "https://acme.service-now.com", "username": "icp"}
    from_parameters = parse_credentials('{"password": "hunter2"}', defaults)
    older_stack = parse_credentials(
        {"instanceUrl": "https://old.service-now.com", "username": "old", "password": "hunter2"}, defaults
    )

    assert (from_parameters.instance_url, from_parameters.username) == ("https://acme.service-now.com", "icp")
    assert (older_stack.instance_url, older_stack.username) == ("https://old.service-now.com", "old")


def test_plain_http_is_accepted_on_loopback_only() -> None:
    local = parse_credentials({"instanceUrl": "http://127.0.0.1:8080", "username": "u", "password": "p"})

    assert local.instance_url == "http://127.0.0.1:8080"
