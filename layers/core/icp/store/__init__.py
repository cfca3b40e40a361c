"""The only package that touches DynamoDB, through PynamoDB (docs/data-model.md).

One table holds, per connection, a record item (its current state, bounded in size) and one
item per history entry; and short-lived markers. A change of a record and the history entries
it adds are written in one transaction, under the record's version: a failed condition becomes
``ConcurrentUpdate``, so two events for one connection cannot both win. Reads that span
connections go through the table's indexes: no request or sweep scans the table.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from icp import clock
from icp.bounds import bounded
from icp.errors import ConcurrentUpdate, ConnectionNotFound, DuplicateRequest, InvalidRequest
from icp.models import LIVE, ConnectionRecord, HistoryEntry, Status
from icp.retry import Backoff, TryAgain, retrying
from icp.store.items import (
    RECORD_SK,
    WATCH_SHARDS,
    RecordItem,
    forget_table,
    from_history_item,
    from_item,
    history_model,
    history_sk,
    is_condition_failure,
    is_earlier_layout,
    is_transaction_conflict,
    key,
    markers_model,
    records_model,
    to_history_item,
    to_item,
)

__all__ = ["RECORD_SK", "forget_table", "history_model", "markers_model", "records_model"]

# Two transactions on one item: DynamoDB cancels one (TransactionConflict); it is tried again soon.
CONFLICT_BACKOFF = Backoff(attempts=4, base=0.05, cap=1.0)


class TransactionConflict(ConcurrentUpdate):
    """Another transaction held one of the items; ``update`` re-reads and tries again."""


# The statuses in the order a listing of every status walks them.
_ALL_STATUSES = [s.value for s in Status]
# A listing's page: at most this many DynamoDB requests, each reading at most FILTERED_PAGE
# records when a filter applies (docs/data-model.md, "Page tokens").
LIST_REQUESTS = 20
FILTERED_PAGE = 500


def claim_once(kind: str, key: str, ttl_seconds: int, now: float | None = None) -> bool:
    """Record ``key`` for ``ttl_seconds``; False if it was already recorded and has not expired
    (TTL deletion lags, so expiry is checked here too). ``now`` defaults to the core's clock."""
    model = markers_model()
    now = clock.time() if now is None else now
    item = model(f"{kind}#{key}", kind, expiresAt=_at(int(now + ttl_seconds)))
    try:
        item.save(condition=model.pk.does_not_exist() | (model.expiresAt < _at(int(now))))
    except PutError as exc:
        if is_condition_failure(exc):
            return False
        raise
    return True


def is_claimed(kind: str, key: str, now: float | None = None) -> bool:
    """Whether ``claim_once(kind, key, ...)`` holds ``key`` and it has not expired."""
    try:
        item = markers_model().get(f"{kind}#{key}", kind, consistent_read=True)
    except DoesNotExist:
        return False
    return item.expiresAt >= _at(int(clock.time() if now is None else now))


