"""`icp list` follows the API's pages, filters by status, type and AWS Region, and stops at
--limit; `icp show` gives the newest history entries and, with --history all, every one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from cli_support import Local, serving
from icp.models import connection_id_for

import icp_cli.client
from icp_local.seeding import a_record, seed_history, seed_records

T0 = datetime(2026, 4, 1, tzinfo=UTC)
SEEDED = [
    ("ACTIVE", "multicloud", "us-east-1"),
    ("FAILED", "last-mile", "us-east-1"),
    ("ACTIVE", "multicloud", "us-west-2"),
    ("ACTIVE", "multicloud", "us-east-1"),
    ("DEGRADED", "last-mile", "us-east-1"),
]


@pytest.fixture(scope="module")
def local() -> Iterator[Local]:
    with serving() as local:
        seed_records(
            a_record(f"REQ-CLI-PAGE-{n}", status=s, type=t, region=r, created_at=T0 + timedelta(minutes=n))
            for n, (s, t, r) in enumerate(SEEDED)
        )
        seed_history(connection_id_for("REQ-CLI-PAGE-0"), 250, start=T0)
        yield local


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages of two, so that five records take three pages."""
    monkeypatch.setattr(icp_cli.client, "PAGE", 2)
    monkeypatch.setattr(icp_cli.client, "HISTORY_PAGE", 100)


def requested(listed: dict) -> list[str]:
    return [c["requestId"] for c in listed["connections"]]


def test_list_follows_every_page(local: Local, small_pages: None):
    listed = local.icp_json("list")

    assert requested(listed) == [f"REQ-CLI-PAGE-{n}" for n in (0, 2, 3, 1, 4)]  # by status, then age
    assert "nextToken" not in listed


def test_list_filters_by_status_type_and_aws_region(local: Local, small_pages: None):
    listed = local.icp_json("list", "--status", "ACTIVE", "--type", "multicloud", "--aws-region", "us-east-1")

    assert requested(listed) == ["REQ-CLI-PAGE-0", "REQ-CLI-PAGE-3"]
    assert requested(local.icp_json("list", "--type", "last-mile")) == ["REQ-CLI-PAGE-1", "REQ-CLI-PAGE-4"]


def test_list_stops_at_the_limit_and_says_more_follow(local: Local, small_pages: None):
    listed = local.icp_json("list", "--limit", "3")
    assert requested(listed) == ["REQ-CLI-PAGE-0", "REQ-CLI-PAGE-2", "REQ-CLI-PAGE-3"]
    assert listed["nextToken"]

    result = local.icp("list", "--limit", "3")
    assert result.exit_code == 0, result.output
    assert "(more after these 3: raise --limit)" in result.stdout


def test_show_gives_the_newest_entries_and_says_how_to_see_all(local: Local):
    result = local.icp("show", "REQ-CLI-PAGE-0")

    assert result.exit_code == 0, result.output
    assert "the newest 100 of 250 entries; all of them: --history all" in result.stdout
    assert "seeded flap 250" in result.stdout and "seeded flap 150" not in result.stdout


def test_show_with_history_all_follows_the_history_pages(local: Local, small_pages: None):
    shown = local.icp_json("show", "REQ-CLI-PAGE-0", "--history", "all")["connection"]

    assert [h["reason"] for h in shown["history"]] == [f"seeded flap {i}" for i in range(1, 251)]
    assert shown["historyTruncated"] is False
