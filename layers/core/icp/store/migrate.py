"""Move records of the earlier layout (the whole history inside the record's ``body``) to the
current one (docs/data-model.md, "Migration"): ``icp admin migrate`` runs it over the table,
and ``store.get`` runs it on a record not migrated yet.

Per record, in this order, so that a run stopped anywhere is finished by the next one:
1. write each history entry as its own item (``H#<seq>``): the same content every time, so
   writing one again changes nothing;
2. replace the record item with the current layout (typed attributes, ``historyCount``,
   ``latest``, bounded lists), on the condition that its version is still the one read.
A record already in the current layout is left alone, so running it again does nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from icp.bounds import bounded
from icp.models import ConnectionRecord, HistoryEntry
from icp.store.items import (
    RECORD_SK,
    RecordItem,
    history_model,
    is_condition_failure,
    is_earlier_layout,
    records_model,
    to_history_item,
    to_item,
)


def migrate_item(item: RecordItem, *, batch: bool = False) -> bool:
    """Move one record item of the earlier layout; False if it is already in the current one (or
    another writer moved it meanwhile). ``batch``: write the history with BatchWriteItem (the
    operator's command) rather than one PutItem each (a function's role)."""
    if not is_earlier_layout(item):
        return False
    body: dict[str, Any] = json.loads(item.body)
    entries = [HistoryEntry.model_validate(e) for e in body.pop("history", None) or []]
    record = ConnectionRecord.model_validate(body)
    history = [to_history_item(record.connectionId, seq, e) for seq, e in enumerate(entries, start=1)]
    if batch:
        with history_model().batch_write() as writer:
            for entry_item in history:
                writer.save(entry_item)
    else:
        for entry_item in history:
            entry_item.save()
    version = int(item.version or 0)
    migrated = bounded(
        record.model_copy(
            update={
                "historyCount": len(entries),
                "latest": entries[-1] if entries else None,
                "version": version + 1,
            }
        )
    )
    try:
        to_item(migrated, version=version).save()
    except Exception as exc:
        if is_condition_failure(exc):
            return False  # moved (or changed) by another writer: the next run looks again
        raise
    return True


def migrate_table(progress: Callable[[str, bool], None] | None = None) -> dict[str, int]:
    """Every record item of the table (a Scan: a one-off, never on a request or sweep path).
    ``progress(connectionId, moved)`` is called after each record."""
    model = records_model()
    counts = {"records": 0, "migrated": 0, "alreadyCurrent": 0}
    for item in model.scan(model.sk == RECORD_SK):
        moved = migrate_item(item, batch=True)
        counts["records"] += 1
        counts["migrated" if moved else "alreadyCurrent"] += 1
        if progress:
            progress(item.connectionId, moved)
    return counts
