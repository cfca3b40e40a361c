"""What the REST API shows of a record (README, "The REST API, ServiceNow and partners"): a listed
connection carries its latest history entry and how many there are; one connection carries its
most recent entries; a connection's whole history is paged on its own route. Each view costs a
bounded number of reads however long the connection has lived (docs/data-model.md, "Access
patterns")."""

from __future__ import annotations

from typing import Any

from icp import store
from icp.models import ConnectionRecord

# The entries GET /v1/connections/{id} carries: the newest, one Query page. The rest are on
# GET /v1/connections/{id}/history.
RECENT_HISTORY = 100


def summary(record: ConnectionRecord) -> dict[str, Any]:
    """A listed connection: the record with ``latest`` and ``historyCount``, no ``history`` (a
    page of 100 records would otherwise read 100 histories)."""
    view = record.public_view([])
    del view["history"]
    view["latest"] = record.latest.model_dump(mode="json", by_alias=True) if record.latest else None
    return view


def detail(record: ConnectionRecord) -> dict[str, Any]:
    """One connection: ``history`` is its newest ``RECENT_HISTORY`` entries, oldest first;
    ``historyTruncated`` says that older ones exist (on the history route)."""
    newest, _ = store.history_page(record.connectionId, limit=RECENT_HISTORY, newest_first=True)
    view = record.public_view(newest[::-1])
    view["historyTruncated"] = record.historyCount > len(newest)
    return view
