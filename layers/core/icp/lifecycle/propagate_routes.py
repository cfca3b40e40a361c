"""Propagate Routes: the AWS side (DX gateway association with allowed prefixes, routes
toward the remote CIDRs) and the remote side (Google peering routes, partner site routes)."""

from __future__ import annotations

from typing import Any

from icp.lifecycle import cloud_wan
from icp.lifecycle.routing import propagate_aws_side
from icp.lifecycle.transitions import move
from icp.models import Status
from icp.partners.registry import remote_side_for


def propagate_routes(connection_id: str) -> dict[str, Any]:
    record = move(
        connection_id,
        Status.ROUTES_PROPAGATING,
        "connection available; propagating routes",
        also=lambda r: {"waitFor": None, "waitToken": None, "waitSince": None},
    )
    propagate_aws_side(record)
    remote_side_for(record.require("provider")).propagate_routes(record)
    # Cloud WAN: the workflow waits for the core network attachment before verifying routes.
    return {"connectionId": connection_id, "awaitAttachment": cloud_wan.is_cloud_wan(record)}
