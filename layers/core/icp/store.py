"""The only module that touches DynamoDB, through PynamoDB.

One table holds the connection records (``pk = CONN#<connectionId>``, ``sk = RECORD``).
Every write is guarded by the record's version; a failed condition becomes
``ConcurrentUpdate``, so two events for one connection cannot both win.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any, TypeVar, cast

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.models import Model

from icp import clock, config
from icp.errors import ConcurrentUpdate, ConnectionNotFound, DuplicateRequest
from icp.models import ConnectionRecord

RECORD_SK = "RECORD"
M = TypeVar("M", bound=Model)


class _RecordItem(Model):
    class Meta:
        table_name = "unset"  # bound to TABLE_NAME by records_model()

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    connectionId = UnicodeAttribute()
    requestId = UnicodeAttribute()
    status = UnicodeAttribute()
    awsConnectionId = UnicodeAttribute(null=True)
    version = NumberAttribute()
    body = UnicodeAttribute()  # the ConnectionRecord as JSON


@cache
def records_model() -> type[_RecordItem]:
    """The PynamoDB model bound to this deployment's table (read from the configuration on first use)."""
    return _on_this_table(_RecordItem)


class _MarkerItem(Model):
    """A short-lived marker (a webhook signature already seen), removed by DynamoDB's TTL."""

    class Meta:
        table_name = "unset"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    expiresAt = NumberAttribute()  # the table's TTL attribute


@cache
def markers_model() -> type[_MarkerItem]:
    return _on_this_table(_MarkerItem)


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
    return cast(type[M], type(model.__name__.lstrip("_"), (model,), {"Meta": meta, "__module__": __name__}))


def claim_once(kind: str, key: str, ttl_seconds: int, now: float | None = None) -> bool:
    """Record ``key`` for ``ttl_seconds``; False if it was already recorded and has not expired
    (TTL deletion lags, so expiry is checked here too). ``now`` defaults to the core's clock."""
    model = markers_model()
    now = clock.time() if now is None else now
    item = model(f"{kind}#{key}", kind, expiresAt=int(now + ttl_seconds))
    try:
        item.save(condition=model.pk.does_not_exist() | (model.expiresAt < int(now)))
    except PutError as exc:
        if _is_condition_failure(exc):
            return False
        raise
    return True


def is_claimed(kind: str, key: str, now: float | None = None) -> bool:
    """Whether ``claim_once(kind, key, ...)`` holds ``key`` and it has not expired."""
    try:
        item = markers_model().get(f"{kind}#{key}", kind, consistent_read=True)
    except DoesNotExist:
        return False
    return int(item.expiresAt) >= int(clock.time() if now is None else now)


def _key(connection_id: str) -> str:
    return f"CONN#{connection_id}"


def _to_item(record: ConnectionRecord) -> _RecordItem:
    model = records_model()
    return model(
        _key(record.connectionId),
        RECORD_SK,
        connectionId=record.connectionId,
        requestId=record.requestId,
        status=record.status.value,
        awsConnectionId=record.awsConnectionId,
        version=record.version,
        body=record.model_dump_json(by_alias=True),
    )


def _from_item(item: _RecordItem) -> ConnectionRecord:
    return ConnectionRecord.model_validate(json.loads(item.body))


def create(record: ConnectionRecord) -> ConnectionRecord:
    """Write a new record; DuplicateRequest if one exists for this connectionId."""
    model = records_model()
    record = record.model_copy(update={"version": 1})
    try:
        _to_item(record).save(condition=model.pk.does_not_exist())
    except PutError as exc:
        if _is_condition_failure(exc):
            raise DuplicateRequest(
                f"a record already exists for requestId {record.requestId!r}",
                field="requestId",
                rule="unique",
            ) from exc
        raise
    return record


def get(connection_id: str) -> ConnectionRecord:
    try:
        return _from_item(records_model().get(_key(connection_id), RECORD_SK, consistent_read=True))
    except DoesNotExist as exc:
        raise ConnectionNotFound(
            f"no connection {connection_id!r}", field="connectionId", rule="exists"
        ) from exc


def find(connection_id: str) -> ConnectionRecord | None:
    try:
        return get(connection_id)
    except ConnectionNotFound:
        return None


def save(record: ConnectionRecord) -> ConnectionRecord:
    """Replace a record if nobody changed it since it was read (its version)."""
    model = records_model()
    updated = record.model_copy(update={"version": record.version + 1, "updatedAt": clock.utcnow()})
    try:
        _to_item(updated).save(condition=model.version == record.version)
    except PutError as exc:
        if _is_condition_failure(exc):
            raise ConcurrentUpdate(f"connection {record.connectionId} changed concurrently") from exc
        raise
    return updated


def update(
    connection_id: str, change: Callable[[ConnectionRecord], ConnectionRecord | None], attempts: int = 5
) -> ConnectionRecord:
    """Read, apply ``change``, write with the version guard; re-read and re-apply on a race.
    ``change`` returns None when there is nothing to write."""
    for attempt in range(attempts):
        current = get(connection_id)
        changed = change(current)
        if changed is None:
            return current
        try:
            return save(changed)
        except ConcurrentUpdate:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def scan() -> Iterator[ConnectionRecord]:
    """Every record (the table holds one item per connection; a sweep reads them once)."""
    model = records_model()
    for item in model.scan(model.sk == RECORD_SK):
        yield _from_item(item)


def _is_condition_failure(exc: UpdateError | PutError) -> bool:
    cause: Any = exc.cause
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException" or (
        cause is not None and "ConditionalCheckFailed" in str(cause)
    )
