"""The API lists by page (issue 11): GET /v1/connections with its filters and nextToken, one
connection with its newest history entries, and GET /v1/connections/{id}/history a page at a
time; a bad parameter is a 400 naming it. Records are batch-written (icp_local.seeding)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from icp.models import ConnectionRecord, Status

from icp_local import LocalCloud
from icp_local.seeding import a_record, seed_history, seed_records

# What it checks does not depend on what AWS answers: the default reading only (tests/e2e/conftest.py).
pytestmark = pytest.mark.default_reading

T0 = datetime(2026, 3, 1, tzinfo=UTC)
# (status, type, AWS Region) of the seeded records, in the order they were created.
SEEDED = [
    ("ACTIVE", "multicloud", "us-east-1"),
    ("FAILED", "multicloud", "us-east-1"),
    ("ACTIVE", "last-mile", "us-east-1"),
    ("DEGRADED", "multicloud", "us-west-2"),
    ("ACTIVE", "multicloud", "us-west-2"),
    ("FAILED", "last-mile", "us-east-1"),
    ("ACTIVE", "multicloud", "us-east-1"),
]


@pytest.fixture
def seeded(local_cloud: LocalCloud) -> list[ConnectionRecord]:
    records = [
        a_record(
            f"REQ-PAGE-{n}", status=status, type=kind, region=region, created_at=T0 + timedelta(minutes=n)
        )
        for n, (status, kind, region) in enumerate(SEEDED)
    ]
    seed_records(records)
    return records


def pages(cloud: LocalCloud, path: str) -> list[dict[str, Any]]:
    """Every page of a listing, following nextToken."""
    found, token = [], None
    while True:
        status, page = cloud.api("GET", path + (f"&nextToken={quote(token)}" if token else ""))
        assert status == 200, page
        found.append(page)
        token = page.get("nextToken")
        if token is None:
            return found


def test_the_list_comes_by_page_by_status_then_age_each_record_once(
    local_cloud: LocalCloud, seeded: list[ConnectionRecord]
):
    listed = pages(local_cloud, "/v1/connections?limit=2")

    assert [len(p["connections"]) for p in listed] == [2, 2, 2, 1]
    ids = [c["connectionId"] for p in listed for c in p["connections"]]
    order = list(Status)
    expected = sorted(seeded, key=lambda r: (order.index(r.status), r.createdAt))
    assert ids == [r.connectionId for r in expected]
    assert all("asOf" in p for p in listed)


def test_the_list_filters_by_status_type_and_region(local_cloud: LocalCloud, seeded: list[ConnectionRecord]):
    listed = pages(local_cloud, "/v1/connections?status=ACTIVE&type=multicloud&region=us-east-1&limit=1")

    ids = [c["connectionId"] for p in listed for c in p["connections"]]
    assert ids == [seeded[0].connectionId, seeded[6].connectionId]
    (last_mile,) = pages(local_cloud, "/v1/connections?type=last-mile")
    assert [c["status"] for c in last_mile["connections"]] == ["ACTIVE", "FAILED"]
    (west,) = pages(local_cloud, "/v1/connections?region=us-west-2&status=FAILED")
    assert west["connections"] == []


def test_a_listed_connection_carries_its_latest_entry_and_count_not_its_history(
    local_cloud: LocalCloud, seeded: list[ConnectionRecord]
):
    seed_history(seeded[3].connectionId, 3, start=T0, statuses=("ACTIVE", "DEGRADED"))

    (page,) = pages(local_cloud, "/v1/connections?status=DEGRADED")

    (listed,) = page["connections"]
    assert "history" not in listed and listed["historyCount"] == 3
    assert (listed["latest"]["from"], listed["latest"]["to"]) == ("ACTIVE", "DEGRADED")
    assert listed["latest"]["reason"] == "seeded flap 3"


def test_one_connection_shows_its_newest_100_entries_and_the_history_route_pages_them_all(
    local_cloud: LocalCloud, seeded: list[ConnectionRecord]
):
    connection_id = seeded[0].connectionId
    seed_history(connection_id, 250, start=T0)

    status, shown = local_cloud.api("GET", f"/v1/connections/{seeded[0].requestId}")
    assert status == 200
    assert (shown["historyCount"], shown["historyTruncated"], len(shown["history"])) == (250, True, 100)
    assert [h["reason"] for h in shown["history"]] == [f"seeded flap {i}" for i in range(151, 251)]

    history = pages(local_cloud, f"/v1/connections/{connection_id}/history?limit=100")
    assert [len(p["history"]) for p in history] == [100, 100, 50]
    entries = [h for p in history for h in p["history"]]
    assert [h["reason"] for h in entries] == [f"seeded flap {i}" for i in range(1, 251)]
    assert all(p["historyCount"] == 250 and p["connectionId"] == connection_id for p in history)

    _, short = local_cloud.api("GET", f"/v1/connections/{seeded[1].connectionId}")
    assert (short["history"], short["historyTruncated"]) == ([], False)


def _token(cloud: LocalCloud, path: str) -> str:
    status, page = cloud.api("GET", path)
    assert status == 200 and page.get("nextToken"), page
    return str(page["nextToken"])


def test_a_token_is_refused_on_another_connection_or_route(
    local_cloud: LocalCloud, seeded: list[ConnectionRecord]
):
    first, other = seeded[0].connectionId, seeded[1].connectionId
    seed_history(first, 3, start=T0)
    seed_history(other, 3, start=T0)
    history_token = _token(local_cloud, f"/v1/connections/{first}/history?limit=1")
    list_token = _token(local_cloud, "/v1/connections?limit=1")

    for path in (
        f"/v1/connections/{other}/history?nextToken={quote(history_token)}",
        f"/v1/connections/{first}/history?nextToken={quote(list_token)}",
        f"/v1/connections?nextToken={quote(history_token)}",
        f"/v1/connections?status=FAILED&nextToken={quote(list_token)}",
    ):
        status, body = local_cloud.api("GET", path)
        assert (status, body["field"], body["rule"]) == (400, "nextToken", "issued-by-this-api"), path


@pytest.mark.parametrize(
    ("query", "field", "rule"),
    [
        ("limit=0", "limit", "greater_than_equal"),
        ("limit=101", "limit", "less_than_equal"),
        ("limit=many", "limit", "int_parsing"),
        ("status=LOST", "status", "enum"),
        ("type=satellite", "type", "enum"),
        ("region=Mars", "region", "string_pattern_mismatch"),
        ("nextToken=not-a-token", "nextToken", "issued-by-this-api"),
    ],
)
def test_a_bad_list_parameter_is_a_400_naming_it(local_cloud: LocalCloud, query: str, field: str, rule: str):
    status, body = local_cloud.api("GET", f"/v1/connections?{query}")

    assert (status, body["field"], body["rule"]) == (400, field, rule), body


def test_a_bad_history_parameter_is_a_400_naming_it(local_cloud: LocalCloud, seeded: list[ConnectionRecord]):
    path = f"/v1/connections/{seeded[0].connectionId}/history"
    assert local_cloud.api("GET", f"{path}?limit=1001")[1]["field"] == "limit"
    status, body = local_cloud.api("GET", "/v1/connections/REQ-NOPE/history")
    assert (status, body["field"], body["rule"]) == (404, "connectionId", "exists")


def test_a_sparse_filter_answers_short_pages_with_a_token_rather_than_reading_everything(
    local_cloud: LocalCloud, seeded: list[ConnectionRecord], monkeypatch: pytest.MonkeyPatch
):
    from icp import store

    monkeypatch.setattr(store, "LIST_REQUESTS", 2)  # two Query requests a page, of 5 records each

    listed = pages(local_cloud, "/v1/connections?type=last-mile&limit=5")

    assert all(len(p["connections"]) <= 2 for p in listed) and len(listed) > 2
    assert [c["requestId"] for p in listed for c in p["connections"]] == ["REQ-PAGE-2", "REQ-PAGE-5"]
