"""LastMileSide against the partner order API served on loopback by PartnerServer, with the
signing secret in Secrets Manager (moto)."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import icp.clock
import icp.retry
import pytest
from aws_lambda_powertools.utilities import parameters
from icp.errors import PartnerRejected, RemoteSideError
from icp.models import ConnectionRecord, ConnectionRequest
from icp.partners.google_cloud import GoogleCloudSide
from icp.partners.last_mile import LastMileSide, provider_config
from icp.partners.registry import remote_side_for
from icp.signing import sign
from moto import mock_aws

from icp_local.clock import SimClock
from icp_local.emulators.google_cloud import GoogleCloudEmulator
from icp_local.emulators.partner_server import PartnerServer
from icp_local.emulators.partners import PartnerSimulator

KEY = "lk-9d2e7a41-3b6c-4f0e-the-secret-activation-key"
AWS_CIDR = "10.20.0.0/16"
SITE_CIDR = "172.16.8.0/22"
AWS_CONNECTION_ID = "lmcc-0a1b2c3d4e5f"
SHARED_ID = "3f6e2d1c-8b7a-4c5d-9e0f-1a2b3c4d5e6f"
SECRET_NAME = "interconnect-control-plane/partners/lumen"
REQUEST = {
    "requestId": "RITM0054321",
    "type": "last-mile",
    "provider": "lumen",
    "awsRegion": "us-east-1",
    "remoteLocation": "New York, NY",
    "bandwidth": "10Gbps",
    "attachPoint": {"directConnectGatewayId": "5f3a1e2b-7c4d-4e8f-9a0b-1c2d3e4f5a6b"},
    "aws": {"attachment": "transit-gateway", "routeTableIds": ["tgw-rtb-0a1b2c3d"], "gatewayId": "tgw-0a1b2c3d",
            "cidrs": [AWS_CIDR], "mtu": 8500},
    "remote": {"siteName": "NYC-DC-2", "cidrs": [SITE_CIDR], "remoteAccount": "network-team@acme.example"},
}  # fmt: skip


class FakeInterconnect:
    """The partner-facing surface of the AWS Interconnect emulator."""

    def __init__(self, clock: SimClock):
        self.clock = clock
        self.by_key: dict[str, dict[str, Any]] = {}

    def add(self, key: str) -> None:
        self.by_key[key] = {"id": AWS_CONNECTION_ID, "sharedId": SHARED_ID, "state": "requested",
                            "bandwidth": "10Gbps", "type": "last-mile", "reason": ""}  # fmt: skip

    def find_by_activation_key(self, key: str) -> dict[str, Any] | None:
        found = self.by_key.get(key)
        return dict(found) if found else None

    def partner_accept(self, key: str) -> None:
        connection = self.by_key[key]
        connection["state"] = "pending"
        self.clock.call_later(300, lambda: connection.update(state="available"))

    def partner_reject(self, key: str, reason: str) -> None:
        self.by_key[key].update(state="failed", reason=reason)

    def set_link_state(self, connection_id: str, state: str) -> None:
        for connection in self.by_key.values():
            if connection["id"] == connection_id:
                connection["state"] = state

    def state(self) -> str:
        return next(iter(self.by_key.values()))["state"]


@pytest.fixture(autouse=True)
def fake_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fake AWS credentials (the loopback guard is tests/conftest.py's)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    parameters.clear_caches()  # Powertools caches secrets (and its client) across tests
    yield
    parameters.clear_caches()


@pytest.fixture(autouse=True)
def widest_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    # Full jitter picks a wait up to the ceiling; take the ceiling, so the waits can be asserted.
    monkeypatch.setattr(icp.retry.random, "uniform", lambda low, high: high)


@pytest.fixture
def sim_clock() -> Iterator[SimClock]:
    # Backoff and Retry-After waits sleep on icp.clock: here they move simulated time.
    clock = SimClock()
    icp.clock.use(clock.time, clock.advance)
    yield clock
    icp.clock.reset()


@pytest.fixture
def fake_interconnect(sim_clock: SimClock) -> FakeInterconnect:
    fake = FakeInterconnect(sim_clock)
    fake.add(KEY)
    return fake


@pytest.fixture
def lumen(sim_clock: SimClock, fake_interconnect: FakeInterconnect) -> PartnerSimulator:
    return PartnerSimulator("lumen", sim_clock, fake_interconnect)


@pytest.fixture(scope="module")
def moto_for_this_module() -> Iterator[None]:
    # One mock for the module (starting moto is the slow part); each test makes its own secret.
    with mock_aws():
        yield


@pytest.fixture
def secrets_manager(moto_for_this_module: None) -> Iterator[Any]:
    client = boto3.client("secretsmanager", region_name="us-east-1")
    yield client
    client.delete_secret(SecretId=SECRET_NAME, ForceDeleteWithoutRecovery=True)


@pytest.fixture
def server(
    sim_clock: SimClock,
    fake_interconnect: FakeInterconnect,
    lumen: PartnerSimulator,
    secrets_manager: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[PartnerServer]:
    arn = secrets_manager.create_secret(Name=SECRET_NAME, SecretString=lumen.shared_secret)["ARN"]
    google = GoogleCloudEmulator(sim_clock, fake_interconnect)
    with PartnerServer(sim_clock, fake_interconnect, google, {"lumen": lumen}) as running:
        monkeypatch.setenv("LAST_MILE_PARTNERS", running.environment({"lumen": arn})["LAST_MILE_PARTNERS"])
        yield running


@pytest.fixture
def record() -> ConnectionRecord:
    request = ConnectionRequest.model_validate(REQUEST)
    now = datetime(2026, 6, 1, tzinfo=UTC)
    return ConnectionRecord(
        connectionId=request.connection_id,
        requestId=request.requestId,
        type=request.type,
        provider=request.provider,
        awsRegion=request.awsRegion,
        remoteLocation=request.remoteLocation,
        bandwidth=request.bandwidth,
        request=request.model_dump(mode="json"),
        status="AWAITING_ACTIVATION",
        awsConnectionId=AWS_CONNECTION_ID,
        sharedId=SHARED_ID,
        createdAt=now,
        updatedAt=now,
    )


def signed_request(
    server: PartnerServer, method: str, body: bytes, secret: str, timestamp: int
) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        f"{server.partner_url('lumen')}/v1/activations/{SHARED_ID}", data=body or None, method=method
    )
    request.add_header("X-ICP-Timestamp", str(timestamp))
    request.add_header("X-ICP-Signature", sign(secret, timestamp, body))
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


# --- hand-off -----------------------------------------------------------------------------
def test_hand_off_places_an_order_that_the_partner_accepts_after_the_delay(
    server: PartnerServer, lumen: PartnerSimulator, fake_interconnect: FakeInterconnect, sim_clock: SimClock,
    record: ConnectionRecord,
) -> None:  # fmt: skip
    refs = LastMileSide("lumen").hand_off(record, KEY)

    assert refs == {"partnerActivation": f"lumen/{SHARED_ID}"}
    (order,) = lumen.orders()
    assert order["state"] == "received"
    assert order["awsConnectionId"] == AWS_CONNECTION_ID and order["siteName"] == "NYC-DC-2"
    assert order["bandwidth"] == "10Gbps" and order["location"] == "New York, NY"
    assert order["connectionId"] == record.connectionId
    assert lumen.has_received(KEY)

    sim_clock.advance(119)
    assert fake_interconnect.state() == "requested"
    sim_clock.advance(1)
    assert fake_interconnect.state() == "pending"
    assert lumen.get_order(SHARED_ID)["state"] == "accepted"


def test_handing_off_twice_places_one_order(
    server: PartnerServer, lumen: PartnerSimulator, record: ConnectionRecord
) -> None:
    side = LastMileSide("lumen")

    assert side.hand_off(record, KEY) == side.hand_off(record, KEY)

    assert len(lumen.orders()) == 1
    assert len(lumen.received) == 1


def test_the_same_shared_id_with_another_key_is_a_conflict(
    server: PartnerServer, fake_interconnect: FakeInterconnect, record: ConnectionRecord
) -> None:
    side = LastMileSide("lumen")
    side.hand_off(record, KEY)
    fake_interconnect.add("lk-another-key")

    with pytest.raises(RemoteSideError, match="different key"):
        side.hand_off(record, "lk-another-key")


def test_a_rejecting_partner_fails_the_connection_and_says_why(
    server: PartnerServer, lumen: PartnerSimulator, fake_interconnect: FakeInterconnect, sim_clock: SimClock,
    record: ConnectionRecord,
) -> None:  # fmt: skip
    lumen.reject("no capacity at NYC-DC-2")
    side = LastMileSide("lumen")

    side.hand_off(record, KEY)
    sim_clock.advance(1)

    assert fake_interconnect.state() == "failed"
    assert lumen.get_order(SHARED_ID)["state"] == "rejected"
    with pytest.raises(PartnerRejected, match="no capacity at NYC-DC-2"):
        side.missing_routes(record)
    with pytest.raises(PartnerRejected):
        side.propagate_routes(record)


def test_an_ignoring_partner_never_accepts(
    server: PartnerServer, lumen: PartnerSimulator, fake_interconnect: FakeInterconnect, sim_clock: SimClock,
    record: ConnectionRecord,
) -> None:  # fmt: skip
    lumen.ignore()
    side = LastMileSide("lumen")

    side.hand_off(record, KEY)
    sim_clock.advance(7 * 86400)

    assert fake_interconnect.state() == "requested"
    assert side.missing_routes(record) == [
        f"partner lumen has not accepted activation {SHARED_ID} yet (state received)"
    ]


# --- routes and withdrawal -------------------------------------------------------------------
def test_routes_are_missing_before_propagation_and_verified_after(
    server: PartnerServer, lumen: PartnerSimulator, sim_clock: SimClock, record: ConnectionRecord
) -> None:
    lumen.accept_after(0)
    side = LastMileSide("lumen")
    side.hand_off(record, KEY)
    sim_clock.advance(1)

    before = side.missing_routes(record)
    side.propagate_routes(record)
    after = side.missing_routes(record)

    assert before == [
        f"partner lumen does not carry AWS prefix {AWS_CIDR} to the site",
        f"partner lumen does not advertise site prefix {SITE_CIDR} to AWS",
    ]
    assert after == []
    order = lumen.get_order(SHARED_ID)
    assert order["awsPrefixes"] == [AWS_CIDR] and order["sitePrefixes"] == [SITE_CIDR]


def test_missing_routes_before_any_hand_off_names_the_missing_activation(
    server: PartnerServer, record: ConnectionRecord
) -> None:
    assert LastMileSide("lumen").missing_routes(record) == [f"partner lumen has no activation {SHARED_ID}"]


def test_withdraw_removes_the_order_and_is_idempotent(
    server: PartnerServer, lumen: PartnerSimulator, record: ConnectionRecord
) -> None:
    side = LastMileSide("lumen")
    side.hand_off(record, KEY)
    side.propagate_routes(record)

    assert side.withdraw(record) == [f"partner activation lumen/{SHARED_ID}"]
    assert lumen.orders() == []
    assert side.withdraw(record) == []


# --- signing, retries, failures -------------------------------------------------------------
def test_a_request_with_a_bad_signature_is_refused_with_401(
    server: PartnerServer, lumen: PartnerSimulator, sim_clock: SimClock
) -> None:
    now = int(sim_clock.time())

    wrong_secret = signed_request(server, "GET", b"", "not-the-secret", now)
    stale = signed_request(server, "GET", b"", lumen.shared_secret, now - 301)
    good = signed_request(server, "GET", b"", lumen.shared_secret, now)

    assert wrong_secret == (401, {"error": "InvalidSignature", "message": "signature or timestamp not valid"})
    assert stale[0] == 401
    assert good[0] == 404  # signed properly: the partner just has no such activation
    assert lumen.orders() == []


def test_a_tampered_body_is_refused_with_401(
    server: PartnerServer, lumen: PartnerSimulator, sim_clock: SimClock
) -> None:
    now = int(sim_clock.time())
    request = urllib.request.Request(
        f"{server.partner_url('lumen')}/v1/activations/{SHARED_ID}/routes",
        data=b'{"awsPrefixes": ["0.0.0.0/0"], "sitePrefixes": []}',
        method="PUT",
    )
    request.add_header("X-ICP-Timestamp", str(now))
    request.add_header(
        "X-ICP-Signature", sign(lumen.shared_secret, now, b'{"awsPrefixes": [], "sitePrefixes": []}')
    )

    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)

    assert refused.value.code == 401


def test_a_wrong_secret_in_secrets_manager_fails_the_hand_off_without_the_key(
    server: PartnerServer, lumen: PartnerSimulator, secrets_manager: Any, record: ConnectionRecord
) -> None:
    secrets_manager.put_secret_value(SecretId=SECRET_NAME, SecretString="a-stale-secret")

    with pytest.raises(RemoteSideError, match="HTTP 401 InvalidSignature") as raised:
        LastMileSide("lumen").hand_off(record, KEY)

    assert KEY not in str(raised.value) and KEY not in repr(raised.value.args)
    assert lumen.orders() == []


def test_a_rotated_secret_is_fetched_again_after_a_401(
    server: PartnerServer, lumen: PartnerSimulator, secrets_manager: Any, record: ConnectionRecord
) -> None:
    side = LastMileSide("lumen")
    side.missing_routes(record)  # caches the secret as it is now
    secrets_manager.put_secret_value(
        SecretId=SECRET_NAME, SecretString=json.dumps({"secret": "rotated-secret"})
    )
    lumen._secret = "rotated-secret"  # the partner moved to the new secret too

    side.hand_off(record, KEY)

    assert len(lumen.orders()) == 1


def test_throttling_is_retried_after_the_retry_after_the_partner_sends(
    server: PartnerServer, lumen: PartnerSimulator, sim_clock: SimClock, record: ConnectionRecord,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    lumen.fail_next(2, status=429, retry_after=7)
    started = sim_clock.time()

    LastMileSide("lumen").hand_off(record, KEY)

    assert sim_clock.time() - started == 14
    assert len(lumen.orders()) == 1
    assert [r.getMessage() for r in caplog.records if "retrying" in r.getMessage()] == [
        "partner lumen activation: HTTP 429; retrying in 7.0 s"
    ] * 2


def test_server_errors_without_retry_after_are_retried_with_backoff(
    server: PartnerServer, lumen: PartnerSimulator, sim_clock: SimClock, record: ConnectionRecord
) -> None:
    lumen.fail_next(3, status=503, retry_after=None)
    started = sim_clock.time()

    LastMileSide("lumen").hand_off(record, KEY)

    assert sim_clock.time() - started == 1 + 2 + 4
    assert len(lumen.orders()) == 1


def test_a_partner_that_stays_down_is_a_remote_side_error(
    server: PartnerServer, lumen: PartnerSimulator, record: ConnectionRecord
) -> None:
    lumen.fail_next(5, status=503, retry_after=1)

    with pytest.raises(RemoteSideError, match="HTTP 503"):
        LastMileSide("lumen").hand_off(record, KEY)


def test_an_unreachable_partner_is_retried_then_reported(
    server: PartnerServer, sim_clock: SimClock, record: ConnectionRecord
) -> None:
    server.stop()
    started = sim_clock.time()

    with pytest.raises(RemoteSideError, match="unreachable"):
        LastMileSide("lumen").hand_off(record, KEY)

    assert sim_clock.time() - started == 1 + 2 + 4 + 8


def test_the_activation_key_never_appears_in_logs_or_errors(
    server: PartnerServer, lumen: PartnerSimulator, fake_interconnect: FakeInterconnect, sim_clock: SimClock,
    record: ConnectionRecord, caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    caplog.set_level(logging.DEBUG)
    side = LastMileSide("lumen")
    lumen.fail_next(1, status=429, retry_after=1)
    side.hand_off(record, KEY)
    sim_clock.advance(120)
    side.propagate_routes(record)
    other_key, unknown_key = KEY + "-other", "lk-unknown-to-aws-secret"
    fake_interconnect.by_key[other_key] = dict(fake_interconnect.by_key[KEY])
    errors = []
    for key, target in (
        (other_key, record),
        (unknown_key, record.model_copy(update={"sharedId": "other-id"})),
    ):
        with pytest.raises(RemoteSideError) as raised:
            side.hand_off(target, key)  # 409: another key for the sharedId; 422: a key AWS does not know
        errors.append((key, raised.value))
    side.withdraw(record)

    assert [e.rule for _, e in errors] == ["activation-conflict", "http-422"]
    for key, error in errors:
        assert key not in str(error) and key not in repr(error.args) and error.__cause__ is None
    assert caplog.records, "nothing was logged"
    for log in caplog.records:
        assert KEY not in log.getMessage() and KEY not in repr(vars(log))
    assert (
        KEY not in repr(lumen) and KEY not in repr(lumen.received) and KEY not in json.dumps(lumen.orders())
    )


# --- configuration -------------------------------------------------------------------------
def test_an_unknown_partner_is_a_clear_error(server: PartnerServer, record: ConnectionRecord) -> None:
    with pytest.raises(
        RemoteSideError, match="unknown last-mile partner 'acme': LAST_MILE_PARTNERS configures lumen"
    ):
        LastMileSide("acme").hand_off(record, KEY)


def test_plain_http_is_refused_for_a_partner_off_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "LAST_MILE_PARTNERS",
        json.dumps({"lumen": {"url": "http://api.partner.example/interconnect", "secretArn": "arn:x"}}),
    )

    with pytest.raises(RemoteSideError, match="must be https"):
        provider_config("lumen")


def test_provider_config_reads_the_partner_url_and_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    arn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:lumen-AbCdEf"
    url = "https://api.partner.example/interconnect/"
    monkeypatch.setenv("LAST_MILE_PARTNERS", json.dumps({"lumen": {"url": url, "secretArn": arn}}))

    config = provider_config("lumen")

    assert (config.url, config.secret_arn) == ("https://api.partner.example/interconnect", arn)


def test_the_registry_serves_google_cloud_for_multicloud_and_a_partner_otherwise() -> None:
    lumen = remote_side_for("lumen")

    assert isinstance(remote_side_for("google-cloud"), GoogleCloudSide)
    assert isinstance(lumen, LastMileSide) and lumen.provider == "lumen"
    assert remote_side_for("lumen") is lumen
