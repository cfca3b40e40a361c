"""A partner tells us it accepted or rejected an activation (`POST /v1/partners/{provider}/callback`).

Body: ``{"sharedId": "...", "decision": "accepted" | "rejected", "reason": "..."}``. A
rejection fails the waiting execution's task token at once (PartnerRejected). An acceptance
looks at AWS, which remains the truth: if AWS shows the connection alive (``requested``,
``pending``, ``available`` or ``updating``; in one reading of the evidence an accepted
connection stays ``requested`` until it is available) the partner's word ends the wait for
acceptance, and Wait Until Available follows; if AWS shows it failed or gone, AWS wins.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from icp import store
from icp.aws import stepfunctions
from icp.errors import ConcurrentUpdate, ConnectionNotFound, invalid_request
from icp.lifecycle import waits
from icp.models import WaitFor


class PartnerDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sharedId: str = Field(min_length=1, max_length=128)
    decision: Literal["accepted", "rejected"]
    reason: str | None = Field(default=None, max_length=500)


def parse_decision(payload: dict[str, Any]) -> PartnerDecision:
    try:
        return PartnerDecision.model_validate(payload)
    except ValidationError as exc:
        raise invalid_request(exc) from None


def partner_callback(provider: str, decision: PartnerDecision) -> dict[str, Any]:
    record = next((r for r in store.by_shared_id(decision.sharedId) if r.provider == provider), None)
    if record is None:
        raise ConnectionNotFound(
            f"no {provider} connection with sharedId {decision.sharedId}", field="sharedId", rule="exists"
        )
    completed = False
    if record.waitFor == WaitFor.PARTNER_ACCEPTANCE and record.waitToken:
        if decision.decision == "rejected":
            completed = _reject(record, decision.reason or "no reason given")
        else:
            record, _ = waits.observe(record, waits.read_state(record))
            completed = waits.resolve(record) or waits.accepted_by_partner(record)
    return {"connectionId": record.connectionId, "decision": decision.decision, "waitCompleted": completed}


def _reject(record: Any, reason: str) -> bool:
    token = record.waitToken
    try:
        store.save(record.model_copy(update={"waitToken": None}))  # claim the token, as waits.resolve does
    except ConcurrentUpdate:
        return False
    return stepfunctions.send_failure(
        token, "PartnerRejected", f"the partner rejected the activation: {reason}"
    )
