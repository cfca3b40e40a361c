"""One error hierarchy for the whole core.

State-machine tasks let these propagate: Step Functions names the error after the
class (``errorType``), so the ASL catches ``CidrOverlap`` or ``PartnerRejected`` by
name. The API maps them to HTTP once, by ``http_status``. Messages never carry
secrets (activation keys, credentials).
"""

from __future__ import annotations

from typing import Any


class IcpError(Exception):
    """Base of every domain error; ``class X(IcpError, status=409)`` sets its HTTP status."""

    http_status = 500

    def __init_subclass__(cls, *, status: int | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if status is not None:
            cls.http_status = status

    def __init__(self, message: str, *, field: str | None = None, rule: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.rule = rule

    def to_dict(self) -> dict[str, str | None]:
        return {"error": type(self).__name__, "message": self.message, "field": self.field, "rule": self.rule}


# --- a request failed a check: REJECTED, nothing created -------------------------
class RequestRejected(IcpError, status=422): ...


class InvalidRequest(RequestRejected, status=400):
    """The request does not match the model (a field is missing, malformed or unknown)."""


class UnsupportedPair(RequestRejected):
    """No available environment for this provider, AWS Region and remote location."""


class BandwidthNotOffered(RequestRejected): ...


class CidrOverlap(RequestRejected): ...


class MtuMismatch(RequestRejected): ...


class InvalidRemoteAccount(RequestRejected):
    """The remote account identifier is not of the form the environment asks for."""


class RegionLocality(RequestRejected): ...


class QuotaExceeded(RequestRejected): ...


class UnknownGateway(RequestRejected): ...


class UnknownNetwork(RequestRejected):
    """The request's Google Cloud VPC network (``remote.network``) does not exist."""


class ProposalMismatch(RequestRejected):
    """A request's ``activationKey`` names no open proposal (unknown, used or expired), or the
    proposal disagrees with a field the request also gives."""


def invalid_request(exc: Any, whole: str = "body") -> InvalidRequest:
    """A pydantic ValidationError as InvalidRequest naming its first field and rule (``whole``
    when the rule is about the whole document)."""
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first["loc"]) or whole
    return InvalidRequest(f"{field}: {first['msg']}", field=field, rule=first["type"])


# Names the provision ASL catches into "Mark Rejected"; a static test keeps them in step.
REJECTION_ERRORS = tuple(
    cls.__name__
    for cls in (
        InvalidRequest,
        UnsupportedPair,
        BandwidthNotOffered,
        CidrOverlap,
        MtuMismatch,
        RegionLocality,
        QuotaExceeded,
        UnknownGateway,
        InvalidRemoteAccount,
        UnknownNetwork,
        ProposalMismatch,
    )
)


# --- lifecycle ------------------------------------------------------------------
class DuplicateRequest(IcpError, status=409):
    """A record for this requestId already exists: another execution owns it."""


class ConnectionNotFound(IcpError, status=404): ...


class ConcurrentUpdate(IcpError, status=409):
    """The record changed under us (its version moved): re-read and try again."""


class InvalidTransition(IcpError, status=409): ...


class PartnerRejected(IcpError):
    """The partner refused the activation key, or AWS reports the connection failed."""


class RoutesNotConverged(IcpError):
    """Routes are not (yet) where they should be; the ASL retries with backoff."""


class AwsServiceError(IcpError):
    """An AWS call failed with an error that retrying will not fix."""


class GatewayNotReady(IcpError):
    """The Direct Connect gateway exists but is not ``available`` yet (a new gateway is
    ``pending`` first); the ASL retries the Ensure Gateway step with backoff."""


class AssociationFailed(IcpError):
    """A Direct Connect gateway association ended ``disassociated`` with a ``stateChangeError``
    instead of becoming ``associated``. The message carries AWS's stateChangeError text."""


class GatewayNotManaged(IcpError):
    """IAM refused to delete a Direct Connect gateway the record says this control plane created:
    it lacks the stack's ``icp:managedBy`` tag (made before gateways were tagged). It is kept."""


class RecordIncomplete(IcpError):
    """A step needs a field of the connection record that an earlier step should have set (the
    Region, the AWS connection id, the gateway, ...). ``field`` names it; the message names the
    connection. Raised by ``ConnectionRecord.require``, so a state machine sees this name."""


class ConfigurationInvalid(IcpError):
    """An environment variable of the deployment holds a value its setting does not accept
    (``icp.config``). ``field`` names the variable; the message never quotes the value."""


class ConfigurationMissing(ConfigurationInvalid):
    """A setting the step cannot do without is not set (``field`` names the variable)."""


class RemoteSideError(IcpError):
    """The Google Cloud or last-mile partner side failed."""


class AttachmentRejected(IcpError):
    """The core network's owner rejected the Direct Connect gateway attachment (Cloud WAN):
    it ended ``REJECTED`` instead of ``AVAILABLE``."""


class AttachmentFailed(IcpError):
    """The Direct Connect gateway attachment (Cloud WAN) ended ``FAILED`` or went away while
    provisioning; the message carries AWS's LastModificationErrors codes."""


class AttachmentNotInSegment(IcpError):
    """The Direct Connect gateway attachment became ``AVAILABLE`` outside the request's
    segment: the core network policy's attachment policies mapped it elsewhere (or nowhere)."""


class CleanupPending(IcpError):
    """Something being removed is still on its way out (e.g. a gateway association
    disassociating); the state machine retries the clean-up step."""


# --- the API's own refusals ----------------------------------------------------------
class SignatureInvalid(IcpError, status=401):
    """A signed request (webhook, partner callback) whose signature does not hold."""


class ReplayedRequest(IcpError, status=401):
    """A signed request seen before, within the replay window."""


class UnknownPartner(IcpError, status=404): ...


class BodyTooLarge(IcpError, status=413): ...


class NoBackupPath(IcpError, status=422):
    """A failover drill needs a backup path (``aws.backupTarget``) that routes can move to."""


class Conflict(IcpError, status=409):
    """The connection is in a state that does not allow this (e.g. already decommissioning)."""


class SelfApproval(IcpError, status=403):
    """An approver may not approve their own request (icp.requesters)."""


# --- ServiceNow -------------------------------------------------------------------------
class ServiceNowUnavailable(IcpError, status=503):
    """ServiceNow's Table API refused an update (any 4xx but 429, at once) or stayed
    unreachable, throttled or failing through every retry. ``rule`` is ``http-<status>``,
    ``unreachable``, or names the configuration at fault. Never carries credentials."""


class ServiceNowNotSetUp(ServiceNowUnavailable):
    """The ServiceNow secret holds no password (nor OAuth token) yet: the stack creates it
    empty and the operator fills it in. ``field`` names what to set."""


class ApprovalRejected(IcpError):
    """An approver rejected the request before anything was created."""
