"""The request model and the pure rules: CIDR overlap and MTU alignment (with Hypothesis)."""

from __future__ import annotations

import copy
import ipaddress
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from icp.errors import (
    CidrOverlap,
    InvalidRequest,
    MtuMismatch,
    QuotaExceeded,
    RegionLocality,
    UnsupportedPair,
)
from icp.lifecycle.validate_request import parse_request
from icp.models import ConnectionRequest, bandwidth_mbps, connection_id_for
from icp.policy import (
    MULTICLOUD_MAX_MTU,
    Quotas,
    World,
    check_cidrs,
    check_mtu,
    check_quotas,
    check_stack_region,
    find_environment,
    overlapping_pairs,
)

EVENTS = Path(__file__).resolve().parents[2] / "events" / "eventbridge"


def sample(name: str) -> dict:
    return json.loads((EVENTS / f"{name}.json").read_text())["detail"]


def networks() -> st.SearchStrategy[ipaddress.IPv4Network]:
    return st.builds(
        lambda addr, prefix: ipaddress.IPv4Network((addr, prefix), strict=False),
        st.integers(0, 2**32 - 1),
        st.integers(8, 30),
    )


@pytest.mark.parametrize("name", ["multicloud-request", "last-mile-request"])
def test_the_sample_requests_are_valid(name):
    request = ConnectionRequest.model_validate(sample(name))
    assert request.connection_id == connection_id_for(request.requestId)


def test_the_same_request_id_always_gives_the_same_connection_id():
    assert connection_id_for("REQ-1") == connection_id_for("REQ-1") != connection_id_for("REQ-2")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda r: r.pop("bandwidth"), "bandwidth"),
        (lambda r: r.update(color="blue"), "color"),
        (lambda r: r["aws"].update(cidrs=["10.0.0.1/16"]), "aws.cidrs"),
        (lambda r: r["aws"].update(gatewayId="vgw-0abc"), "aws"),
        (lambda r: r.update(provider="lumen"), "request"),
        (lambda r: r.update(bandwidth="fast"), "bandwidth"),
    ],
)
def test_a_malformed_request_names_the_field(change, field):
    raw = copy.deepcopy(sample("multicloud-request"))
    change(raw)
    with pytest.raises(InvalidRequest) as caught:
        parse_request(raw)
    assert caught.value.field is not None and caught.value.field.startswith(field.split(".")[0])
    assert caught.value.rule


@given(st.lists(networks(), min_size=1, max_size=6))
def test_overlap_is_reported_exactly_when_two_blocks_share_an_address(blocks):
    cidrs = [str(b) for b in blocks]
    expected = any(a.overlaps(b) for i, a in enumerate(blocks) for b in blocks[i + 1 :])
    assert bool(overlapping_pairs(cidrs)) == expected


@given(networks(), networks())
def test_a_request_whose_sides_overlap_is_rejected_naming_the_field_and_rule(aws_block, remote_block):
    raw = copy.deepcopy(sample("multicloud-request"))
    raw["aws"]["cidrs"], raw["remote"]["cidrs"] = [str(aws_block)], [str(remote_block)]
    request = ConnectionRequest.model_validate(raw)
    if aws_block.overlaps(remote_block):
        with pytest.raises(CidrOverlap) as caught:
            check_cidrs(request, [])
        assert caught.value.rule == "no-overlap"
    else:
        check_cidrs(request, [])


@given(st.integers(1280, 9001), st.integers(1300, 8896))
def test_multicloud_mtu_must_match_on_both_sides_and_fit_the_connection(aws_mtu, remote_mtu):
    raw = copy.deepcopy(sample("multicloud-request"))
    raw["aws"]["mtu"], raw["remote"]["mtu"] = aws_mtu, remote_mtu
    request = ConnectionRequest.model_validate(raw)
    if remote_mtu > MULTICLOUD_MAX_MTU:
        expected_rule = "mtu-within-connection"
    elif aws_mtu != remote_mtu:
        expected_rule = "mtu-aligned"
    else:
        check_mtu(request)
        return
    with pytest.raises(MtuMismatch) as caught:
        check_mtu(request)
    assert (caught.value.field, caught.value.rule) == ("remote.mtu", expected_rule)
    assert str(remote_mtu) in caught.value.message


