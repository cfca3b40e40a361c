"""Verify Routes: every route on both sides in place and pointing the right way.

Raises RoutesNotConverged (retried by the state machine with backoff) until it holds."""

from __future__ import annotations

from typing import Any

from icp import store
from icp.errors import RoutesNotConverged
from icp.lifecycle.routing import missing_aws_side
from icp.partners.registry import remote_side_for


def missing_routes(connection_id: str) -> list[str]:
    record = store.get(connection_id)
    return missing_aws_side(record) + remote_side_for(record.require("provider")).missing_routes(record)


def verify_routes(connection_id: str) -> dict[str, Any]:
    missing = missing_routes(connection_id)
    if missing:
        raise RoutesNotConverged(
            "; ".join(missing[:5]) + (f" (+{len(missing) - 5} more)" if len(missing) > 5 else "")
        )
    return {"connectionId": connection_id, "routesVerified": True}
