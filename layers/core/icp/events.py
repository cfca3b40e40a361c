"""Events the control plane publishes on its bus (docs/events.md). Every detail is checked against
its model in ``icp.event_schemas`` before it is sent, so what goes out is what the published
schemas say."""

from __future__ import annotations

import json
from typing import Any

from icp import config
from icp.aws.clients import call, client
from icp.errors import AwsServiceError
from icp.event_schemas import DETAIL_TYPES, LINK_STATE_CHANGED, REMEDIATION_COMPLETED, SOURCE, STATUS_CHANGED

__all__ = ["LINK_STATE_CHANGED", "REMEDIATION_COMPLETED", "SOURCE", "STATUS_CHANGED", "publish"]


def publish(detail_type: str, detail: dict[str, Any]) -> None:
    """Put one event on the bus. A detail-type without a model, or a detail that does not
    match its model (pydantic's ValidationError), is our bug: it raises and nothing is sent."""
    model = DETAIL_TYPES.get(detail_type)
    if model is None:
        raise ValueError(f"no model for detail-type {detail_type!r}: add one to icp.event_schemas")
    model.model_validate(detail)
    entry = {
        "Source": SOURCE,
        "DetailType": detail_type,
        "Detail": json.dumps(detail, default=str),
        "EventBusName": config.settings().require("event_bus_name"),
    }
    result = call(client("events").put_events, Entries=[entry])
    if result.get("FailedEntryCount"):
        # put_events reports per-entry failures in a 200 response; send once more, then fail loudly.
        result = call(client("events").put_events, Entries=[entry])
        if result.get("FailedEntryCount"):
            raise AwsServiceError(f"could not publish {detail_type}: {result['Entries'][0].get('ErrorCode')}")