@given(st.integers(1300, 8896))
def test_a_multicloud_request_without_any_mtu_follows_the_google_network(network_mtu):
    raw = copy.deepcopy(sample("multicloud-request"))
    raw["aws"].pop("mtu", None)
    raw["remote"].pop("mtu", None)
    request = ConnectionRequest.model_validate(raw)
    if network_mtu <= MULTICLOUD_MAX_MTU:
        check_mtu(request, network_mtu)
    else:
        with pytest.raises(MtuMismatch) as caught:
            check_mtu(request, network_mtu)
        assert caught.value.field == "remote.mtu"
        assert str(network_mtu) in caught.value.message and str(MULTICLOUD_MAX_MTU) in caught.value.message


def test_an_aws_mtu_that_differs_from_the_google_network_names_both_values():
    raw = copy.deepcopy(sample("multicloud-request"))
    raw["aws"]["mtu"] = 8500
    raw["remote"].pop("mtu", None)
    request = ConnectionRequest.model_validate(raw)
    with pytest.raises(MtuMismatch) as caught:
        check_mtu(request, 1460)
    assert (caught.value.field, caught.value.rule) == ("remote.mtu", "mtu-aligned")
    assert "8500" in caught.value.message and "1460" in caught.value.message


@given(st.integers(1280, 9001))
def test_last_mile_runs_only_at_8500(mtu):
    raw = copy.deepcopy(sample("last-mile-request"))
    raw["aws"]["mtu"] = mtu
    request = ConnectionRequest.model_validate(raw)
    if mtu == 8500:
        check_mtu(request)
    else:
        with pytest.raises(MtuMismatch):
            check_mtu(request)


def test_a_last_mile_request_without_an_mtu_runs_at_8500():
    raw = copy.deepcopy(sample("last-mile-request"))
    raw["aws"].pop("mtu", None)
    check_mtu(ConnectionRequest.model_validate(raw))


@pytest.mark.parametrize(("text", "mbps"), [("500Mbps", 500), ("1Gbps", 1000), ("100Gbps", 100000)])
def test_bandwidths_convert_to_megabits(text, mbps):
    assert bandwidth_mbps(text) == mbps


@pytest.mark.parametrize("value", ["gcp", "GCP", "Gcp"])
def test_the_google_cloud_provider_finds_the_apis_gcp_environment_whatever_its_casing(value):
    request = ConnectionRequest.model_validate(sample("multicloud-request"))
    environment = {
        "environmentId": "mce-aws-gcp-iad",
        "provider": {"cloudServiceProvider": value},
        "location": request.remoteLocation.upper(),
        "state": "available",
    }
    assert find_environment(request, [environment]) is environment


def test_an_environment_named_google_cloud_is_not_taken_for_gcp():
    request = ConnectionRequest.model_validate(sample("multicloud-request"))
    invented = {
        "environmentId": "x",
        "provider": {"lastMileProvider": "gcp"},
        "location": request.remoteLocation,
        "state": "available",
    }
    with pytest.raises(UnsupportedPair):
        find_environment(request, [invented])


@pytest.mark.parametrize(("scope", "says"), [("account", "in the account"), ("region", "in us-east-1")])
def test_a_quota_message_says_whether_it_counts_per_account_or_per_region(scope, says):
    request = ConnectionRequest.model_validate(sample("multicloud-request"))
    gcp = {"provider": {"cloudServiceProvider": "gcp"}, "state": "available"}
    world = World(
        environments=[], aws_connections=[gcp, gcp], records=[], quota_regions=("eu-west-2", "us-east-1")
    )
    with pytest.raises(QuotaExceeded) as caught:
        check_quotas(request, world, Quotas(scope=scope))
    assert caught.value.rule == "quota-multicloud-per-provider"
    assert says in caught.value.message and f"per {scope}" in caught.value.message


def test_route_tables_outside_the_stacks_region_are_refused_naming_the_field():
    request = ConnectionRequest.model_validate(sample("multicloud-request"))  # us-east-1, with route tables
    world = World(environments=[], aws_connections=[], records=[], home_region="us-east-1")
    check_stack_region(request, world)
    elsewhere = request.model_copy(update={"awsRegion": "eu-west-2"})
    with pytest.raises(RegionLocality) as caught:
        check_stack_region(elsewhere, world)
    assert (caught.value.field, caught.value.rule) == ("aws.routeTableIds", "stack-region")
    assert "eu-west-2" in caught.value.message and "us-east-1" in caught.value.message
    no_tables = elsewhere.model_copy(update={"aws": elsewhere.aws.model_copy(update={"routeTableIds": []})})
    check_stack_region(no_tables, world)  # nothing to write there: fine
