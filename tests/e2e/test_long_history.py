"""Issue 11's must-hold, in the local cloud: a connection with 20,000 transitions still fails over
and restores, and its record item stays under 16 KB (docs/data-model.md, "Bounds")."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from test_remediation import GRACE, active, detection, route_kinds

from icp_local.seeding import item_bytes, record_item, seed_history

__all__ = ["active"]  # a fixture, used by name
RECORD_ITEM_LIMIT = 16 * 1024  # issue 11: "its record item stays under 16 KB"
SEEDED = 20_000


# Its subject is the record's size under a long history, not what AWS answers: one reading.
@pytest.mark.default_reading
def test_a_connection_with_20000_transitions_still_fails_over_and_restores(active):
    # Given an ACTIVE connection (the remediation tests' fixture) with 20,000 flaps in its history
    local_cloud, network, record = active
    provisioned = record["historyCount"]
    seed_history(record["connectionId"], SEEDED, start=datetime(2026, 1, 1, tzinfo=UTC))

    # When its link goes down past the grace period, then comes back
    local_cloud.partner("google-cloud").link_down(record["awsConnectionId"])
    local_cloud.advance(GRACE + detection(local_cloud) + 1)
    assert route_kinds(network) == {"10.128.0.0/16": ["vpn"]}
    assert local_cloud.api("GET", f"/v1/connections/{record['connectionId']}")[1]["status"] == "DEGRADED"
    local_cloud.partner("google-cloud").link_up(record["awsConnectionId"])
    local_cloud.run_until_idle()

    # Then it is restored, its record item is small, and the API shows the newest entries
    assert route_kinds(network) == {"10.128.0.0/16": ["direct-connect-gateway"]}
    status, shown = local_cloud.api("GET", f"/v1/connections/{record['connectionId']}")
    assert status == 200 and shown["status"] == "ACTIVE"
    assert shown["historyCount"] > provisioned + SEEDED + 1 and shown["historyTruncated"] is True
    assert len(shown["history"]) == 100
    assert [h["to"] for h in shown["history"] if h["from"] != h["to"]][-2:] == ["DEGRADED", "ACTIVE"]
    assert "seeded" not in (shown["history"][-1]["reason"] or "")
    assert item_bytes(record_item(record["connectionId"])) < RECORD_ITEM_LIMIT
