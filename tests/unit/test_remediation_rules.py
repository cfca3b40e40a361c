"""The ranged rules of the remediation policy (icp.remediation), stated as Hypothesis properties:
flap damping and the next bandwidth (README, "Watching and repairing links")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fakes import connection
from hypothesis import given, settings
from hypothesis import strategies as st
from icp.models import Status, bandwidth_mbps
from icp.remediation import Action, Settings, Signal, decide, in_maintenance, is_flapping, next_bandwidth

NOW = datetime(2026, 6, 1, tzinfo=UTC)
FAST = settings(max_examples=150, deadline=None)

# Small windows and counts, so the boundaries (a down exactly one window ago, exactly
# flap_downs downs) come up often.
windows = st.integers(1, 30)
flap_counts = st.integers(1, 5)


def ago(seconds: int) -> datetime:
    return NOW - timedelta(seconds=seconds)


def downs_within(window: int) -> st.SearchStrategy[list[int]]:
    """Seconds before now of each down, from now to a little past one window back."""
    return st.lists(st.integers(0, 2 * window), max_size=8)


# --- is_flapping -------------------------------------------------------------------------------
@FAST
@given(windows, flap_counts, st.data())
def test_flapping_is_exactly_flap_downs_or_more_downs_less_than_one_window_ago(window, flap_downs, data):
    offsets = data.draw(downs_within(window))
    rule = Settings(flap_downs=flap_downs, flap_window_seconds=window)
    inside = sum(1 for s in offsets if s < window)  # a down one whole window ago has left it
    assert is_flapping([ago(s) for s in offsets], NOW, rule) == (inside >= flap_downs)


@FAST
@given(windows, flap_counts, st.data())
def test_one_more_down_inside_the_window_never_ends_flapping(window, flap_downs, data):
    offsets = data.draw(downs_within(window))
    extra = data.draw(st.integers(0, window - 1))
    rule = Settings(flap_downs=flap_downs, flap_window_seconds=window)
    before = is_flapping([ago(s) for s in offsets], NOW, rule)
    after = is_flapping([ago(s) for s in [*offsets, extra]], NOW, rule)
    assert after >= before
    # ... and it is what tips it over exactly when the count reaches flap_downs.
    assert after == (sum(1 for s in offsets if s < window) + 1 >= flap_downs)


@FAST
@given(windows, flap_counts, st.data())
def test_downs_a_window_ago_or_earlier_change_nothing(window, flap_downs, data):
    offsets = data.draw(downs_within(window))
    old = data.draw(st.lists(st.integers(window, 10 * window), min_size=1, max_size=8))
    rule = Settings(flap_downs=flap_downs, flap_window_seconds=window)
    downs = [ago(s) for s in offsets]
    assert is_flapping([*downs, *(ago(s) for s in old)], NOW, rule) == is_flapping(downs, NOW, rule)


@FAST
@given(windows, flap_counts, st.data())
def test_a_link_down_fails_over_at_once_exactly_when_the_link_is_flapping(window, flap_downs, data):
    offsets = data.draw(downs_within(window))
    status = data.draw(st.sampled_from([Status.ACTIVE, Status.RESIZING, Status.DEGRADED]))
    rule = Settings(flap_downs=flap_downs, flap_window_seconds=window)
    # decide() is given linkDowns with this signal's own down already in (start_remediation adds it).
    downs = [NOW, *(ago(s) for s in offsets)]
    subject = connection(status, "icc-1", linkDowns=downs)
    decision = decide(Signal("link-down", "icc-1", NOW, {}), subject, rule)
    flapping = 1 + sum(1 for s in offsets if s < window) >= flap_downs
    assert decision.action == (Action.FAILOVER_NOW if flapping else Action.FAILOVER)


# --- in_maintenance ----------------------------------------------------------------------------
@FAST
@given(st.integers(-50, 50), st.integers(0, 40), st.integers(-60, 60))
def test_a_maintenance_window_holds_from_its_start_to_its_end_inclusive(start, length, at):
    window = {
        "start": (NOW + timedelta(seconds=start)).isoformat(),
        "end": (NOW + timedelta(seconds=start + length)).isoformat(),
        "event": "arn:aws:health:us-east-1::event/DIRECTCONNECT/x",
    }
    subject = connection(Status.ACTIVE, "icc-1", maintenance=[window])
    inside = start <= at <= start + length
    assert in_maintenance(subject, NOW + timedelta(seconds=at)) == (window if inside else None)


# --- next_bandwidth ----------------------------------------------------------------------------
bandwidths = st.builds(
    lambda n, unit: f"{n}{unit}", st.integers(1, 400), st.sampled_from(["Mbps", "Gbps"])
) | st.sampled_from(["50Mbps", "500Mbps", "1Gbps", "1000Mbps", "2Gbps", "5Gbps", "10Gbps", "100Gbps"])


@FAST
@given(bandwidths, st.lists(bandwidths, max_size=8), bandwidths)
def test_the_next_bandwidth_is_the_smallest_offered_above_the_current_and_within_the_ceiling(
    current, offered, ceiling
):
    chosen = next_bandwidth(current, offered, ceiling)
    allowed = [b for b in offered if bandwidth_mbps(current) < bandwidth_mbps(b) <= bandwidth_mbps(ceiling)]
    if not allowed:
        assert chosen is None
        return
    assert chosen in offered
    assert bandwidth_mbps(current) < bandwidth_mbps(chosen) <= bandwidth_mbps(ceiling)
    assert bandwidth_mbps(chosen) == min(bandwidth_mbps(b) for b in allowed)  # one step, not a leap


@FAST
@given(bandwidths, st.lists(bandwidths, max_size=8), st.sampled_from([None, ""]))
def test_without_a_ceiling_nothing_grows_on_its_own(current, offered, ceiling):
    assert next_bandwidth(current, offered, ceiling) is None


@FAST
@given(bandwidths, st.lists(bandwidths, min_size=1, max_size=8))
def test_a_resize_decision_never_leaves_the_offered_list_nor_exceeds_max_bandwidth(current, offered):
    ceiling = max(offered, key=bandwidth_mbps)  # a ceiling some offered bandwidth reaches
    subject = connection(Status.ACTIVE, "icc-1", bandwidth=current, request={"maxBandwidth": ceiling})
    decision = decide(Signal("utilization", "icc-1", NOW, {}), subject, Settings(), offered)
    bigger = any(bandwidth_mbps(b) > bandwidth_mbps(current) for b in offered)
    assert (decision.action == Action.RESIZE) == bigger
    if decision.action == Action.RESIZE:
        assert decision.bandwidth in offered
        assert bandwidth_mbps(current) < bandwidth_mbps(str(decision.bandwidth)) <= bandwidth_mbps(ceiling)
