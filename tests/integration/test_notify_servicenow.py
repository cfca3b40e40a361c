"""Notify ServiceNow against FakeServiceNow on loopback, with the connection records in
DynamoDB and the ServiceNow credentials in Secrets Manager (moto)."""

from __future__ import annotations

import base64
import importlib.util
import json
import logging
import secrets
import traceback
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import icp.clock
import icp.retry
import pytest
from aws_lambda_powertools.utilities import parameters
from icp import servicenow, store
from icp.errors import ServiceNowNotSetUp, ServiceNowUnavailable
from icp.lifecycle.notify_servicenow import NOTE_KIND, notify_servicenow
from icp.models import ConnectionRecord, HistoryEntry, connection_id_for
from moto import mock_aws
from table_support import connections_table

from icp_local.clock import SimClock
from icp_local.emulators.servicenow import FakeServiceNow
from icp_local.lambdas import LambdaContext

REGION = "us-east-1"
SYS_ID = "9d1f3e5a7c2b4d6e8f0a1b2c3d4e5f60"
EXECUTION_ARN = (
    "arn:aws:states:us-east-1:123456789012:execution:icp-provision:9b3e7d41-5c2a-4f08-8e6d-1a2b3c4d5e02"
)
AWS_CONNECTION_ID = "lmcc-0a1b2c3d4e5f"
HANDLER = Path(__file__).resolve().parents[2] / "functions" / "notify_servicenow" / "app.py"


# --- fixtures -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def moto_for_this_module() -> Iterator[None]:
    # One mock for the module (starting moto is the slow part); each test has its own table and secret.
    with mock_aws():
        yield


@pytest.fixture
def sim_clock() -> Iterator[SimClock]:
    # Backoff and Retry-After waits sleep on icp.clock: here they move simulated time, instantly.
    clock = SimClock()
    icp.clock.use(clock.time, clock.advance)
    yield clock
    icp.clock.reset()


@pytest.fixture
def table(moto_for_this_module: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The connections table as template.yaml declares it (keys, indexes, TTL on expiresAt)."""
    with connections_table(monkeypatch, REGION) as name:
        yield name


@pytest.fixture
def snow() -> Iterator[FakeServiceNow]:
    with FakeServiceNow() as fake:
        yield fake


@pytest.fixture
def secret_arn(
    snow: FakeServiceNow, moto_for_this_module: None, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    client = boto3.client("secretsmanager", region_name=REGION)
    name = f"interconnect-control-plane/servicenow-{uuid.uuid4().hex[:8]}"
    arn = client.create_secret(Name=name, SecretString=json.dumps(snow.credentials))["ARN"]
    monkeypatch.setenv(servicenow.SECRET_ENV, arn)
    parameters.clear_caches()  # Powertools caches secrets (and its client) across tests
    yield arn
    parameters.clear_caches()
    client.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)


@pytest.fixture
def ready(sim_clock: SimClock, table: str, secret_arn: str) -> SimClock:
    """Everything notify_servicenow needs; the simulated clock, to measure the waits."""
    return sim_clock


@pytest.fixture
def widest_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    # Full jitter picks a wait up to the ceiling; take the ceiling, so the waits can be asserted.
    monkeypatch.setattr(icp.retry.random, "uniform", lambda low, high: high)


# --- helpers --------------------------------------------------------------------------------
def request(ticket: dict[str, Any] | None = None, **changes: Any) -> dict[str, Any]:
    requester: dict[str, Any] = {"team": "branch-networking"}
    if ticket is not None:
        requester["servicenow"] = ticket
    return {
        "requestId": "RITM0054321",
        "type": "last-mile",
        "provider": "lumen",
        "awsRegion": "us-east-1",
        "remoteLocation": "new-york",
        "bandwidth": "10Gbps",
        "requester": requester,
        **changes,
    }


def given_record(
    request_body: dict[str, Any],
    *transitions: tuple[str | None, str],
    at: float | None = None,
    aws_connection_id: str | None = AWS_CONNECTION_ID,
) -> ConnectionRecord:
    """A record in DynamoDB that went through ``transitions``, each an hour after the last."""
    start = datetime.fromtimestamp(at if at is not None else icp.clock.time(), tz=UTC)
    history = [
        HistoryEntry.model_validate({"from": f, "to": t, "at": start + timedelta(hours=i)})
        for i, (f, t) in enumerate(transitions)
    ]
    record = ConnectionRecord(
        connectionId=connection_id_for(request_body["requestId"]), requestId=request_body["requestId"],
        request=request_body, status=transitions[-1][1], awsConnectionId=aws_connection_id,
        executionArn=EXECUTION_ARN, createdAt=start, updatedAt=start,
    )  # fmt: skip
    for entry in history:
        record = record.with_entry(entry)
    return store.create(record)


def changed(record: ConnectionRecord, from_: str | None, to: str, reason: str | None) -> dict[str, Any]:
    return {
        "connectionId": record.connectionId,
        "requestId": record.requestId,
        "from": from_,
        "to": to,
        "reason": reason,
        "executionArn": record.executionArn,
    }


def envelope(detail: dict[str, Any]) -> dict[str, Any]:
    """The EventBridge event as the rule hands it to the function."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Interconnect Connection Status Changed",
        "source": "interconnect-control-plane",
        "account": "123456789012",
        "time": "2026-06-01T00:00:00Z",
        "region": REGION,
        "resources": [],
        "detail": detail,
    }


