"""What a connection costs (README, "What a connection costs"), from the API's own fields."""

from __future__ import annotations

from typing import Any


def billing_view(tier: int | None, aws_region: str | None, remote_location: str | None) -> dict[str, Any]:
    """What a connection costs, from the API's own fields (README, "What a connection costs"): the
    hourly charge follows the bandwidth and the path's geographic scope, from the connection's
    Region to the remote location (the Interconnect pricing page); ``billingTier`` is the tier AWS
    assigned. AWS publishes no table of what each tier means, so none is invented here."""
    return {
        "billingTier": tier,
        "pathScope": {"from": aws_region, "to": remote_location},
        "tierMeaning": "not published by AWS"
        if tier is not None
        else "unknown until AWS creates the connection",
    }


def as_line(billing: dict[str, Any]) -> str:
    """``billing_view``'s answer as one line (``icp show``, the plan)."""
    scope = billing.get("pathScope") or {}
    tier = billing.get("billingTier")
    tier_text = tier if tier is not None else "?"
    return f"tier {tier_text} ({billing.get('tierMeaning')}), path {scope.get('from')} → {scope.get('to')}"
