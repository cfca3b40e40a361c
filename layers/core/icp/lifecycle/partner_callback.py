"""A partner tells us it accepted or rejected an activation (`POST /v1/partners/{provider}/callback`).

Body: ``{"sharedId": "...", "decision": "accepted" | "rejected", "reason": "..."}``. A
rejection fails the waiting execution's task token at once (PartnerRejected); an acceptance
looks at AWS, which remains the truth, and completes the wait if AWS agrees, rather than
waiting for the watcher's next sweep.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from icp import store
from icp.aws import interconnect, stepfunctions
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
    record = next((r for r in store.scan() if r.sharedId == decision.sharedId and r.provider == provider), None)
    if record is None:
        raise ConnectionNotFound(f"no {provider} connection with sharedId {decision.sharedId}", field="sharedId",
                                 rule="exists")
    completed = False
    if record.waitFor == WaitFor.PARTNER_ACCEPTANCE and record.waitToken:
        if decision.decision == "rejected":
            completed = _reject(record, decision.reason or "no reason given")
        else:
            assert record.awsRegion and record.awsConnectionId
            state = interconnect.get_connection(record.awsRegion, record.awsConnectionId)["state"]
            completed = waits.resolve(record, state)
    return {"connectionId": record.connectionId, "decision": decision.decision, "waitCompleted": completed}


def _reject(record: Any, reason: str) -> bool:
    token = record.waitToken
    try:
        store.save(record.model_copy(update={"waitToken": None}))  # claim the token, as waits.resolve does
    except ConcurrentUpdate:
        return False
    return stepfunctions.send_failure(token, "PartnerRejected", f"the partner rejected the activation: {reason}")