def _at(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


# -- one record ---------------------------------------------------------------------------------
def _to_item(record: ConnectionRecord) -> RecordItem:
    """The item of a record as it stands, for a batch write (benchmarks seed tables with it)."""
    return to_item(bounded(record), version=record.version)


def create(record: ConnectionRecord) -> ConnectionRecord:
    """Write a new record (and the history entries it carries); DuplicateRequest if one exists
    for this connectionId."""
    record = bounded(record.model_copy(update={"version": 1}))  # what get() will read back

    def attempt(_fresh: bool) -> None:
        try:
            _write(record, version=None)
        except TransactionConflict as exc:  # another writer's transaction is in flight: it settles
            raise TryAgain(str(exc)) from exc

    try:
        retrying("create a record", attempt, CONFLICT_BACKOFF)
    except TryAgain as exc:
        raise ConcurrentUpdate(f"connection {record.connectionId} changed concurrently") from exc
    except ConcurrentUpdate as exc:
        raise DuplicateRequest(
            f"a record already exists for requestId {record.requestId!r}", field="requestId", rule="unique"
        ) from exc
    return record.model_copy(update={"appended": []})


def get(connection_id: str) -> ConnectionRecord:
    try:
        item = records_model().get(key(connection_id), RECORD_SK, consistent_read=True)
    except DoesNotExist as exc:
        raise ConnectionNotFound(
            f"no connection {connection_id!r}", field="connectionId", rule="exists"
        ) from exc
    if is_earlier_layout(item):
        from icp.store.migrate import migrate_item

        migrate_item(item)  # a record not migrated yet is moved on first use
        return get(connection_id)
    return from_item(item)


def find(connection_id: str) -> ConnectionRecord | None:
    try:
        return get(connection_id)
    except ConnectionNotFound:
        return None


def save(record: ConnectionRecord) -> ConnectionRecord:
    """Replace a record if nobody changed it since it was read (its version), with the history
    entries the change appended, in one transaction."""
    updated = bounded(record.model_copy(update={"version": record.version + 1, "updatedAt": clock.utcnow()}))
    _write(updated, version=record.version)
    return updated.model_copy(update={"appended": []})


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


def _write(record: ConnectionRecord, version: int | None) -> None:
    """Write ``record`` on the condition that its item is at ``version`` (None: absent), and its
    appended history entries on the condition that none of them exists yet."""
    record = bounded(record)
    item = to_item(record, version)
    condition = records_model().pk.does_not_exist() if version is None else None
    entries = record.appended
    try:
        if not entries:
            item.save(condition=condition)
            return
        first = record.historyCount - len(entries) + 1
        history = history_model()
        with TransactWrite(connection=_connection()) as transaction:
            transaction.save(item, condition=condition)
            for seq, entry in enumerate(entries, start=first):
                transaction.save(
                    to_history_item(record.connectionId, seq, entry), condition=history.pk.does_not_exist()
                )
    except (PutError, TransactWriteError) as exc:
        if is_condition_failure(exc):
            raise ConcurrentUpdate(f"connection {record.connectionId} changed concurrently") from exc
        if is_transaction_conflict(exc):
            raise TransactionConflict(f"connection {record.connectionId} is being written") from exc
        raise


def _connection() -> Any:
    from icp.store.items import connection

    return connection()


# -- history ------------------------------------------------------------------------------------
def history_page(
    connection_id: str, *, limit: int, token: str | None = None, newest_first: bool = False
) -> tuple[list[HistoryEntry], str | None]:
    """One page of a connection's history, oldest first (or newest first), and the token of the
    next page (None: this was the last)."""
    start = _decode(token, {"pk", "sk"}) if token else None
    if start is not None and start["pk"]["S"] != key(connection_id):
        raise _bad_token("it was issued for another connection")
    model = history_model()
    results = model.query(
        key(connection_id),
        model.sk.between(history_sk(1), history_sk(10**12 - 1)),
        scan_index_forward=not newest_first,
        limit=limit,
        page_size=limit,
        last_evaluated_key=start,
        consistent_read=True,
    )
    entries = [from_history_item(item) for item in results]
    last = results.last_evaluated_key
    return entries, _encode(last) if last and len(entries) == limit else None


def history(connection_id: str, *, newest_first: bool = False, page: int = 500) -> Iterator[HistoryEntry]:
    """A connection's whole history, read a page at a time as it is consumed."""
    token: str | None = None
    while True:
        entries, token = history_page(connection_id, limit=page, token=token, newest_first=newest_first)
        yield from entries
        if token is None:
            return


def public_view(record: ConnectionRecord) -> dict[str, Any]:
    """The record as GET /v1/connections/{id} shows it: with its whole history."""
    return record.public_view(list(history(record.connectionId)))


# -- many records, through the indexes ----------------------------------------------------------
def list_page(
    *, status: str | None, type: str | None, region: str | None, limit: int, token: str | None
) -> tuple[list[ConnectionRecord], str | None]:
    """A page of records, by status (every status, in order, when None) and then oldest first,
    filtered by type and AWS Region; the token of the next page, or None."""
    if status is not None and status not in _ALL_STATUSES:
        raise InvalidRequest(f"unknown status {status!r}", field="status", rule="one-of-the-statuses")
    if limit < 1:
        raise InvalidRequest("limit must be at least 1", field="limit", rule="positive")
    statuses = [status] if status else _ALL_STATUSES
    at, start = 0, None
    if token:
        position = _decode_position(token)
        if position["s"] not in statuses:
            raise _bad_token("it was issued for another status")
        at, start = statuses.index(position["s"]), position["k"]
    model = records_model()
    condition = None
    if type is not None:
        condition = model.kind == type
    if region is not None:
        condition = (
            model.awsRegion == region if condition is None else condition & (model.awsRegion == region)
        )
    found: list[ConnectionRecord] = []
    # One DynamoDB request at a time, at most LIST_REQUESTS per page: a filter that matches
    # little answers a short page (even an empty one) with a nextToken, as DynamoDB does, rather
    # than reading the whole status in one API call.
    for _ in range(LIST_REQUESTS):
        if at >= len(statuses) or len(found) == limit:
            break
        left = limit - len(found)
        pages: Any = model.by_status.query(
            statuses[at],
            filter_condition=condition,
            page_size=left if condition is None else max(left, FILTERED_PAGE),
            last_evaluated_key=start,
        ).page_iter
        raw = (next(pages, None) or {}).get("Items", [])  # one Query request
        found += [from_item(model.from_raw_data(item)) for item in raw[:left]]
        # Stopped inside the page: resume after the last record taken.
        start = (
            {k: raw[left - 1][k] for k in pages.key_names} if len(raw) > left else pages.last_evaluated_key
        )
        if start is None:
            at, start = at + 1, None
    if at >= len(statuses):
        return found, None
    return found, _encode({"s": statuses[at], "k": start})


def records() -> Iterator[ConnectionRecord]:
    """Every record, status by status, a page at a time."""
    token: str | None = None
    while True:
        page, token = list_page(status=None, type=None, region=None, limit=100, token=token)
        yield from page
        if token is None:
            return


def with_status(*statuses: Status) -> Iterator[ConnectionRecord]:
    """The records in these statuses, through the status index (oldest first in each)."""
    model = records_model()
    for status in [s for s in Status if s in statuses]:  # in the lifecycle's order
        for item in model.by_status.query(status.value):
            yield from_item(item)


def live() -> Iterator[ConnectionRecord]:
    """The records whose CIDRs and quotas are in use (``models.LIVE``)."""
    return with_status(*LIVE)


def watched() -> Iterator[ConnectionRecord]:
    """The records the link-state watcher looks at, from the sparse watched index: reads grow with
    the watched records only (docs/data-model.md, "The watched index")."""
    model = records_model()
    for shard in range(WATCH_SHARDS):
        for item in model.watched.query(f"W#{shard}"):
            yield from_item(item)


def by_aws_connection_ids(aws_connection_ids: Iterable[str]) -> list[ConnectionRecord]:
    """The records of these AWS connection ids (an AWS Health event names them)."""
    model = records_model()
    keys = {i.pk for a in set(aws_connection_ids) for i in model.by_aws_connection_id.query(a)}
    return _records_at(keys)


def by_shared_id(shared_id: str) -> list[ConnectionRecord]:
    """The records with this sharedId (a partner's callback names it)."""
    return _records_at({i.pk for i in records_model().by_shared_id.query(shared_id)})


def _records_at(keys: set[str]) -> list[ConnectionRecord]:
    """The records at these ``pk`` values: a keys-only index gives the table's keys, not the
    record's attributes."""
    found = (find(k.removeprefix("CONN#")) for k in sorted(keys))
    return [r for r in found if r is not None]


# -- page tokens: opaque to callers, checked when they come back --------------------------------
def _encode(position: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(position, separators=(",", ":")).encode()).decode()


def _decode_raw(token: str) -> Any:
    try:
        return json.loads(base64.urlsafe_b64decode(token.encode()))
    except (binascii.Error, ValueError, UnicodeError):
        raise _bad_token("it is not a token this API issued") from None


def _decode(token: str, keys: set[str]) -> dict[str, Any]:
    start = _decode_raw(token)
    if not _is_key(start, keys):
        raise _bad_token("it is not a token this API issued")
    return dict(start)


def _decode_position(token: str) -> dict[str, Any]:
    position = _decode_raw(token)
    if not (isinstance(position, dict) and set(position) == {"s", "k"} and position["s"] in _ALL_STATUSES):
        raise _bad_token("it is not a token this API issued")
    if position["k"] is not None and not _is_key(position["k"], {"pk", "sk", "status", "statusSort"}):
        raise _bad_token("it is not a token this API issued")
    return dict(position)


def _is_key(value: Any, keys: set[str]) -> bool:
    return (
        isinstance(value, dict)
        and set(value) == keys
        and all(isinstance(v, dict) and set(v) == {"S"} and isinstance(v["S"], str) for v in value.values())
    )


def _bad_token(why: str) -> InvalidRequest:
    return InvalidRequest(f"nextToken is not valid: {why}", field="nextToken", rule="issued-by-this-api")
