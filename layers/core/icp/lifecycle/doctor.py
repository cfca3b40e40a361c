"""`icp doctor` / `GET /v1/account`: what the account has left of each quota, the environments
and their state, the Direct Connect gateways, and anything that would make the next request fail."""

from __future__ import annotations

from collections import Counter
from typing import Any

from icp import clock, store
from icp.aws import interconnect
from icp.aws.clients import call, client
from icp.models import LIVE, Status, WaitFor
from icp.policy import Quotas, quota_regions
from icp.providers import provider_name
from icp.remediation import Settings


def account_view(region: str) -> dict[str, Any]:
    quotas = Quotas.configured()
    environments = interconnect.list_environments(region)
    live = interconnect.existing_connections(quota_regions(region, quotas))
    by_provider = Counter(provider_name(c) for c in live)
    # Multicloud providers are the union's cloudServiceProvider member (the type's casing varies).
    kinds = {
        provider_name(c): "cloudServiceProvider" in c.get("provider", {}) for c in [*environments, *live]
    }
    requested = sum(c.get("state") == "requested" for c in live)
    rows = [
        ("created connections", quotas.created, len(live)),
        ("outstanding requested", quotas.outstanding_requested, requested),
    ]
    for provider, count in sorted(by_provider.items()):
        multicloud = kinds.get(provider, False)
        limit = quotas.multicloud_per_provider if multicloud else quotas.last_mile_per_provider
        rows.append((f"{'multicloud' if multicloud else 'last mile'} with {provider}", limit, count))
    problems = []
    for name, limit, used in rows:
        if used >= limit:
            problems.append(f"quota '{name}' is used up ({used}/{limit}): the next such request is rejected")
    for environment in environments:
        if environment.get("state") != "available":
            problems.append(f"environment {environment['environmentId']} is {environment.get('state')}")
    gateways = _gateways()
    now = clock.utcnow()
    reminder = Settings.configured().reminder_seconds
    for record in store.with_status(*LIVE, Status.FAILED):
        if (
            record.waitFor == WaitFor.PARTNER_ACCEPTANCE
            and record.waitSince
            and (now - record.waitSince).total_seconds() > reminder
        ):
            problems.append(
                f"{record.connectionId} has waited for {record.provider} since {record.waitSince:%Y-%m-%d}"
            )
        if record.status in (Status.DEGRADED, Status.FAILED):
            problems.append(f"{record.connectionId} is {record.status.value}: {record.statusReason}")
    return {
        "region": region,
        "quotas": [
            {"name": n, "limit": limit, "used": used, "left": max(limit - used, 0)} for n, limit, used in rows
        ],
        "environments": [
            {
                "environmentId": e["environmentId"],
                "provider": provider_name(e),
                "location": e.get("location"),
                "state": e.get("state"),
                "bandwidths": e.get("bandwidths", {}).get("available", []),
            }
            for e in environments
        ],
        "gateways": gateways,
        "problems": problems,
    }


def _gateways() -> list[dict[str, Any]]:
    dx = client("directconnect", "us-east-1")
    gateways = call(dx.describe_direct_connect_gateways).get("directConnectGateways", [])
    associations = call(dx.describe_direct_connect_gateway_associations).get(
        "directConnectGatewayAssociations", []
    )
    return [
        {
            "id": g["directConnectGatewayId"],
            "name": g.get("directConnectGatewayName"),
            "state": g.get("directConnectGatewayState"),
            "asn": g.get("amazonSideAsn"),
            "associations": [
                a.get("associatedGateway", {}).get("id")
                for a in associations
                if a.get("directConnectGatewayId") == g["directConnectGatewayId"]
            ],
        }
        for g in gateways
    ]
