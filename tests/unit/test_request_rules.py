"""The request model and the pure rules: CIDR overlap and MTU alignment (with Hypothesis)."""

from __future__ import annotations

import copy
import ipaddress
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from icp.errors import CidrOverlap, InvalidRequest, MtuMismatch
from icp.lifecycle.validate_request import parse_request
from icp.models import ConnectionRequest, bandwidth_mbps, connection_id_for
from icp.policy import check_cidrs, check_mtu, overlapping_pairs

EVENTS = Path(__file__).resolve().parents[2] / "events" / "eventbridge"


def sample(name: str) -> dict:
    return json.loads((EVENTS / f"{name}.json").read_text())["detail"]


def networks() -> st.SearchStrategy[ipaddress.IPv4Network]:
    return st.builds(lambda addr, prefix: ipaddress.IPv4Network((addr, prefix), strict=False),
                     st.integers(0, 2**32 - 1), st.integers(8, 30))


@pytest.mark.parametrize("name", ["multicloud-request", "last-mile-request"])
def test_the_sample_requests_are_valid(name):
    request = ConnectionRequest.model_validate(sample(name))
    assert request.connection_id == connection_id_for(request.requestId)


def test_the_same_request_id_always_gives_the_same_connection_id():
    assert connection_id_for("REQ-1") == connection_id_for("REQ-1") != connection_id_for("REQ-2")


@pytest.mark.parametrize(("change", "field"), [
    (lambda r: r.pop("bandwidth"), "bandwidth"),
    (lambda r: r.update(color="blue"), "color"),
    (lambda r: r["aws"].update(cidrs=["10.0.0.1/16"]), "aws.cidrs"),
    (lambda r: r["aws"].update(gatewayId="vgw-0abc"), "aws"),
    (lambda r: r.update(provider="lumen"), "request"),
    (lambda r: r.update(bandwidth="fast"), "bandwidth"),
])
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
    expected = any(a.overlaps(b) for i, a in enumerate(blocks) for b in blocks[i + 1:])
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
def test_multicloud_mtu_must_match_on_both_sides(aws_mtu, remote_mtu):
    raw = copy.deepcopy(sample("multicloud-request"))
    raw["aws"]["mtu"], raw["remote"]["mtu"] = aws_mtu, remote_mtu
    request = ConnectionRequest.model_validate(raw)
    if aws_mtu == remote_mtu:
        check_mtu(request)
    else:
        with pytest.raises(MtuMismatch) as caught:
            check_mtu(request)
        assert (caught.value.field, caught.value.rule) == ("remote.mtu", "mtu-aligned")


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


@pytest.mark.parametrize(("text", "mbps"), [("500Mbps", 500), ("1Gbps", 1000), ("100Gbps", 100000)])
def test_bandwidths_convert_to_megabits(text, mbps):
    assert bandwidth_mbps(text) == mbps
