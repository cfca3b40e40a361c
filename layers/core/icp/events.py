"""Events the control plane publishes on its bus (design §5)."""

from __future__ import annotations

import json
import os
from typing import Any

from icp.aws.clients import call, client
from icp.errors import AwsServiceError

SOURCE = "interconnect-control-plane"
STATUS_CHANGED = "Interconnect Connection Status Changed"
LINK_STATE_CHANGED = "Interconnect Link State Changed"
REMEDIATION_COMPLETED = "Interconnect Remediation Completed"


def publish(detail_type: str, detail: dict[str, Any]) -> None:
    entry = {
        "Source": SOURCE,
        "DetailType": detail_type,
        "Detail": json.dumps(detail, default=str),
        "EventBusName": os.environ["EVENT_BUS_NAME"],
    }
    result = call(client("events").put_events, Entries=[entry])
    if result.get("FailedEntryCount"):
        # put_events reports per-entry failures in a 200 response; send once more, then fail loudly.
        result = call(client("events").put_events, Entries=[entry])
        if result.get("FailedEntryCount"):
            raise AwsServiceError(f"could not publish {detail_type}: {result['Entries'][0].get('ErrorCode')}")
