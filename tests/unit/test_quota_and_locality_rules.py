"""The quota and Region-locality checks (icp.policy.check_quotas, check_locality, quota_regions)
stated as Hypothesis properties: each quota refuses exactly at its limit, in either scope
(docs/conformance.md, "Quotas"), and locality is judged per attachment."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icp.errors import QuotaExceeded, RegionLocality
from icp.models import Attachment, ConnectionRequest
from icp.policy import Quotas, World, check_locality, check_quotas, quota_regions
from icp.providers import INTERCONNECT_REGIONS

EVENTS = Path(__file__).resolve().parents[2] / "events" / "eventbridge"
FAST = settings(max_examples=150, deadline=None)
LOTS = 1000  # a quota too large to be reached, to look at one rule alone


def request(name: str, **aws: Any) -> ConnectionRequest:
    raw = copy.deepcopy(json.loads((EVENTS / f"{name}.json").read_text())["detail"])
    raw["aws"].update(aws)
    if raw["aws"]["attachment"] == Attachment.CLOUD_WAN:  # a segment, and no route tables to write
        raw["aws"].pop("routeTableIds", None)
        raw["aws"].setdefault("segment", "production")
    return ConnectionRequest.model_validate(raw)


MULTICLOUD, LAST_MILE = request("multicloud-request"), request("last-mile-request")  # google-cloud, lumen
# The API's Provider union, in the casings published output mixes (docs/conformance.md, "Provider values").
SAME_VALUES = {
    "multicloud": [{"cloudServiceProvider": v} for v in ("gcp", "GCP", "Gcp")],
    "last-mile": [{"lastMileProvider": v} for v in ("lumen", "Lumen", "LUMEN")],
}
SAME = {kind: st.sampled_from(values) for kind, values in SAME_VALUES.items()}
OTHER = {
    "multicloud": st.sampled_from([{"lastMileProvider": "lumen"}, {"cloudServiceProvider": "azure"}]),
    "last-mile": st.sampled_from([{"cloudServiceProvider": "gcp"}, {"lastMileProvider": "zayo"}]),
}
states = st.sampled_from(["requested", "pending", "available", "down", "updating"])
scopes = st.sampled_from(["account", "region"])
PER_PROVIDER = {"multicloud": "quota-multicloud-per-provider", "last-mile": "quota-last-mile-per-provider"}


def aws_connections(kind: str, same: int, other: int, state: st.SearchStrategy[str]) -> st.SearchStrategy:
    one = st.fixed_dictionaries
    return st.tuples(
        st.lists(one({"provider": SAME[kind], "state": state}), min_size=same, max_size=same),
        st.lists(one({"provider": OTHER[kind], "state": state}), min_size=other, max_size=other),
    ).map(lambda two: [*two[0], *two[1]])


def only(scope: str = "account", **limits: int) -> Quotas:
    """Quotas with every limit out of reach but those given."""
    unreached = dict.fromkeys(
        ("created", "outstanding_requested", "multicloud_per_provider", "last_mile_per_provider"), LOTS
    )
    return Quotas(**{**unreached, **limits}, scope=scope)


def refused(
    req: ConnectionRequest, connections: list[dict[str, Any]], quotas: Quotas
) -> QuotaExceeded | None:
    world = World(environments=[], aws_connections=connections, records=[], quota_regions=("us-east-1",))
    try:
        check_quotas(req, world, quotas)
    except QuotaExceeded as exc:
        return exc
    return None


@FAST
@given(st.sampled_from(["multicloud", "last-mile"]), st.integers(0, 6), st.integers(0, 8), scopes, st.data())
def test_the_created_connections_quota_refuses_exactly_at_its_limit(kind, limit, n, scope, data):
    same = data.draw(st.integers(0, n))
    connections = data.draw(aws_connections(kind, same, n - same, st.just("available")))
    req = MULTICLOUD if kind == "multicloud" else LAST_MILE
    quotas = only(scope, created=limit)
    caught = refused(req, connections, quotas)
    assert (caught is not None) == (n >= limit)
    if caught:
        assert (caught.field, caught.rule) == ("awsRegion", "quota-created-connections")
        assert f"{n} connections" in caught.message and f"is {limit} per {scope}" in caught.message


@FAST
@given(st.integers(0, 6), st.integers(0, 8), st.integers(0, 4), scopes)
def test_the_outstanding_requested_quota_counts_only_connections_waiting_for_activation(
    limit, waiting, others, scope
):
    connections = [{"provider": {"lastMileProvider": "zayo"}, "state": "requested"}] * waiting + [
        {"provider": {"lastMileProvider": "zayo"}, "state": s}
        for s in ["pending", "available", "down", "updating"]
    ][:others]
    quotas = only(scope, outstanding_requested=limit)
    caught = refused(MULTICLOUD, connections, quotas)
    assert (caught is not None) == (waiting >= limit)
    if caught:
        assert (caught.field, caught.rule) == ("awsRegion", "quota-outstanding-requested")
        assert f"is {limit} per {scope}" in caught.message


@FAST
@given(
    st.sampled_from(["multicloud", "last-mile"]),
    st.integers(0, 4),
    st.integers(0, 5),
    st.integers(0, 5),
    scopes,
    st.data(),
)
def test_the_per_provider_quota_of_the_requests_type_counts_only_that_provider(
    kind, limit, same, other, scope, data
):
    connections = data.draw(aws_connections(kind, same, other, states.filter(lambda s: s != "requested")))
    req = MULTICLOUD if kind == "multicloud" else LAST_MILE
    # The other type's per-provider quota is 0: it must not apply to this request.
    quotas = only(
        scope,
        multicloud_per_provider=limit if kind == "multicloud" else 0,
        last_mile_per_provider=limit if kind == "last-mile" else 0,
    )
    caught = refused(req, connections, quotas)
    assert (caught is not None) == (same >= limit)
    if caught:
        assert (caught.field, caught.rule) == ("provider", PER_PROVIDER[kind])
        assert f"{same} " in caught.message and f"is {limit} per {scope}" in caught.message


@FAST
@given(
    st.sampled_from(["multicloud", "last-mile"]),
    st.integers(0, 6),
    st.integers(0, 6),
    st.integers(0, 6),
    st.data(),
)
def test_the_first_quota_reached_is_the_one_reported(kind, created, outstanding, per_provider, data):
    connections = data.draw(
        st.lists(st.fixed_dictionaries({"provider": SAME[kind] | OTHER[kind], "state": states}), max_size=8)
    )
    req = MULTICLOUD if kind == "multicloud" else LAST_MILE
    quotas = Quotas(
        created=created,
        outstanding_requested=outstanding,
        multicloud_per_provider=per_provider,
        last_mile_per_provider=per_provider,
    )
    same = sum(1 for c in connections if c["provider"] in SAME_VALUES[kind])
    waiting = sum(1 for c in connections if c["state"] == "requested")
    if len(connections) >= created:
        expected: str | None = "quota-created-connections"
    elif waiting >= outstanding:
        expected = "quota-outstanding-requested"
    else:
        expected = PER_PROVIDER[kind] if same >= per_provider else None
    caught = refused(req, connections, quotas)
    assert (caught.rule if caught else None) == expected


@given(st.sampled_from(sorted({*INTERCONNECT_REGIONS, "eu-north-1", "sa-east-1"})))
def test_the_quota_scope_decides_which_regions_are_counted(region):
    assert quota_regions(region, Quotas(scope="region")) == (region,)
    account = quota_regions(region, Quotas(scope="account"))
    assert set(account) == {*INTERCONNECT_REGIONS, region} and list(account) == sorted(set(account))


# --- check_locality ----------------------------------------------------------------------------
GATEWAYS = {
    Attachment.TRANSIT_GATEWAY: "tgw-0123456789abcdef0",
    Attachment.VIRTUAL_PRIVATE_GATEWAY: "vgw-0123456789abcdef0",
    Attachment.CLOUD_WAN: "core-network-0123456789abcdef0",
}
tables = st.dictionaries(st.sampled_from(["rtb-0a", "rtb-0b", "tgw-rtb-0c"]), st.booleans(), max_size=3)


@FAST
@given(st.sampled_from(list(Attachment)), st.booleans(), tables)
def test_locality_is_judged_per_attachment_gateway_and_route_table(attachment, gateway_ok, route_tables):
    req = request("multicloud-request", attachment=attachment.value, gatewayId=GATEWAYS[attachment])
    world = World(
        environments=[],
        aws_connections=[],
        records=[],
        gateway_region_ok=gateway_ok,
        route_tables_region_ok=route_tables,
    )
    elsewhere = [t for t, ok in route_tables.items() if not ok]
    if attachment == Attachment.CLOUD_WAN or (gateway_ok and not elsewhere):
        check_locality(req, world)  # Cloud WAN reaches the connection from any Region
        return
    with pytest.raises(RegionLocality) as caught:
        check_locality(req, world)
    assert caught.value.rule == "region-locality"
    if not gateway_ok:
        assert caught.value.field == "aws.gatewayId"
        assert GATEWAYS[attachment] in caught.value.message and "us-east-1" in caught.value.message
    else:
        assert caught.value.field == "aws.routeTableIds" and elsewhere[0] in caught.value.message