def handler() -> Any:
    spec = importlib.util.spec_from_file_location("notify_servicenow_app", HANDLER)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.lambda_handler


def context() -> LambdaContext:
    return LambdaContext(
        "icp-NotifyServiceNowFunction",
        "arn:aws:lambda:us-east-1:123456789012:function:x",
        256,
        150,
        str(uuid.uuid4()),
    )


PROVISIONING = (
    ("RECEIVED", "VALIDATED"),
    ("VALIDATED", "GATEWAY_READY"),
    ("GATEWAY_READY", "AWAITING_ACTIVATION"),
    ("AWAITING_ACTIVATION", "PROVISIONING"),
)
RITM = {"table": "sc_req_item", "sysId": SYS_ID}


# --- a note arrives ----------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore:No application metrics to publish")
def test_a_status_change_reaches_the_ticket_as_a_work_note_with_its_state(
    ready: SimClock, snow: FakeServiceNow, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    record = given_record(request(RITM), (None, "RECEIVED"), *PROVISIONING)
    detail = changed(record, "AWAITING_ACTIVATION", "PROVISIONING", "the partner accepted the activation")

    result = handler()(envelope(detail), context())

    assert result == {"table": "sc_req_item", "sysId": SYS_ID, "state": "2"}
    assert snow.work_notes("sc_req_item", SYS_ID) == [
        "AWS Interconnect status: AWAITING_ACTIVATION -> PROVISIONING\n"
        "Reason: the partner accepted the activation\n"
        f"Connection: {record.connectionId} (AWS connection {AWS_CONNECTION_ID})\n"
        f"Execution: {EXECUTION_ARN}"
    ]
    assert snow.ticket("sc_req_item", SYS_ID)["state"] == "2"
    (call,) = snow.calls
    assert call["method"] == "PATCH" and call["path"] == f"/api/now/table/sc_req_item/{SYS_ID}"
    assert call["accept"] == "application/json" and call["contentType"] == "application/json"
    assert set(call["body"]) == {"work_notes", "state"}


def test_an_active_connection_puts_its_change_request_in_review(
    ready: SimClock, snow: FakeServiceNow
) -> None:
    chg = {"table": "change_request", "sysId": SYS_ID}
    record = given_record(
        request(chg),
        (None, "RECEIVED"),
        *PROVISIONING,
        ("PROVISIONING", "ROUTES_PROPAGATING"),
        ("ROUTES_PROPAGATING", "ACTIVE"),
    )

    result = notify_servicenow(
        changed(record, "ROUTES_PROPAGATING", "ACTIVE", "routes verified on both sides")
    )

    assert result == {"table": "change_request", "sysId": SYS_ID, "state": "0"}
    assert snow.ticket("change_request", SYS_ID)["state"] == "0"
    assert len(snow.work_notes("change_request", SYS_ID)) == 1


def test_a_degraded_link_adds_a_note_and_leaves_the_closed_ticket_alone(
    ready: SimClock, snow: FakeServiceNow
) -> None:
    record = given_record(request(RITM), (None, "RECEIVED"), ("ACTIVE", "DEGRADED"))

    result = notify_servicenow(changed(record, "ACTIVE", "DEGRADED", "link down"))

    assert result["state"] is None
    assert snow.updates("sc_req_item", SYS_ID) == [{"work_notes": snow.work_notes("sc_req_item", SYS_ID)[0]}]


def test_a_late_event_adds_its_note_without_moving_the_ticket_back(
    ready: SimClock, snow: FakeServiceNow
) -> None:
    record = given_record(
        request(RITM),
        (None, "RECEIVED"),
        *PROVISIONING,
        ("PROVISIONING", "ROUTES_PROPAGATING"),
        ("ROUTES_PROPAGATING", "ACTIVE"),
    )
    notify_servicenow(changed(record, "ROUTES_PROPAGATING", "ACTIVE", "routes verified on both sides"))

    late = notify_servicenow(changed(record, "PROVISIONING", "ROUTES_PROPAGATING", "connection available"))

    assert late == {"table": "sc_req_item", "sysId": SYS_ID, "state": None}
    assert snow.ticket("sc_req_item", SYS_ID)["state"] == "3"
    assert len(snow.work_notes("sc_req_item", SYS_ID)) == 2


# --- retries -----------------------------------------------------------------------------------
def test_throttling_waits_the_retry_after_servicenow_sends_then_the_note_arrives(
    ready: SimClock, snow: FakeServiceNow
) -> None:
    record = given_record(request(RITM), (None, "RECEIVED"))
    snow.fail_next(429, times=2, retry_after=7)
    started = ready.time()

    notify_servicenow(changed(record, None, "RECEIVED", "request received"))

    assert ready.time() - started == 14
    assert snow.requests == 3
    assert len(snow.work_notes("sc_req_item", SYS_ID)) == 1


def test_server_errors_three_times_are_retried_with_backoff_then_the_note_arrives(
    ready: SimClock, snow: FakeServiceNow, widest_backoff: None
) -> None:
    record = given_record(request(RITM), (None, "RECEIVED"))
    snow.fail_next(500, times=3)
    started = ready.time()

    notify_servicenow(changed(record, None, "RECEIVED", "request received"))

    assert ready.time() - started == 1 + 2 + 4
    assert snow.requests == 4
    assert len(snow.work_notes("sc_req_item", SYS_ID)) == 1


def test_a_servicenow_that_stays_down_is_unavailable_and_the_retried_event_still_sends(
    ready: SimClock, snow: FakeServiceNow, widest_backoff: None
) -> None:
    record = given_record(request(RITM), (None, "RECEIVED"), ("RECEIVED", "VALIDATED"))
    detail = changed(record, "RECEIVED", "VALIDATED", "every check passed")
    snow.fail_next(500, times=5)
    started = ready.time()

    with pytest.raises(ServiceNowUnavailable, match="after 5 attempts: HTTP 500") as raised:
        notify_servicenow(detail)
    assert raised.value.rule == "http-500"
    assert ready.time() - started == 1 + 2 + 4 + 8
    assert snow.requests == 5 and snow.work_notes("sc_req_item", SYS_ID) == []

    # Lambda retries the same event: nothing was claimed, so the note goes now.
    assert notify_servicenow(detail) == {"table": "sc_req_item", "sysId": SYS_ID, "state": "2"}
    assert len(snow.work_notes("sc_req_item", SYS_ID)) == 1


def test_a_refusal_is_unavailable_at_once_without_a_retry(ready: SimClock, snow: FakeServiceNow) -> None:
    record = given_record(request(RITM), (None, "RECEIVED"))
    snow.fail_next(400)
    started = ready.time()

    with pytest.raises(ServiceNowUnavailable, match="refused: HTTP 400 Injected failure") as raised:
        notify_servicenow(changed(record, None, "RECEIVED", "request received"))

    assert raised.value.rule == "http-400"
    assert snow.requests == 1
    assert ready.time() == started


def test_an_unreachable_servicenow_is_retried_then_unavailable(
    ready: SimClock, snow: FakeServiceNow, widest_backoff: None
) -> None:
    record = given_record(request(RITM), (None, "RECEIVED"))
    snow.stop()
    started = ready.time()

    with pytest.raises(ServiceNowUnavailable, match="after 5 attempts") as raised:
        notify_servicenow(changed(record, None, "RECEIVED", "request received"))

    assert raised.value.rule == "unreachable"
    assert ready.time() - started == 1 + 2 + 4 + 8


def test_rotated_credentials_are_fetched_again_after_a_401(
    ready: SimClock, snow: FakeServiceNow, secret_arn: str
) -> None:
    record = given_record(request(RITM), (None, "RECEIVED"))
    servicenow.client().credentials()  # cached as they are now
    snow.password = "rotated-" + secrets.token_urlsafe(12)
    boto3.client("secretsmanager", region_name=REGION).put_secret_value(
        SecretId=secret_arn, SecretString=json.dumps(snow.credentials)
    )

    notify_servicenow(changed(record, None, "RECEIVED", "request received"))

    assert snow.requests == 2
    assert len(snow.work_notes("sc_req_item", SYS_ID)) == 1


# --- once per status change ----------------------------------------------------------------
def test_the_same_event_twice_posts_one_note(ready: SimClock, snow: FakeServiceNow) -> None:
    record = given_record(request(RITM), (None, "RECEIVED"), ("RECEIVED", "VALIDATED"))
    detail = changed(record, "RECEIVED", "VALIDATED", "every check passed")

    first = notify_servicenow(detail)
    second = notify_servicenow(detail)

    assert first["state"] == "2"
    assert second == {"skipped": "this status change is already on the ticket"}
    assert snow.requests == 1 and len(snow.work_notes("sc_req_item", SYS_ID)) == 1


def test_a_link_that_fails_again_later_gets_a_second_note(ready: SimClock, snow: FakeServiceNow) -> None:
    # ACTIVE -> DEGRADED twice within the marker's day: two transitions, two notes.
    record = given_record(request(RITM), (None, "RECEIVED"), ("ACTIVE", "DEGRADED"))
    detail = changed(record, "ACTIVE", "DEGRADED", "link down")
    notify_servicenow(detail)
    later = datetime.fromtimestamp(ready.time(), tz=UTC) + timedelta(hours=5)
    store.update(
        record.connectionId,
        lambda r: r.with_entry(
            HistoryEntry.model_validate({"from": "DEGRADED", "to": "ACTIVE", "at": later})
        ).with_entry(
            HistoryEntry.model_validate(
                {"from": "ACTIVE", "to": "DEGRADED", "at": later + timedelta(hours=1)}
            )
        ),
    )

    notify_servicenow(detail)
    notify_servicenow(detail)  # and its duplicate

    assert len(snow.work_notes("sc_req_item", SYS_ID)) == 2


# --- nothing to notify ---------------------------------------------------------------------------
def test_a_record_without_a_ticket_is_skipped(ready: SimClock, snow: FakeServiceNow) -> None:
    record = given_record(request(None), (None, "RECEIVED"))

    result = notify_servicenow(changed(record, None, "RECEIVED", "request received"))

    assert result == {"skipped": "the request names no ServiceNow ticket"}
    assert snow.requests == 0


def test_an_event_for_an_unknown_connection_is_skipped(ready: SimClock, snow: FakeServiceNow) -> None:
    result = notify_servicenow({"connectionId": "icc-00000000000000000000", "from": None, "to": "RECEIVED"})

    assert result == {"skipped": "no record for connection icc-00000000000000000000"}
    assert snow.requests == 0


def test_a_deployment_without_servicenow_skips_even_a_ticketed_request(
    ready: SimClock, snow: FakeServiceNow, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(servicenow.SECRET_ENV, "")
    record = given_record(request(RITM), (None, "RECEIVED"))

    result = notify_servicenow(changed(record, None, "RECEIVED", "request received"))

    assert result == {"skipped": "ServiceNow is not configured (SERVICENOW_SECRET_ARN is empty)"}
    assert snow.requests == 0


def test_a_secret_whose_password_is_not_set_yet_fails_naming_it_and_the_note_arrives_once_set(
    ready: SimClock, snow: FakeServiceNow, secret_arn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As template.yaml leaves it: the URL and username are parameters, the secret an empty password.
    monkeypatch.setenv(servicenow.INSTANCE_URL_ENV, snow.url)
    monkeypatch.setenv(servicenow.USERNAME_ENV, snow.username)
    secrets_client = boto3.client("secretsmanager", region_name=REGION)
    secrets_client.put_secret_value(SecretId=secret_arn, SecretString='{"password": ""}')
    record = given_record(request(RITM), (None, "RECEIVED"))
    detail = changed(record, None, "RECEIVED", "request received")

    with pytest.raises(ServiceNowNotSetUp) as raised:
        notify_servicenow(detail)  # Lambda retries it, then the dead-letter queue keeps it

    assert (raised.value.field, raised.value.rule) == ("password", "not-set")
    assert snow.requests == 0
    secrets_client.put_secret_value(SecretId=secret_arn, SecretString=json.dumps({"password": snow.password}))
    parameters.clear_caches()  # in AWS: the cache's five minutes pass, or a new instance starts
    assert notify_servicenow(detail)["table"] == "sc_req_item"  # a redrive from the queue
    assert len(snow.work_notes("sc_req_item", SYS_ID)) == 1


def test_a_rejected_request_that_does_not_parse_still_reaches_its_ticket(
    ready: SimClock, snow: FakeServiceNow
) -> None:
    malformed = request(RITM, bandwidth="lots", aws="not an object")
    record = given_record(malformed, (None, "RECEIVED"), ("RECEIVED", "REJECTED"), aws_connection_id=None)

    result = notify_servicenow(changed(record, "RECEIVED", "REJECTED", "bandwidth: pattern: not a bandwidth"))

    assert result == {"table": "sc_req_item", "sysId": SYS_ID, "state": "4"}
    (note,) = snow.work_notes("sc_req_item", SYS_ID)
    assert "AWS connection" not in note and "Reason: bandwidth: pattern: not a bandwidth" in note


# --- secrets -------------------------------------------------------------------------------------
def test_an_activation_key_in_the_reason_never_reaches_the_ticket(
    ready: SimClock, snow: FakeServiceNow
) -> None:
    key = secrets.token_urlsafe(48)  # what an activation key looks like
    record = given_record(
        request(RITM), (None, "RECEIVED"), *PROVISIONING[:3], ("AWAITING_ACTIVATION", "FAILED")
    )
    reason = f"PartnerRejected: partner lumen refused activation key {key} ({{'activationKey': '{key}'}})"

    notify_servicenow(changed(record, "AWAITING_ACTIVATION", "FAILED", reason))

    (note,) = snow.work_notes("sc_req_item", SYS_ID)
    assert key not in note and key not in json.dumps(snow.calls)
    assert "partner lumen refused activation key [redacted] ({'activationKey': '[redacted]'})" in note


def test_no_password_or_secret_appears_in_logs_or_errors(
    ready: SimClock, snow: FakeServiceNow, secret_arn: str, caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    # Ours at DEBUG: the core, the emulator, and Powertools' logger (botocore's own DEBUG wire
    # logging prints every response, secrets included; Lambda never runs it at DEBUG).
    for name in ("icp", "icp_local", "interconnect-control-plane"):
        caplog.set_level(logging.DEBUG, logger=name)
    key = secrets.token_urlsafe(48)
    password = snow.password
    basic = base64.b64encode(f"{snow.username}:{password}".encode()).decode()
    record = given_record(request(RITM), (None, "RECEIVED"), ("RECEIVED", "VALIDATED"))
    snow.fail_next(429, times=1, retry_after=1)
    snow.fail_next(503, times=1)
    notify_servicenow(changed(record, "RECEIVED", "VALIDATED", f"activationKey={key}"))
    # Now the secret goes stale and stays so: a 401 after the refresh is refused at once.
    snow.password = "changed-" + secrets.token_urlsafe(12)
    with pytest.raises(ServiceNowUnavailable) as raised:
        notify_servicenow(changed(record, None, "RECEIVED", f"activation key {key}"))

    assert raised.value.rule == "http-401"
    assert caplog.records, "nothing was logged"
    logged = caplog.text + "".join(repr(vars(r)) for r in caplog.records) + "".join(capsys.readouterr())
    error = "".join(traceback.format_exception(raised.value)) + repr(raised.value.args)
    for secret in (password, basic, key, snow.password):
        assert secret not in logged
        assert secret not in error
        assert secret not in repr(servicenow.client().credentials())


# --- the emulator ----------------------------------------------------------------------------------
def test_fake_servicenow_creates_incidents_and_refuses_wrong_credentials(snow: FakeServiceNow) -> None:
    import urllib.error
    import urllib.request

    def call(
        method: str, path: str, body: dict[str, Any] | None, password: str
    ) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(
            snow.url + path, method=method, data=json.dumps(body).encode() if body is not None else None
        )
        auth = base64.b64encode(f"{snow.username}:{password}".encode()).decode()
        request.add_header("Authorization", f"Basic {auth}")
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())

    created = call(
        "POST",
        "/api/now/table/incident",
        {"short_description": "link down", "work_notes": "n1"},
        snow.password,
    )
    sys_id = created[1]["result"]["sys_id"]
    fetched = call("GET", f"/api/now/table/incident/{sys_id}", None, snow.password)
    refused = call("GET", f"/api/now/table/incident/{sys_id}", None, "wrong")
    missing = call("GET", f"/api/now/table/incident/{'0' * 32}", None, snow.password)

    assert created[0] == 201 and created[1]["result"]["number"].startswith("INC")
    assert fetched == (200, {"result": snow.ticket("incident", sys_id)})
    assert fetched[1]["result"]["short_description"] == "link down"
    assert snow.work_notes("incident", sys_id) == ["n1"]
    assert refused == (
        401,
        {
            "error": {"message": "User Not Authenticated", "detail": "Required to provide Auth information"},
            "status": "failure",
        },
    )
    assert missing[0] == 404
    assert snow.requests == 4


def test_the_note_marker_is_kept_for_a_day(ready: SimClock, snow: FakeServiceNow) -> None:
    record = given_record(request(RITM), (None, "RECEIVED"))
    notify_servicenow(changed(record, None, "RECEIVED", "request received"))

    markers = store.markers_model()
    items = list(markers.scan(markers.sk == NOTE_KIND))

    assert len(items) == 1
    assert items[0].expiresAt == datetime.fromtimestamp(int(ready.time()) + 86400, UTC)
