"""GoogleCloudSide, with the real Google client libraries, against the Google Cloud
emulator on loopback (TransportManager over gRPC, Compute Engine over REST)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import icp.clock
import icp.retry
import pytest
from google.auth import aws
from icp.errors import PartnerRejected, RemoteSideError, UnknownNetwork
from icp.models import ConnectionRecord, ConnectionRequest
from icp.partners import google_cloud
from icp.partners.google_cloud import GoogleCloudSide, google_clients
from icp.partners.last_mile import LastMileSide

from icp_local.clock import SimClock
from icp_local.emulators.google_cloud import GoogleCloudEmulator
from icp_local.emulators.partner_server import PartnerServer

KEY = "ak-5f0c2e9b-0d7a-4c61-the-secret-activation-key"
AWS_CIDR = "10.0.0.0/16"
GOOGLE_CIDR = "10.100.0.0/16"
PROJECT, NETWORK, REGION = "acme-network-prod", "shared-vpc", "us-east4"
AWS_CONNECTION_ID = "mcc-0a1b2c3d4e5f"
PROVISIONING_SECONDS = 60.0
REQUEST = {
    "requestId": "RITM0012345",
    "type": "multicloud",
    "provider": "google-cloud",
    "awsRegion": "us-east-1",
    "remoteLocation": REGION,
    "bandwidth": "1Gbps",
    "attachPoint": {"directConnectGatewayId": "5f3a1e2b-7c4d-4e8f-9a0b-1c2d3e4f5a6b"},
    "aws": {"attachment": "transit-gateway", "routeTableIds": ["tgw-rtb-0a1b2c3d"], "gatewayId": "tgw-0a1b2c3d",
            "cidrs": [AWS_CIDR]},
    "remote": {"project": PROJECT, "network": NETWORK, "cidrs": [GOOGLE_CIDR]},
}  # fmt: skip


class FakeInterconnect:
    """The partner-facing surface of the AWS Interconnect emulator."""

    def __init__(self, clock: SimClock):
        self.clock = clock
        self.by_key: dict[str, dict[str, Any]] = {}

    def add(self, key: str, connection_id: str = AWS_CONNECTION_ID) -> dict[str, Any]:
        self.by_key[key] = {"id": connection_id, "sharedId": "shared-" + connection_id, "state": "requested",
                            "bandwidth": "1Gbps", "type": "multicloud", "reason": ""}  # fmt: skip
        return self.by_key[key]

    def find_by_activation_key(self, key: str) -> dict[str, Any] | None:
        found = self.by_key.get(key)
        return dict(found) if found else None

    def partner_accept(self, key: str) -> None:
        connection = self.by_key[key]
        connection["state"] = "pending"
        self.clock.call_later(PROVISIONING_SECONDS, lambda: connection.update(state="available"))

    def partner_reject(self, key: str, reason: str) -> None:
        self.by_key[key].update(state="failed", reason=reason)

    def set_link_state(self, connection_id: str, state: str) -> None:
        for connection in self.by_key.values():
            if connection["id"] == connection_id:
                connection["state"] = state

    def state(self, connection_id: str = AWS_CONNECTION_ID) -> str:
        return next(c["state"] for c in self.by_key.values() if c["id"] == connection_id)


@pytest.fixture
def sim_clock() -> Iterator[SimClock]:
    # The adapter's backoff and operation polling sleep on icp.clock: here that moves
    # simulated time (and fires the partner's timers), so nothing waits for real.
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
def google(
    sim_clock: SimClock, fake_interconnect: FakeInterconnect, monkeypatch: pytest.MonkeyPatch
) -> Iterator[GoogleCloudEmulator]:
    emulator = GoogleCloudEmulator(sim_clock, fake_interconnect, aws_prefixes=lambda connection: [AWS_CIDR])
    with PartnerServer(sim_clock, fake_interconnect, emulator, {}) as server:
        for name, value in server.environment().items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("GOOGLE_WIF_CONFIG", raising=False)
        yield emulator


def make_record(**request_changes: Any) -> ConnectionRecord:
    request = ConnectionRequest.model_validate({**REQUEST, **request_changes})
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
        sharedId="shared-" + AWS_CONNECTION_ID,
        createdAt=now,
        updatedAt=now,
    )


@pytest.fixture
def record() -> ConnectionRecord:
    return make_record()


def transport_name(record: ConnectionRecord) -> str:
    return f"projects/{PROJECT}/locations/{REGION}/transports/{record.connectionId}"


def activate(
    side: GoogleCloudSide, record: ConnectionRecord, google: GoogleCloudEmulator, clock: SimClock
) -> None:
    """Hand off with a partner that accepts at once, and wait until AWS reports available."""
    google.partner.accept_after(0)
    side.hand_off(record, KEY)
    clock.advance(PROVISIONING_SECONDS + 1)


# --- hand-off -----------------------------------------------------------------------------
def test_hand_off_creates_a_transport_that_turns_active_after_the_partner_accepts(
    google: GoogleCloudEmulator,
    fake_interconnect: FakeInterconnect,
    sim_clock: SimClock,
    record: ConnectionRecord,
) -> None:
    google.partner.accept_after(300)

    refs = GoogleCloudSide().hand_off(record, KEY)

    name = transport_name(record)
    assert refs == {"googleTransport": name, "googleNetwork": f"projects/{PROJECT}/global/networks/{NETWORK}"}
    transport = google.transport(name)
    assert transport is not None
    assert transport["network"] == f"projects/{PROJECT}/global/networks/{NETWORK}"
    assert transport["advertised_routes"] == [GOOGLE_CIDR]
    assert transport["bandwidth"] == "BPS_1G"
    assert transport["labels"] == {"icp-connection-id": record.connectionId}
    assert transport["state"] == "PENDING_KEY"
    (receipt,) = google.partner.received
    assert receipt.ref == name and google.partner.has_received(KEY)

    sim_clock.advance_to(receipt.received_at + 299)
    assert fake_interconnect.state() == "requested"
    sim_clock.advance(1)
    assert fake_interconnect.state() == "pending"
    assert google.transport(name)["state"] == "PENDING_CONFIG"  # type: ignore[index]
    sim_clock.advance(PROVISIONING_SECONDS)
    assert fake_interconnect.state() == "available"
    assert google.transport(name)["state"] == "ACTIVE"  # type: ignore[index]


def test_hand_off_sends_the_key_alone_and_the_transport_takes_the_aws_connections_bandwidth(
    google: GoogleCloudEmulator, fake_interconnect: FakeInterconnect, record: ConnectionRecord
) -> None:
    # The request asked for 1Gbps; AWS holds the connection at 2Gbps: the key decides, and the
    # emulator refuses a create that also carries a bandwidth, so success means none was sent.
    fake_interconnect.by_key[KEY]["bandwidth"] = "2Gbps"

    GoogleCloudSide().hand_off(record, KEY)

    transport = google.transport(transport_name(record))
    assert transport is not None
    assert transport["bandwidth"] == "BPS_2G"
    assert transport["remote_profile"] == ""  # the fake connection names no Region


def test_handing_off_twice_creates_one_transport_and_delivers_the_key_once(
    google: GoogleCloudEmulator, record: ConnectionRecord
) -> None:
    side = GoogleCloudSide()

    first = side.hand_off(record, KEY)
    second = side.hand_off(record, KEY)

    assert first == second
    assert google.resources() == [f"transport {transport_name(record)}"]
    assert len(google.partner.received) == 1


def test_a_create_retried_with_the_same_request_id_returns_the_first_operation(
    google: GoogleCloudEmulator, record: ConnectionRecord
) -> None:
    from google.cloud import networkconnectivity_v1beta as nc

    transports = google_clients().transports
    request = nc.CreateTransportRequest(
        parent=f"projects/{PROJECT}/locations/{REGION}",
        transport_id=record.connectionId,
        transport=nc.Transport(
            provided_activation_key=KEY, network=f"projects/{PROJECT}/global/networks/{NETWORK}"
        ),
        request_id="8a3c1f5e-2b4d-4f6a-9c8e-0d1b2a3c4e5f",
    )

    first = transports.create_transport(request=request)
    second = transports.create_transport(request=request)

    assert first.operation.name == second.operation.name
    assert len(google.list_transports(f"projects/{PROJECT}/locations/{REGION}")) == 1


def test_a_rejecting_partner_fails_the_aws_connection_and_deprovisions_the_transport(
    google: GoogleCloudEmulator,
    fake_interconnect: FakeInterconnect,
    sim_clock: SimClock,
    record: ConnectionRecord,
) -> None:
    google.partner.reject("organization policy denies AWS interconnects")
    side = GoogleCloudSide()

    side.hand_off(record, KEY)
    sim_clock.advance(1)

    assert fake_interconnect.state() == "failed"
    assert fake_interconnect.by_key[KEY]["reason"] == "organization policy denies AWS interconnects"
    assert google.transport(transport_name(record))["state"] == "DEPROVISIONED"  # type: ignore[index]
    with pytest.raises(PartnerRejected):
        side.missing_routes(record)


def test_an_ignoring_partner_leaves_the_connection_requested(
    google: GoogleCloudEmulator,
    fake_interconnect: FakeInterconnect,
    sim_clock: SimClock,
    record: ConnectionRecord,
) -> None:
    google.partner.ignore()
    side = GoogleCloudSide()

    side.hand_off(record, KEY)
    sim_clock.advance(3 * 86400)

    assert fake_interconnect.state() == "requested"
    assert f"transport {transport_name(record)} is PENDING_KEY, not ACTIVE" in side.missing_routes(record)


# --- routes -------------------------------------------------------------------------------
def test_routes_are_missing_before_propagation_and_verified_after(
    google: GoogleCloudEmulator, sim_clock: SimClock, record: ConnectionRecord
) -> None:
    side = GoogleCloudSide()
    activate(side, record, google, sim_clock)

    before = side.missing_routes(record)
    side.propagate_routes(record)
    after = side.missing_routes(record)

    assert before == [
        f"no VPC peering between projects/{PROJECT}/global/networks/{NETWORK} and the transport's network"
    ]
    assert after == []
    routes = google.routes(PROJECT, NETWORK)
    assert {"destRange": AWS_CIDR, "type": "PEERING", "peering": f"icp-{record.connectionId}",
            "nextHopRegion": REGION} in routes  # fmt: skip
    (peering,) = google.get_network(PROJECT, NETWORK)["peerings"]
    assert peering["state"] == "ACTIVE"
    assert peering["importCustomRoutes"] and peering["exportCustomRoutes"]
    assert peering["network"].endswith(google.transport(transport_name(record))["peering_network"])  # type: ignore[index]


def test_propagating_routes_twice_changes_nothing_the_second_time(
    google: GoogleCloudEmulator, sim_clock: SimClock, record: ConnectionRecord
) -> None:
    side = GoogleCloudSide()
    activate(side, record, google, sim_clock)
    side.propagate_routes(record)
    resources = google.resources()

    side.propagate_routes(record)

    assert google.resources() == resources
    assert side.missing_routes(record) == []


def test_a_link_down_withdraws_the_learned_aws_prefixes_until_it_comes_back(
    google: GoogleCloudEmulator, sim_clock: SimClock, record: ConnectionRecord
) -> None:
    side = GoogleCloudSide()
    activate(side, record, google, sim_clock)
    side.propagate_routes(record)

    google.partner.link_down(AWS_CONNECTION_ID)
    while_down = side.missing_routes(record)
    google.partner.link_up(AWS_CONNECTION_ID)

    assert while_down == [
        f"AWS prefix {AWS_CIDR} is not learned in projects/{PROJECT}/global/networks/{NETWORK}"
    ]
    assert side.missing_routes(record) == []


def test_a_google_cidr_added_later_is_advertised_by_propagation(
    google: GoogleCloudEmulator, sim_clock: SimClock, record: ConnectionRecord
) -> None:
    side = GoogleCloudSide()
    activate(side, record, google, sim_clock)
    side.propagate_routes(record)
    grown = make_record(remote={**REQUEST["remote"], "cidrs": [GOOGLE_CIDR, "10.101.0.0/16"]})

    before = side.missing_routes(grown)
    side.propagate_routes(grown)

    assert before == [f"transport {transport_name(record)} does not advertise 10.101.0.0/16 to AWS"]
    assert side.missing_routes(grown) == []
    assert google.transport(transport_name(record))["advertised_routes"] == [GOOGLE_CIDR, "10.101.0.0/16"]  # type: ignore[index]


def test_a_peering_without_custom_routes_is_updated_rather_than_duplicated(
    google: GoogleCloudEmulator, sim_clock: SimClock, record: ConnectionRecord
) -> None:
    side = GoogleCloudSide()
    activate(side, record, google, sim_clock)
    peer = google.transport(transport_name(record))["peering_network"]  # type: ignore[index]
    google.add_peering(PROJECT, NETWORK, {"networkPeering": {"name": "hand-made", "network": peer,
                                                             "exchangeSubnetRoutes": True}})  # fmt: skip
    assert "peering hand-made does not import custom routes" in side.missing_routes(record)

    side.propagate_routes(record)

    (peering,) = google.get_network(PROJECT, NETWORK)["peerings"]
    assert peering["name"] == "hand-made"
    assert peering["importCustomRoutes"] and peering["exportCustomRoutes"]
    assert side.missing_routes(record) == []


def test_compute_operations_still_running_are_polled_until_done(
    google: GoogleCloudEmulator, sim_clock: SimClock, record: ConnectionRecord
) -> None:
    google.compute_operation_polls = 3
    side = GoogleCloudSide()
    activate(side, record, google, sim_clock)

    side.propagate_routes(record)

    assert side.missing_routes(record) == []
    assert all(op["status"] == "DONE" for op in google._compute_ops.values())


# --- link status ----------------------------------------------------------------------------
def test_link_status_is_unknown_before_activation_and_follows_the_aws_link_after(
    google: GoogleCloudEmulator,
    fake_interconnect: FakeInterconnect,
    sim_clock: SimClock,
    record: ConnectionRecord,
) -> None:
    side = GoogleCloudSide()
    assert side.link_status(record) is None  # no transport yet
    google.partner.ignore()
    side.hand_off(record, KEY)
    pending = side.link_status(record)
    fake_interconnect.partner_accept(KEY)
    sim_clock.advance(PROVISIONING_SECONDS + 1)
    side.propagate_routes(record)

    up = side.link_status(record)
    google.partner.link_down(AWS_CONNECTION_ID)
    down = side.link_status(record)
    google.partner.link_up(AWS_CONNECTION_ID)

    assert (pending, up, down) == (None, "up", "down")
    assert side.link_status(record) == "up"


def test_link_status_is_down_once_the_vpc_peering_is_gone(
    google: GoogleCloudEmulator, sim_clock: SimClock, record: ConnectionRecord
) -> None:
    side = GoogleCloudSide()
    activate(side, record, google, sim_clock)
    side.propagate_routes(record)

    google.remove_peering(PROJECT, NETWORK, {"name": f"icp-{record.connectionId}"})

    assert side.link_status(record) == "down"
    assert google.get_status(transport_name(record))["overall_status"] == "DISCONNECTED"


class _StatusClients:
    """Clients whose TransportManager answers GetStatus with one fixed response."""

    def __init__(self, response: Any):
        self.response = response
        self.requests: list[Any] = []
        self.transports = self

    def get_status(self, request: Any, retry: Any = None, timeout: Any = None) -> Any:
        self.requests.append(request)
        return self.response


@pytest.mark.parametrize(
    ("overall", "operational", "expected"),
    [
        ("ACTIVE", "OPERATIONAL_STATUS_ACTIVE", "up"),
        ("DOWN", "OPERATIONAL_STATUS_DOWN", "down"),
        ("DISCONNECTED", "OPERATIONAL_STATUS_ACTIVE", "down"),
        ("PENDING_KEY", "OPERATIONAL_STATUS_UNSPECIFIED", None),
        ("CONFIGURING", "OPERATIONAL_STATUS_UNSPECIFIED", None),
        ("OVERALL_STATUS_UNSPECIFIED", "OPERATIONAL_STATUS_ACTIVE", "up"),
        ("OVERALL_STATUS_UNSPECIFIED", "OPERATIONAL_STATUS_DOWN", "down"),
        ("OVERALL_STATUS_UNSPECIFIED", "OPERATIONAL_STATUS_UNSPECIFIED", None),
    ],
)
def test_link_status_normalises_get_status_to_up_down_or_unknown(
    record: ConnectionRecord, overall: str, operational: str, expected: str | None
) -> None:
    from google.cloud import networkconnectivity_v1beta as nc

    clients = _StatusClients(nc.GetStatusResponse(overall_status=overall, operational_status=operational))

    assert GoogleCloudSide(clients=lambda: clients).link_status(record) == expected
    (request,) = clients.requests
    assert request.name == transport_name(record)


def test_a_last_mile_side_reports_no_link_status(record: ConnectionRecord) -> None:
    assert LastMileSide("lumen").link_status(record) is None


# --- network MTU ----------------------------------------------------------------------------
def test_network_mtu_reads_1460_by_default_and_the_value_a_network_was_given(
    google: GoogleCloudEmulator,
) -> None:
    side = GoogleCloudSide()
    default = side.network_mtu(PROJECT, NETWORK)
    google.set_network_mtu(PROJECT, "jumbo-vpc", 8896)

    assert default == 1460
    assert side.network_mtu(PROJECT, "jumbo-vpc") == 8896
    assert google_cloud.network_mtu(PROJECT, "jumbo-vpc") == 8896  # the module-level form


def test_network_mtu_is_1460_when_the_network_leaves_the_field_out(google: GoogleCloudEmulator) -> None:
    google.set_network_mtu(PROJECT, NETWORK, None)

    assert "mtu" not in google.get_network(PROJECT, NETWORK)
    assert GoogleCloudSide().network_mtu(PROJECT, NETWORK) == 1460


def test_an_unknown_network_is_a_domain_error_naming_remote_network(google: GoogleCloudEmulator) -> None:
    google.networks_on_demand = False
    google.set_network_mtu(PROJECT, NETWORK, 1500)

    with pytest.raises(UnknownNetwork) as raised:
        GoogleCloudSide().network_mtu(PROJECT, "no-such-vpc")

    assert raised.value.field == "remote.network"
    assert raised.value.rule == "exists"
    assert "no-such-vpc" in raised.value.message and PROJECT in raised.value.message
    assert GoogleCloudSide().network_mtu(PROJECT, NETWORK) == 1500


# --- withdraw -----------------------------------------------------------------------------
def test_withdraw_removes_the_peering_and_the_transport_and_is_idempotent(
    google: GoogleCloudEmulator, sim_clock: SimClock, record: ConnectionRecord
) -> None:
    side = GoogleCloudSide()
    activate(side, record, google, sim_clock)
    side.propagate_routes(record)
    assert len(google.resources()) == 2

    removed = side.withdraw(record)

    assert removed == [
        f"VPC peering icp-{record.connectionId} of projects/{PROJECT}/global/networks/{NETWORK}",
        f"transport {transport_name(record)}",
    ]
    assert google.resources() == []
    assert {r["type"] for r in google.routes(PROJECT, NETWORK)} == {"DEFAULT_INTERNET", "SUBNET"}
    assert side.withdraw(record) == []


def test_withdraw_after_a_hand_off_alone_deletes_the_transport(
    google: GoogleCloudEmulator, record: ConnectionRecord
) -> None:
    side = GoogleCloudSide()
    side.hand_off(record, KEY)

    assert side.withdraw(record) == [f"transport {transport_name(record)}"]
    assert google.resources() == []


# --- failures -----------------------------------------------------------------------------
def test_transient_google_errors_are_retried_with_backoff_on_the_simulated_clock(
    google: GoogleCloudEmulator,
    sim_clock: SimClock,
    record: ConnectionRecord,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(icp.retry.random, "uniform", lambda low, high: high)  # the ceiling of each wait
    google.fail_next("UNAVAILABLE", 2)
    started = sim_clock.time()

    GoogleCloudSide().hand_off(record, KEY)

    assert google.resources() == [f"transport {transport_name(record)}"]
    retries = [r for r in caplog.records if "retrying" in r.getMessage()]
    assert len(retries) == 2
    assert sim_clock.time() - started >= 1 + 2


def test_throttling_that_outlasts_the_retries_becomes_a_remote_side_error(
    google: GoogleCloudEmulator, record: ConnectionRecord
) -> None:
    google.fail_next("RESOURCE_EXHAUSTED", 10)

    with pytest.raises(RemoteSideError, match="429"):
        GoogleCloudSide().missing_routes(record)


def test_a_refused_activation_key_is_reported_without_the_key(
    google: GoogleCloudEmulator, fake_interconnect: FakeInterconnect, record: ConnectionRecord
) -> None:
    del fake_interconnect.by_key[KEY]  # AWS does not know it: Google refuses it

    with pytest.raises(RemoteSideError) as raised:
        GoogleCloudSide().hand_off(record, KEY)

    assert "400" in raised.value.message and "not valid" in raised.value.message
    assert_no_key_in(raised.value)
    assert google.resources() == []


def test_the_activation_key_never_appears_in_logs_or_errors(
    google: GoogleCloudEmulator,
    sim_clock: SimClock,
    record: ConnectionRecord,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Let the client libraries' own DEBUG records (request payloads included) reach caplog:
    # building the clients first stops them turning the "google" logger's propagation off.
    google_clients()
    monkeypatch.setattr(logging.getLogger("google"), "propagate", True)
    caplog.set_level(logging.DEBUG)
    google.fail_next("UNAVAILABLE", 1)
    side = GoogleCloudSide()

    activate(side, record, google, sim_clock)
    side.hand_off(record, KEY)
    side.propagate_routes(record)
    with pytest.raises(RemoteSideError) as raised:
        side.hand_off(make_record(requestId="RITM0099999"), KEY)  # the key is in use by the first transport
    side.withdraw(record)

    assert_no_key_in(raised.value)
    assert any(r.name.startswith("google") for r in caplog.records), "the libraries logged nothing at DEBUG"
    for log in caplog.records:
        assert KEY not in log.getMessage()
        assert KEY not in repr(vars(log))
    assert (
        KEY not in repr(google)
        and KEY not in repr(google.partner)
        and KEY not in repr(google.partner.received)
    )


def assert_no_key_in(error: BaseException) -> None:
    seen: BaseException | None = error
    while seen is not None:
        assert KEY not in str(seen) and KEY not in repr(seen) and KEY not in repr(seen.args)
        seen = seen.__cause__ or seen.__context__


# --- configuration --------------------------------------------------------------------------
def test_local_endpoints_off_loopback_are_refused(
    monkeypatch: pytest.MonkeyPatch, record: ConnectionRecord
) -> None:
    monkeypatch.setenv("GOOGLE_API_ENDPOINT", "http://compute.example.com")
    monkeypatch.setenv("GOOGLE_GRPC_ENDPOINT", "127.0.0.1:1")

    with pytest.raises(RemoteSideError, match="GOOGLE_API_ENDPOINT must name a loopback address"):
        GoogleCloudSide().hand_off(record, KEY)


def test_production_clients_authenticate_with_workload_identity_federation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("GOOGLE_API_ENDPOINT", "GOOGLE_GRPC_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    config = (
        '{"type": "external_account", "audience": "//iam.googleapis.com/projects/123456789/locations/global/'
        'workloadIdentityPools/aws/providers/icp", "subject_token_type": "urn:ietf:params:aws:token-type:'
        'aws4_request", "token_url": "https://sts.googleapis.com/v1/token", "credential_source": '
        '{"environment_id": "aws1", "regional_cred_verification_url": "https://sts.{region}.amazonaws.com?'
        'Action=GetCallerIdentity&Version=2011-06-15"}}'
    )
    monkeypatch.setenv("GOOGLE_WIF_CONFIG", config)

    clients = google_clients()  # builds credentials and clients without calling anything

    credentials = clients.networks._transport._credentials
    assert isinstance(credentials, aws.Credentials)
    assert not credentials.valid  # no token was exchanged yet
    assert clients.transports._transport._credentials is credentials


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        (None, "GOOGLE_WIF_CONFIG is not set"),
        ('{"type": "service_account", "private_key": "..."}', "must be an external_account"),
        ('{"type": "external_account", "token_url": "https://sts.evil.example/v1/token"}', "googleapis.com"),
        (
            '{"type": "external_account", "token_url": "https://sts.googleapis.com/v1/token", "audience": "a",'
            ' "subject_token_type": "t", "credential_source": {"executable": {"command": "id"}}}',
            "executable",
        ),
    ],
)
def test_production_clients_refuse_anything_but_federation(
    monkeypatch: pytest.MonkeyPatch, config: str | None, problem: str
) -> None:
    for name in ("GOOGLE_API_ENDPOINT", "GOOGLE_GRPC_ENDPOINT", "GOOGLE_WIF_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    if config is not None:
        monkeypatch.setenv("GOOGLE_WIF_CONFIG", config)

    with pytest.raises(RemoteSideError, match=problem):
        google_clients()


def test_the_server_refuses_to_bind_anything_but_loopback(
    sim_clock: SimClock, fake_interconnect: FakeInterconnect
) -> None:
    emulator = GoogleCloudEmulator(sim_clock, fake_interconnect)
    for host in ("0.0.0.0", "192.0.2.10", "localhost", "::"):
        with pytest.raises(ValueError, match="loopback"):
            PartnerServer(sim_clock, fake_interconnect, emulator, {}, host=host)


def test_the_emulator_learns_the_prefixes_the_gateway_associations_allow_by_default(
    sim_clock: SimClock, fake_interconnect: FakeInterconnect
) -> None:
    class Associations:
        def associations(self) -> list[dict[str, Any]]:
            return [{"directConnectGatewayId": "dxgw-1", "associationState": "associated",
                     "allowedPrefixesToDirectConnectGateway": [{"cidr": "10.9.0.0/16"}]},
                    {"directConnectGatewayId": "dxgw-2", "associationState": "associated",
                     "allowedPrefixesToDirectConnectGateway": [{"cidr": "10.8.0.0/16"}]}]  # fmt: skip

    fake_interconnect.directconnect = Associations()  # type: ignore[attr-defined]
    emulator = GoogleCloudEmulator(sim_clock, fake_interconnect)

    assert emulator._aws_prefixes({"attachPoint": {"directConnectGateway": "dxgw-1"}}) == ["10.9.0.0/16"]
    assert emulator._aws_prefixes({"attachPoint": {"arn": "arn:aws:directconnect::1:dx-gateway/dxgw-2"}}) == [
        "10.8.0.0/16"
    ]
