"""The event bus's resource-based policy, evaluated on PutEvents for every caller.

AWS evaluates a bus policy's explicit Deny for callers of the bus's own account too (IAM policy
evaluation logic: an explicit deny in any policy overrides an allow), entry by entry, with the
condition keys ``events:source`` and ``events:detail-type`` of that entry (EventBridge's "Actions,
resources, and condition keys for the Custom Event Bus"). A refused entry is answered in the
200 response, as PutEvents reports every per-entry failure (``PutEventsResultEntry.ErrorCode``);
the other entries go on. Sources and the assumptions: docs/conformance.md, "EventBridge bus policy".

Not modelled: Allow statements granting what no identity policy does, and other accounts.
"""

from __future__ import annotations

import json
from typing import Any

from icp_local import callers, iam

ACTION = "events:PutEvents"
# PutEventsResultEntry lists both AccessDeniedException and NotAuthorizedForDetailTypeException;
# which one a bus policy's Deny yields is not published (assumption: the general one).
ERROR_CODE = "AccessDeniedException"


def _documents(backend: Any, bus: str) -> tuple[str, list[dict[str, Any]]]:
    name = bus.rsplit("event-bus/", 1)[-1] if bus.startswith("arn:") else bus
    found = backend.event_buses.get(name)
    if found is None:
        return bus, []
    policy = found.policy
    return str(found.arn), [json.loads(policy)] if policy else []


def refusals(
    enforcer: iam.Enforcer, backend: Any, entries: list[dict[str, Any]]
) -> dict[int, dict[str, str]]:
    """The entries the bus policy refuses (by position), each with its PutEvents error entry."""
    principal = iam.current()
    caller_arn = principal.arn if principal is not None else callers.OPERATOR_ARN
    seen_as = principal.role_arn if principal is not None else callers.OPERATOR_ARN
    refused: dict[int, dict[str, str]] = {}
    for index, entry in enumerate(entries):
        bus_arn, documents = _documents(backend, entry.get("EventBusName") or "default")
        if not documents:
            continue
        context = {
            "events:source": [str(entry.get("Source"))],
            "events:detail-type": [str(entry.get("DetailType"))],
            "aws:principalarn": [seen_as],
            "aws:principalaccount": [seen_as.split(":")[4]],
        }
        if (
            iam.evaluate(documents, ACTION, bus_arn, context, caller=caller_arn)
            is not iam.Decision.EXPLICIT_DENY
        ):
            continue  # within the account, the caller's identity policies decide (checked before the call)
        message = (
            f"User: {caller_arn} is not authorized to perform: {ACTION} on resource: {bus_arn} "
            "with an explicit deny in a resource-based policy"
        )
        denial = iam.Denial(
            principal.name if principal else caller_arn, caller_arn, ACTION, bus_arn, ERROR_CODE, message
        )
        # A function refused fails the suite's IAM ledger; a caller refused is what a test asked for.
        (enforcer.caller_denials if principal is None or principal.external else enforcer.denials).append(
            denial
        )
        refused[index] = {"ErrorCode": ERROR_CODE, "ErrorMessage": message}
    return refused
