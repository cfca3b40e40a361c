"""The items of the connections table and its indexes (docs/data-model.md), as PynamoDB models.

- the record: ``pk = CONN#<connectionId>``, ``sk = RECORD``; typed attributes for what an index
  or a filter reads, the rest of the ConnectionRecord as JSON in ``body``; a VersionAttribute
  that PynamoDB turns into the write's condition;
- one history entry: ``pk = CONN#<connectionId>``, ``sk = H#<seq, zero-padded>``;
- a marker (a webhook signature already seen), removed by DynamoDB's TTL.
"""

from __future__ import annotations

import json
import zlib
from functools import cache
from typing import Any, TypeVar, cast

from pynamodb.attributes import (
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.connection import Connection
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from icp import config
from icp.models import TERMINAL, ConnectionRecord, HistoryEntry

RECORD_SK = "RECORD"
HISTORY_PREFIX = "H#"
SEQ_DIGITS = 12  # H#000000000001: sorts as numbers do
# The watched index's partitions. One holds 10,000 watched records in a few 1 MB pages; more
# spread a hot partition's writes (docs/data-model.md, "The watched index").
WATCH_SHARDS = 1
M = TypeVar("M", bound=Model)


class _ByStatus(GlobalSecondaryIndex["RecordItem"]):
    """Listing, doctor, quotas and the overlap check: the records of one status, oldest first."""

    class Meta:
        index_name = "byStatus"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    statusSort = UnicodeAttribute(range_key=True)  # <createdAt>#<connectionId>


class _Watched(GlobalSecondaryIndex["RecordItem"]):
    """Sparse: only records the link-state watcher looks at carry ``watchShard``."""

    class Meta:
        index_name = "watched"
        projection = AllProjection()

    watchShard = UnicodeAttribute(hash_key=True)
    connectionId = UnicodeAttribute(range_key=True)


class _ByAwsConnectionId(GlobalSecondaryIndex["RecordItem"]):
    """AWS Health events name AWS connection ids."""

    class Meta:
        index_name = "byAwsConnectionId"
        projection = KeysOnlyProjection()

    awsConnectionId = UnicodeAttribute(hash_key=True)


class _BySharedId(GlobalSecondaryIndex["RecordItem"]):
    """Partner callbacks name the sharedId."""

    class Meta:
        index_name = "bySharedId"
        projection = KeysOnlyProjection()

    sharedId = UnicodeAttribute(hash_key=True)


class RecordItem(Model):
    class Meta:
        table_name = "unset"  # bound to TABLE_NAME by records_model()

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    connectionId = UnicodeAttribute()
    requestId = UnicodeAttribute()
    status = UnicodeAttribute()
    statusSort = UnicodeAttribute(null=True)  # null only on items of the earlier layout
    kind = UnicodeAttribute(attr_name="type", null=True)
    provider = UnicodeAttribute(null=True)
    awsRegion = UnicodeAttribute(null=True)
    awsConnectionId = UnicodeAttribute(null=True)
    sharedId = UnicodeAttribute(null=True)
    createdAt = UTCDateTimeAttribute(null=True)
    watchShard = UnicodeAttribute(null=True)
    historyCount = NumberAttribute(null=True)  # null only on items of the earlier layout
    version = VersionAttribute()
    body = UnicodeAttribute()  # the ConnectionRecord as JSON, without its history

    by_status = _ByStatus()
    watched = _Watched()
    by_aws_connection_id = _ByAwsConnectionId()
    by_shared_id = _BySharedId()


class HistoryItem(Model):
    class Meta:
        table_name = "unset"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    seq = NumberAttribute()
    fromStatus = UnicodeAttribute(null=True)
    toStatus = UnicodeAttribute()
    at = UTCDateTimeAttribute()
    reason = UnicodeAttribute(null=True)


class MarkerItem(Model):
    """A short-lived marker (a webhook signature already seen), removed by DynamoDB's TTL."""

    class Meta:
        table_name = "unset"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    expiresAt = TTLAttribute()  # the table's TTL attribute


@cache
def records_model() -> type[RecordItem]:
    """The PynamoDB models bound to this deployment's table (read from the configuration on first use)."""
    return _on_this_table(RecordItem)


@cache
def history_model() -> type[HistoryItem]:
    return _on_this_table(HistoryItem)


@cache
def markers_model() -> type[MarkerItem]:
    return _on_this_table(MarkerItem)


@cache
def connection() -> Connection:
    """The connection a transaction goes through, in the function's Region."""
    return Connection(region=config.settings().region())


def forget_table() -> None:
    """Bind the models again on next use (a test, or a local cloud, changed TABLE_NAME)."""
    for cached in (records_model, history_model, markers_model, connection):
        cached.cache_clear()


def _on_this_table(model: type[M]) -> type[M]:
    """``model`` bound to this deployment's table: TABLE_NAME, in the function's Region."""
    meta = type(
        "Meta",
        (),
        {
            "table_name": config.settings().require("table_name"),
            "region": config.settings().region(),
        },
    )
    return cast(type[M], type(model.__name__, (model,), {"Meta": meta, "__module__": __name__}))


def key(connection_id: str) -> str:
    return f"CONN#{connection_id}"


def history_sk(seq: int) -> str:
    return f"{HISTORY_PREFIX}{seq:0{SEQ_DIGITS}d}"


def watched(record: ConnectionRecord) -> bool:
    """Whether the link-state watcher looks at this record: it has an AWS connection, and is not
    finished (gone at AWS and terminal here, with no execution waiting on it)."""
    if not record.awsConnectionId or not record.awsRegion:
        return False
    return not (record.status in TERMINAL and record.awsState == "deleted" and not record.waitToken)


def watch_shard(connection_id: str) -> str:
    return f"W#{zlib.crc32(connection_id.encode()) % WATCH_SHARDS}"


def to_item(record: ConnectionRecord, version: int | None) -> RecordItem:
    """The record item for ``record``; ``version`` is the one the write is conditioned on (None:
    the item must not exist yet), PynamoDB writes the next."""
    item = records_model()(
        key(record.connectionId),
        RECORD_SK,
        connectionId=record.connectionId,
        requestId=record.requestId,
        status=record.status.value,
        statusSort=f"{record.createdAt.isoformat()}#{record.connectionId}",
        kind=record.type.value if record.type else None,
        provider=record.provider,
        awsRegion=record.awsRegion,
        awsConnectionId=record.awsConnectionId,
        sharedId=record.sharedId,
        createdAt=record.createdAt,
        watchShard=watch_shard(record.connectionId) if watched(record) else None,
        historyCount=record.historyCount,
        body=record.model_dump_json(by_alias=True, exclude={"version"}),
    )
    if version is not None:  # absent: PynamoDB writes 1, on the condition that there is none
        item.version = version
    return item


def from_item(item: RecordItem) -> ConnectionRecord:
    record = ConnectionRecord.model_validate(json.loads(item.body))
    return record.model_copy(update={"version": int(item.version or 0)})


def is_earlier_layout(item: RecordItem) -> bool:
    """An item written before history moved into items of its own (``icp admin migrate``)."""
    return item.historyCount is None


def to_history_item(connection_id: str, seq: int, entry: HistoryEntry) -> HistoryItem:
    return history_model()(
        key(connection_id),
        history_sk(seq),
        seq=seq,
        fromStatus=entry.from_,
        toStatus=entry.to,
        at=entry.at,
        reason=entry.reason,
    )


def from_history_item(item: HistoryItem) -> HistoryEntry:
    return HistoryEntry.model_validate(
        {"from": item.fromStatus, "to": item.toStatus, "at": item.at, "reason": item.reason}
    )


def is_transaction_conflict(exc: Exception) -> bool:
    """Whether a transaction was cancelled because another one held one of its items: DynamoDB
    answers TransactionCanceledException with a ``TransactionConflict`` reason, and the caller
    may try again once the other settles."""
    reasons = getattr(exc, "cancellation_reasons", None) or []
    return any(r is not None and r.code == "TransactionConflict" for r in reasons)


def is_condition_failure(exc: Exception) -> bool:
    """Whether a write failed on its condition (of a put, or of any item of a transaction)."""
    reasons = getattr(exc, "cancellation_reasons", None) or []
    if any(r is not None and r.code == "ConditionalCheckFailed" for r in reasons):
        return True
    cause: Any = getattr(exc, "cause", None)
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException" or (
        cause is not None and "ConditionalCheckFailed" in str(cause)
    )
