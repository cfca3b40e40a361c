"""The bounds that keep a connection record's item small however long the connection lives
(docs/data-model.md, "Bounds"): each growing list keeps its newest entries, and counts in
``dropped`` what it let go; a status reason is cut to a length. The store applies them to every
write. linkDowns also keeps only the flap window (icp.lifecycle.start_remediation), and the
FlapDowns parameter is at most its bound, so flap damping sees every down it counts."""

from __future__ import annotations

from typing import Any

from icp.models import ConnectionRecord

LIST_BOUNDS = {
    "linkDowns": 50,
    "maintenance": 20,
    "warnings": 20,
    "cleanedUp": 50,
    "requestedBy": 20,
    "decommissionRequestedBy": 20,
}
REASON_BOUND = 1000


def bounded(record: ConnectionRecord) -> ConnectionRecord:
    """``record`` with its lists cut to LIST_BOUNDS (the newest kept) and its reason to REASON_BOUND."""
    update: dict[str, Any] = {}
    dropped = dict(record.dropped)
    for name, cap in LIST_BOUNDS.items():
        values = getattr(record, name)
        if len(values) > cap:
            update[name] = values[-cap:]
            dropped[name] = dropped.get(name, 0) + len(values) - cap
    if record.statusReason and len(record.statusReason) > REASON_BOUND:
        update["statusReason"] = record.statusReason[:REASON_BOUND]
    if record.latest and record.latest.reason and len(record.latest.reason) > REASON_BOUND:
        update["latest"] = record.latest.model_copy(update={"reason": record.latest.reason[:REASON_BOUND]})
    if not update:
        return record
    return record.model_copy(update={**update, "dropped": dropped})
