"""Remediation policy: which signal calls for which action, as plain functions.

Signals come from the watcher (Link State Changed), CloudWatch alarms the provision flow
creates per connection, AWS Health maintenance notices, and the scheduled route check. The
policy never acts; ``icp.lifecycle.start_remediation`` takes a lease and starts the
remediate state machine with the action decided here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from icp import config
from icp.models import ConnectionRecord, Status, bandwidth_mbps


class Action(StrEnum):
    FAILOVER = "failover"  # wait the grace period, look again, fail over if still down
    FAILOVER_NOW = "failover-now"  # flapping: fail over at once and hold on the backup path
    REPAIR_ROUTES = "repair-routes"
    RESIZE = "resize"
    REPLACE_CONNECTION = "replace-connection"
    RESTORE = "restore"  # the link is back but nothing is bringing the connection back: do it
    DRILL = "drill"  # an operator's failover drill: fail over, verify, restore at once (the link is up)


@dataclass(frozen=True)
class Settings(config.SettingsView):
    grace_seconds: int = config.setting_field("remediation_grace_seconds")
    flap_downs: int = config.setting_field("flap_downs")
    flap_window_seconds: int = config.setting_field("flap_window_seconds")
    reminder_seconds: int = config.setting_field("reminder_seconds")


@dataclass(frozen=True)
class Signal:
    kind: str  # link-down, link-up, link-failed, utilization, latency, packet-loss, maintenance, route-drift, drill
    connection_id: str
    at: datetime
    detail: dict[str, Any]


@dataclass(frozen=True)
class Decision:
    action: Action | None
    reason: str
    bandwidth: str | None = None


def recent_downs(downs: list[datetime], now: datetime, window_seconds: int) -> list[datetime]:
    since = now - timedelta(seconds=window_seconds)
    return [d for d in downs if d > since]


def is_flapping(downs: list[datetime], now: datetime, settings: Settings) -> bool:
    return len(recent_downs(downs, now, settings.flap_window_seconds)) >= settings.flap_downs


def in_maintenance(record: ConnectionRecord, at: datetime) -> dict[str, str] | None:
    for window in record.maintenance:
        if datetime.fromisoformat(window["start"]) <= at <= datetime.fromisoformat(window["end"]):
            return window
    return None


def next_bandwidth(current: str, offered: list[str], ceiling: str | None) -> str | None:
    """The next bandwidth the environment offers above ``current``, never above ``ceiling``;
    without a ceiling (the request's maxBandwidth) nothing grows on its own."""
    if not ceiling:
        return None
    bigger = sorted((b for b in offered if bandwidth_mbps(b) > bandwidth_mbps(current)), key=bandwidth_mbps)
    if not bigger or bandwidth_mbps(bigger[0]) > bandwidth_mbps(ceiling):
        return None
    return bigger[0]


def decide(
    signal: Signal, record: ConnectionRecord, settings: Settings, offered: list[str] | None = None
) -> Decision:
    """What to do about ``signal``. ``record.linkDowns`` already includes this signal's down."""
    status = record.status
    if signal.kind == "link-down":
        if status not in (Status.ACTIVE, Status.RESIZING, Status.DEGRADED):
            return Decision(None, f"link down while {status.value}: provisioning handles it")
        if is_flapping(record.linkDowns, signal.at, settings):
            return Decision(
                Action.FAILOVER_NOW,
                f"{settings.flap_downs} downs within {settings.flap_window_seconds} s: flapping",
            )
        return Decision(Action.FAILOVER, "link down")
    if signal.kind == "link-failed":
        if status in (Status.ACTIVE, Status.DEGRADED, Status.RESIZING):
            return Decision(Action.REPLACE_CONNECTION, "AWS reports the connection failed")
        return Decision(None, f"failed while {status.value}: provisioning handles it")
    if signal.kind == "link-up":
        if status != Status.DEGRADED:
            return Decision(None, f"link up while {status.value}")
        return Decision(Action.RESTORE, "link available again with no remediation running: restoring")
    if signal.kind == "utilization":
        if status != Status.ACTIVE:
            return Decision(None, f"utilization alarm while {status.value}")
        target = next_bandwidth(record.bandwidth or "", offered or [], record.request.get("maxBandwidth"))
        if target is None:
            return Decision(
                None, "utilization high, but no larger bandwidth is allowed (maxBandwidth) or offered"
            )
        return Decision(Action.RESIZE, f"utilization over threshold: grow to {target}", bandwidth=target)
    if signal.kind in ("latency", "packet-loss"):
        if status != Status.ACTIVE:
            return Decision(None, f"{signal.kind} alarm while {status.value}")
        return Decision(Action.FAILOVER, f"{signal.kind} alarm: a grey failure")
    if signal.kind == "drill":
        if status != Status.ACTIVE:
            return Decision(
                None, f"failover drill while {status.value}: only an ACTIVE connection is drilled"
            )
        by, why = signal.detail.get("by"), signal.detail.get("reason")
        return Decision(
            Action.DRILL,
            "failover drill" + (f" requested by {by}" if by else "") + (f" ({why})" if why else ""),
        )
    if signal.kind == "route-drift":
        if status != Status.ACTIVE:
            return Decision(None, f"route drift while {status.value}")
        return Decision(Action.REPAIR_ROUTES, "routes missing or blackholed")
    return Decision(None, f"nothing to do for {signal.kind}")
