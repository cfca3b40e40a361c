"""The Google Cloud emulator against what Google documents, through the real client libraries
(TransportManager over gRPC, Compute Engine over REST), with the AWS side played by the real
AWS Interconnect emulator. Sources: the v1beta TransportManager proto field docs (in the installed
google-cloud-network-connectivity), gcloud's ``network-connectivity transports create``, and
Compute Engine's Network resource (docs/conformance.md, "Google Cloud: transports, GetStatus,
networks and peering")."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import icp.clock
import pytest
from google.api_core import exceptions
from google.cloud import compute_v1
from google.cloud import networkconnectivity_v1beta as nc
from google.protobuf import field_mask_pb2
from icp.partners.google_cloud import google_clients

from icp_local.clock import SimClock
from icp_local.emulators.google_cloud import GoogleCloudEmulator
from icp_local.emulators.google_cloud_model import GoogleApiError
from icp_local.emulators.interconnect import InterconnectEmulator
from icp_local.emulators.partner_server import PartnerServer

PROJECT, NETWORK, REGION = "acme-network-prod", "shared-vpc", "us-east4"
PARENT = f"projects/{PROJECT}/locations/{REGION}"
NETWORK_PATH = f"projects/{PROJECT}/global/networks/{NETWORK}"
TRANSPORT = f"{PARENT}/transports/icc-conformance"
Status = nc.GetStatusResponse


@pytest.fixture
def google(
    clock: SimClock, interconnect_emulator: InterconnectEmulator, monkeypatch: pytest.MonkeyPatch
) -> Iterator[GoogleCloudEmulator]:
    icp.clock.use(clock.time, clock.advance)
    emulator = GoogleCloudEmulator(clock, interconnect_emulator)
    emulator.partner.accept_after(0)
    with PartnerServer(clock, interconnect_emulator, emulator, {}) as server:
        for name, value in server.environment().items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("GOOGLE_WIF_CONFIG", raising=False)
        yield emulator
    icp.clock.reset()


@pytest.fixture
def transports(google: GoogleCloudEmulator) -> nc.TransportManagerClient:
    return google_clients().transports


@pytest.fixture
def networks(google: GoogleCloudEmulator) -> compute_v1.NetworksClient:
    return google_clients().networks


def _environment(interconnect: Any, provider_key: str, location: str | None = None) -> dict[str, Any]:
    # Found by the kind of provider, not its name (the emulator's provider values are moving).
    return next(
        e
        for e in interconnect.list_environments()["environments"]
        if provider_key in e["provider"] and (location is None or e["location"] == location)
    )


def _aws_connection(interconnect: Any, gateway_id: str, bandwidth: str = "2Gbps") -> dict[str, Any]:
    """A multicloud connection to Google Cloud us-east4, as AWS returns it (with its key)."""
    env = _environment(interconnect, "cloudServiceProvider", REGION)
    account = "network-team@example.com" if env["remoteIdentifierType"] == "email" else PROJECT
    return dict(
        interconnect.create_connection(
            environmentId=env["environmentId"],
            bandwidth=bandwidth,
            attachPoint={"directConnectGateway": gateway_id},
            remoteAccount={"identifier": account},
        )["connection"]
    )


def _create(transports: nc.TransportManagerClient, key: str, **fields: Any) -> Any:
    transport = nc.Transport(provided_activation_key=key, network=NETWORK_PATH, **fields)
    return transports.create_transport(
        request=nc.CreateTransportRequest(
            parent=PARENT, transport_id=TRANSPORT.rpartition("/")[2], transport=transport
        )
    )


def _status(transports: nc.TransportManagerClient) -> tuple[str, str, str, str]:
    status = transports.get_status(request=nc.GetStatusRequest(name=TRANSPORT))
    return (
        status.overall_status.name,
        status.operational_status.name,
        status.connectivity_status.name,
        status.mac_sec_status.name,
    )


def _active(
    google: GoogleCloudEmulator,
    interconnect_emulator: InterconnectEmulator,
    clock: SimClock,
    transports: nc.TransportManagerClient,
    key: str,
) -> None:
    """Create the transport; the partner accepts at once; wait until AWS says available."""
    _create(transports, key)
    clock.advance(google.operation_seconds + interconnect_emulator.provisioning_seconds + 1)


def _peer(google: GoogleCloudEmulator) -> None:
    peer = google.get_transport(TRANSPORT)["peering_network"]
    google.add_peering(PROJECT, NETWORK, {"networkPeering": {"name": "to-aws", "network": peer,
                                                             "importCustomRoutes": True,
                                                             "exportCustomRoutes": True}})  # fmt: skip


# --- CreateTransport with an activation key ----------------------------------------------------
def test_a_create_with_only_the_activation_key_succeeds_and_takes_the_aws_connections_bandwidth(
    google: GoogleCloudEmulator,
    clock: SimClock,
    interconnect: Any,
    gateway_id: str,
    transports: nc.TransportManagerClient,
) -> None:
    connection = _aws_connection(interconnect, gateway_id, bandwidth="2Gbps")

    operation = _create(transports, connection["activationKey"])
    clock.advance(google.operation_seconds)

    assert operation.operation.name.startswith(f"{PARENT}/operations/")
    transport = transports.get_transport(name=TRANSPORT)
    assert transport.bandwidth == nc.Transport.Bandwidth.BPS_2G
    assert transport.remote_profile == "aws-us-east-1"
    assert transport.network == NETWORK_PATH
    assert transport.provided_activation_key == ""  # the key is never read back
    assert google.partner.has_received(connection["activationKey"])


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"bandwidth": nc.Transport.Bandwidth.BPS_1G}, "bandwidth"),
        ({"remote_profile": "aws-us-east-1"}, "remote_profile"),
        ({"remote_account_id": "123456789012"}, "remote_account_id"),
        (
            {"bandwidth": nc.Transport.Bandwidth.BPS_2G, "remote_profile": "aws-us-east-1"},
            "bandwidth, remote_profile",
        ),
    ],
)
def test_a_create_with_the_key_and_a_bandwidth_or_profile_or_account_is_invalid_argument_naming_them(
    google: GoogleCloudEmulator,
    interconnect: Any,
    gateway_id: str,
    transports: nc.TransportManagerClient,
    fields: dict[str, Any],
    named: str,
) -> None:
    key = _aws_connection(interconnect, gateway_id)["activationKey"]

    with pytest.raises(exceptions.InvalidArgument) as raised:
        _create(transports, key, **fields)

    assert f"{named} must not be set with provided_activation_key" in raised.value.message
    assert key not in str(raised.value)
    assert google.resources() == []
    assert not google.partner.received


def test_a_create_with_the_key_of_a_last_mile_connection_is_invalid_argument(
    google: GoogleCloudEmulator,
    interconnect: Any,
    gateway_id: str,
    transports: nc.TransportManagerClient,
) -> None:
    env = _environment(interconnect, "lastMileProvider")
    key = interconnect.create_connection(
        environmentId=env["environmentId"],
        bandwidth=env["bandwidths"]["available"][0],
        attachPoint={"directConnectGateway": gateway_id},
        remoteAccount={"identifier": "noc@example.com"},
    )["connection"]["activationKey"]

    with pytest.raises(exceptions.InvalidArgument, match="not for a Google Cloud connection"):
        _create(transports, key)

    assert google.resources() == []


# --- GetStatus ---------------------------------------------------------------------------------
def test_get_status_is_pending_key_and_otherwise_unspecified_before_the_partner_accepts(
    google: GoogleCloudEmulator,
    clock: SimClock,
    interconnect: Any,
    gateway_id: str,
    transports: nc.TransportManagerClient,
) -> None:
    google.partner.ignore()
    _create(transports, _aws_connection(interconnect, gateway_id)["activationKey"])
    creating = _status(transports)
    clock.advance(google.operation_seconds)

    pending = ("PENDING_KEY", "OPERATIONAL_STATUS_UNSPECIFIED", "CONNECTIVITY_STATUS_UNSPECIFIED",
               "MAC_SEC_STATUS_UNSPECIFIED")  # fmt: skip
    assert creating == pending
    assert _status(transports) == pending
    assert google.transport(TRANSPORT)["state"] == "PENDING_KEY"  # type: ignore[index]


def test_get_status_is_configuring_while_aws_provisions_the_accepted_connection(
    google: GoogleCloudEmulator,
    clock: SimClock,
    interconnect: Any,
    gateway_id: str,
    transports: nc.TransportManagerClient,
) -> None:
    _create(transports, _aws_connection(interconnect, gateway_id)["activationKey"])
    clock.advance(google.operation_seconds)

    overall, operational, connectivity, _ = _status(transports)

    assert (overall, operational) == ("CONFIGURING", "OPERATIONAL_STATUS_UNSPECIFIED")
    assert connectivity == "CONNECTIVITY_STATUS_DISCONNECTED"  # no network peers with it yet


def test_get_status_answers_down_while_the_aws_link_is_down_and_active_when_it_is_back(
    google: GoogleCloudEmulator,
    clock: SimClock,
    interconnect: Any,
    interconnect_emulator: InterconnectEmulator,
    gateway_id: str,
    transports: nc.TransportManagerClient,
) -> None:
    connection = _aws_connection(interconnect, gateway_id)
    _active(google, interconnect_emulator, clock, transports, connection["activationKey"])
    _peer(google)

    up = _status(transports)
    interconnect_emulator.set_link_state(connection["id"], "down")
    down = _status(transports)
    interconnect_emulator.set_link_state(connection["id"], "available")

    assert up == ("ACTIVE", "OPERATIONAL_STATUS_ACTIVE", "CONNECTIVITY_STATUS_CONNECTED",
                  "MAC_SEC_STATUS_UNSPECIFIED")  # fmt: skip
    assert down == ("DOWN", "OPERATIONAL_STATUS_DOWN", "CONNECTIVITY_STATUS_CONNECTED",
                    "MAC_SEC_STATUS_UNSPECIFIED")  # fmt: skip
    assert _status(transports) == up
    assert transports.get_transport(name=TRANSPORT).state == nc.Transport.State.ACTIVE  # state stays ACTIVE


def test_get_status_is_disconnected_while_no_network_peers_with_the_transport_and_down_wins(
    google: GoogleCloudEmulator,
    clock: SimClock,
    interconnect: Any,
    interconnect_emulator: InterconnectEmulator,
    gateway_id: str,
    transports: nc.TransportManagerClient,
) -> None:
    connection = _aws_connection(interconnect, gateway_id)
    _active(google, interconnect_emulator, clock, transports, connection["activationKey"])

    unpeered = _status(transports)
    interconnect_emulator.set_link_state(connection["id"], "down")

    assert unpeered[:3] == ("DISCONNECTED", "OPERATIONAL_STATUS_ACTIVE", "CONNECTIVITY_STATUS_DISCONNECTED")
    # Both at once: the most critical, DOWN, is the overall status (the field's own example).
    assert _status(transports)[:3] == ("DOWN", "OPERATIONAL_STATUS_DOWN", "CONNECTIVITY_STATUS_DISCONNECTED")


def test_get_status_of_a_transport_that_does_not_exist_is_not_found(
    google: GoogleCloudEmulator, transports: nc.TransportManagerClient
) -> None:
    with pytest.raises(exceptions.NotFound):
        transports.get_status(request=nc.GetStatusRequest(name=TRANSPORT))


# --- bandwidth after an AWS resize --------------------------------------------------------------
def test_an_aws_resize_shows_on_the_transport_and_a_bandwidth_update_is_refused(
    google: GoogleCloudEmulator,
    clock: SimClock,
    interconnect: Any,
    interconnect_emulator: InterconnectEmulator,
    gateway_id: str,
    transports: nc.TransportManagerClient,
) -> None:
    connection = _aws_connection(interconnect, gateway_id, bandwidth="2Gbps")
    _active(google, interconnect_emulator, clock, transports, connection["activationKey"])

    interconnect.update_connection(identifier=connection["id"], bandwidth="5Gbps")
    clock.advance(interconnect_emulator.update_seconds)
    update = nc.UpdateTransportRequest(
        transport=nc.Transport(name=TRANSPORT, bandwidth=nc.Transport.Bandwidth.BPS_10G),
        update_mask=field_mask_pb2.FieldMask(paths=["bandwidth"]),
    )

    assert transports.get_transport(name=TRANSPORT).bandwidth == nc.Transport.Bandwidth.BPS_5G
    with pytest.raises(exceptions.InvalidArgument, match="cannot update bandwidth"):
        transports.update_transport(request=update)
    assert transports.get_transport(name=TRANSPORT).bandwidth == nc.Transport.Bandwidth.BPS_5G


# --- Compute Engine networks: mtu -----------------------------------------------------------------
def test_a_network_has_mtu_1460_unless_a_test_sets_another(
    google: GoogleCloudEmulator, networks: compute_v1.NetworksClient
) -> None:
    default = networks.get(project=PROJECT, network=NETWORK)
    google.set_network_mtu(PROJECT, NETWORK, 1500)

    assert default.mtu == 1460
    assert networks.get(project=PROJECT, network=NETWORK).mtu == 1500


def test_a_network_may_leave_the_mtu_field_out(
    google: GoogleCloudEmulator, networks: compute_v1.NetworksClient
) -> None:
    google.set_network_mtu(PROJECT, NETWORK, None)

    assert "mtu" not in networks.get(project=PROJECT, network=NETWORK)


def test_an_mtu_outside_what_google_allows_is_refused(google: GoogleCloudEmulator) -> None:
    for mtu in (1299, 8897):
        with pytest.raises(ValueError, match="1300 to 8896"):
            google.set_network_mtu(PROJECT, NETWORK, mtu)


def test_without_networks_on_demand_only_networks_a_test_made_exist(
    google: GoogleCloudEmulator, networks: compute_v1.NetworksClient
) -> None:
    google.networks_on_demand = False
    google.set_network_mtu(PROJECT, NETWORK, 8896)

    assert networks.get(project=PROJECT, network=NETWORK).mtu == 8896
    with pytest.raises(exceptions.NotFound, match="was not found"):
        networks.get(project=PROJECT, network="no-such-vpc")


# -- transports created from Google's side (the OUTPUT key flow) --------------------------------------
def test_a_transport_created_from_googles_side_generates_a_key_aws_answers_for_and_follows_its_acceptance(
    google: GoogleCloudEmulator,
    transports: nc.TransportManagerClient,
    interconnect: Any,
    gateway_id: str,
    clock: SimClock,
) -> None:
    key = google.propose_transport(
        aws_region="us-east-1",
        location=REGION,
        bandwidth="2Gbps",
        project=PROJECT,
        network=NETWORK,
        cidrs=["10.128.0.0/16"],
        transport_id="from-google",
    )
    name = f"{PARENT}/transports/from-google"
    created = transports.get_transport(name=name)
    assert created.state == nc.Transport.State.CREATING
    assert created.bandwidth == nc.Transport.Bandwidth.BPS_2G and created.remote_profile == "aws-us-east-1"
    assert created.generated_activation_key == key and not created.provided_activation_key
    clock.advance(google.operation_seconds)
    # nc-v1beta: PENDING_KEY while the generated key waits to be input to the provider.
    assert transports.get_transport(name=name).state == nc.Transport.State.PENDING_KEY
    proposal = interconnect.describe_connection_proposal(activationKey=key)
    assert proposal["bandwidth"] == "2Gbps" and proposal["location"] == REGION

    accepted = interconnect.accept_connection_proposal(
        activationKey=key, attachPoint={"directConnectGateway": gateway_id}
    )["connection"]
    assert accepted["state"] == "pending"
    assert transports.get_transport(name=name).state == nc.Transport.State.PENDING_CONFIG
    clock.advance(300)
    assert transports.get_transport(name=name).state == nc.Transport.State.ACTIVE
    listed = list(transports.list_transports(parent=PARENT))
    assert [t.generated_activation_key for t in listed] == [key]


def test_a_transport_from_googles_side_needs_a_transport_bandwidth(google: GoogleCloudEmulator) -> None:
    with pytest.raises(GoogleApiError, match="INVALID_ARGUMENT: bandwidth"):
        google.propose_transport(
            aws_region="us-east-1",
            location=REGION,
            bandwidth="25Gbps",  # no Transport.Bandwidth value
            project=PROJECT,
            network=NETWORK,
            cidrs=["10.128.0.0/16"],
        )
