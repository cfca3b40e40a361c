"""The lifecycle's vocabulary: a connection's statuses, the transitions between them, and what
a parked execution waits for (README, "How it works"). Kept apart from the request and record
models (icp.models), which build on it."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    RECEIVED = "RECEIVED"
    VALIDATED = "VALIDATED"
    GATEWAY_READY = "GATEWAY_READY"
    AWAITING_ACTIVATION = "AWAITING_ACTIVATION"
    PROVISIONING = "PROVISIONING"
    ROUTES_PROPAGATING = "ROUTES_PROPAGATING"
    ACTIVE = "ACTIVE"
    REJECTED = "REJECTED"
    FAILED = "FAILED"
    DEGRADED = "DEGRADED"
    RESIZING = "RESIZING"
    DECOMMISSIONING = "DECOMMISSIONING"
    DECOMMISSIONED = "DECOMMISSIONED"


TERMINAL = {Status.REJECTED, Status.FAILED, Status.DECOMMISSIONED}
# Records whose CIDRs are in use (for the overlap check against connections already run).
LIVE = set(Status) - TERMINAL - {Status.RECEIVED}

# The transitions the lifecycle allows; anything else is InvalidTransition.
TRANSITIONS: dict[Status | None, set[Status]] = {
    None: {Status.RECEIVED},
    Status.RECEIVED: {Status.VALIDATED, Status.REJECTED},
    Status.VALIDATED: {Status.GATEWAY_READY, Status.FAILED, Status.REJECTED},
    # REJECTED: AWS refused the create over a quota (cleaned up first).
    Status.GATEWAY_READY: {Status.AWAITING_ACTIVATION, Status.FAILED, Status.REJECTED},
    Status.AWAITING_ACTIVATION: {Status.PROVISIONING, Status.FAILED},
    Status.PROVISIONING: {Status.ROUTES_PROPAGATING, Status.FAILED},
    Status.ROUTES_PROPAGATING: {Status.ACTIVE, Status.FAILED},
    Status.ACTIVE: {
        Status.DEGRADED,
        Status.RESIZING,
        Status.DECOMMISSIONING,
        Status.ROUTES_PROPAGATING,
        Status.FAILED,
    },
    Status.DEGRADED: {Status.ACTIVE, Status.DECOMMISSIONING, Status.FAILED, Status.ROUTES_PROPAGATING},
    Status.RESIZING: {Status.ACTIVE, Status.DEGRADED, Status.FAILED},
    Status.DECOMMISSIONING: {Status.DECOMMISSIONED, Status.FAILED},
    Status.FAILED: {Status.DECOMMISSIONING, Status.RECEIVED},  # RECEIVED: an operator's retry
    Status.REJECTED: set(),
    Status.DECOMMISSIONED: set(),
}


class WaitFor(StrEnum):
    """What a waiting execution's task token waits on."""

    PARTNER_ACCEPTANCE = "partner-acceptance"  # the partner accepted (either state order)
    AVAILABLE = "available"  # AWS state reaches `available` (`down` or `failed` end it badly)
    RECOVERY = "recovery"  # a link that is down comes back `available`
    DELETED = "deleted"  # AWS state reaches `deleted`
    APPROVAL = "approval"  # an approver decides (icp approve, the API, a ServiceNow change approval)
    # cloud-wan: the Direct Connect gateway attachment is AVAILABLE (icp.lifecycle.cloud_wan)
    CORE_NETWORK_ATTACHMENT = "core-network-attachment"
