"""The scheduled check: route verification run again for every ACTIVE connection (drift
starts a repair through the usual lease), and a reminder to the requester of any connection
still waiting for its partner past the reminder interval."""

from __future__ import annotations

from typing import Any

from icp import clock, servicenow, store
from icp.errors import ServiceNowNotSetUp
from icp.lifecycle.start_remediation import handle_signal
from icp.lifecycle.verify_routes import missing_routes
from icp.models import Status, WaitFor
from icp.observability import logger
from icp.remediation import Settings, Signal


def check_routes() -> dict[str, Any]:
    settings = Settings.configured()
    now = clock.utcnow()
    drifted, reminded = [], []
    for record in store.live():  # ACTIVE, or waiting for the partner (AWAITING_ACTIVATION)
        if record.status == Status.ACTIVE and not record.lease:
            missing = missing_routes(record.connectionId)
            if missing:
                logger.warning(
                    "route drift", extra={"connectionId": record.connectionId, "missing": missing[:5]}
                )
                handle_signal(Signal("route-drift", record.connectionId, now, {"missing": missing}), settings)
                drifted.append(record.connectionId)
        elif (
            record.waitFor == WaitFor.PARTNER_ACCEPTANCE
            and record.waitSince
            and _remind(record, now, settings)
        ):
            reminded.append(record.connectionId)
    return {"drifted": drifted, "reminded": reminded}


def _remind(record: Any, now: Any, settings: Settings) -> bool:
    """One work note per reminder interval while the partner has not accepted."""
    waited = (now - record.waitSince).total_seconds()
    ticket = (record.request.get("requester") or {}).get("servicenow")
    if waited < settings.reminder_seconds or not ticket or not servicenow.configured():
        return False
    interval = int(waited // settings.reminder_seconds)
    key = f"{record.connectionId}:{interval}"
    if store.is_claimed("REMIND", key):
        return False
    how_long = f"{waited / 86400:.1f} days" if waited >= 86400 else f"{waited / 3600:.1f} hours"
    try:
        servicenow.update_ticket(
            ticket["table"],
            ticket["sysId"],
            work_notes=(
                f"Reminder: AWS Interconnect connection {record.connectionId} has waited {how_long} for "
                f"{record.provider} to accept its activation. Please complete the activation on the partner's side."
            ),
        )
    except ServiceNowNotSetUp as exc:
        # Not claimed: the next check reminds once the password is set; the sweep carries on.
        logger.warning("no reminder sent", extra={"connectionId": record.connectionId, "error": exc.message})
        return False
    store.claim_once("REMIND", key, ttl_seconds=settings.reminder_seconds * 2)
    return True
