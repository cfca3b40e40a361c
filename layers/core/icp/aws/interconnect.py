"""AWS Interconnect: connections and environments (the API's provider values are mapped to
the request's vocabulary in ``icp.providers``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from icp.aws.clients import call, call_retrying, client, error_code, pages
from icp.errors import AwsServiceError, ConnectionNotFound, ProposalMismatch, QuotaExceeded

# States in which a connection still exists at AWS and may count against quotas (a `deleting`
# one may still hold its slot: counted, to be safe; docs/conformance.md, "Quotas").
EXISTING_STATES = frozenset({"requested", "pending", "available", "down", "updating", "deleting"})

# Right after a create, reads may miss the connection: the model documents that access denied
# can also mean "does not exist", and AWS APIs are eventually consistent.
NOT_YET_VISIBLE = frozenset({"ResourceNotFoundException", "AccessDeniedException"})


def _client(region: str | None) -> Any:
    return client("interconnect", region)


def _wrap(exc: ClientError, what: str) -> Exception:
    code = error_code(exc)
    message = exc.response.get("Error", {}).get("Message", "")
    if code == "ResourceNotFoundException":
        return ConnectionNotFound(f"{what}: {message}", field="awsConnectionId", rule="exists")
    if code == "ServiceQuotaExceededException":
        return QuotaExceeded(f"{what}: {message}", field="awsRegion", rule="interconnect-quota")
    return AwsServiceError(f"{what} failed with {code}: {message}")


def list_environments(region: str) -> list[dict[str, Any]]:
    try:
        return [
            e
            for page in pages(_client(region).list_environments, maxResults=100)
            for e in page.get("environments", [])
        ]
    except ClientError as exc:
        raise _wrap(exc, "ListEnvironments") from exc


def create_connection(
    region: str,
    *,
    environment_id: str,
    bandwidth: str,
    gateway_id: str,
    client_token: str,
    description: str,
    remote_account: str,
    tags: dict[str, str],
) -> dict[str, Any]:
    params: dict[str, Any] = {
        "environmentId": environment_id,
        "bandwidth": bandwidth,
        "attachPoint": {"directConnectGateway": gateway_id},
        "clientToken": client_token,
        "description": description,
        "tags": tags,
        # Required when the connection is created from AWS (CloudFormation's RemoteAccount).
        "remoteAccount": {"identifier": remote_account},
    }
    try:
        return call(_client(region).create_connection, **params)["connection"]
    except ClientError as exc:
        raise _wrap(exc, "CreateConnection") from exc


def get_connection(region: str, connection_id: str, *, just_created: bool = False) -> dict[str, Any]:
    """``just_created``: the connection was created moments ago, so a read that misses it
    (NotFound, or AccessDenied) is retried for a bounded time before it counts."""
    retry_codes = NOT_YET_VISIBLE if just_created else frozenset()
    try:
        return call_retrying(retry_codes, _client(region).get_connection, identifier=connection_id)[
            "connection"
        ]
    except ClientError as exc:
        raise _wrap(exc, "GetConnection") from exc


def find_connection(region: str, connection_id: str) -> dict[str, Any] | None:
    """The connection, or None when AWS answers that it does not exist (or that access is denied,
    which the model says can mean the same). Other errors raise."""
    try:
        return call(_client(region).get_connection, identifier=connection_id)["connection"]
    except ClientError as exc:
        if error_code(exc) in NOT_YET_VISIBLE:
            return None
        raise _wrap(exc, "GetConnection") from exc


def activation_key(region: str, connection_id: str) -> str:
    """The key the partner needs. Read at the moment of hand-off, never stored or passed on."""
    key = get_connection(region, connection_id, just_created=True).get("activationKey")
    if not key:
        raise AwsServiceError(f"connection {connection_id} has no activation key (already activated?)")
    return str(key)


def iter_connections(region: str, page_size: int = 100) -> Iterator[dict[str, Any]]:
    try:
        for page in pages(_client(region).list_connections, maxResults=page_size):
            yield from page.get("connections", [])
    except ClientError as exc:
        raise _wrap(exc, "ListConnections") from exc


def existing_connections(regions: tuple[str, ...] | list[str]) -> list[dict[str, Any]]:
    """Connections that still exist at AWS (and count against the quotas) in these Regions."""
    return [c for region in regions for c in iter_connections(region) if c.get("state") in EXISTING_STATES]


def delete_connection(region: str, connection_id: str, client_token: str) -> str | None:
    """Delete; returns the state AWS reports, or None if it is already gone."""
    try:
        return call(_client(region).delete_connection, identifier=connection_id, clientToken=client_token)[
            "connection"
        ]["state"]
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return None
        raise _wrap(exc, "DeleteConnection") from exc


def update_bandwidth(region: str, connection_id: str, bandwidth: str, client_token: str) -> str:
    """Change the bandwidth in place; returns the state AWS reports (``updating``)."""
    try:
        return str(
            call(
                _client(region).update_connection,
                identifier=connection_id,
                bandwidth=bandwidth,
                clientToken=client_token,
            )["connection"]["state"]
        )
    except ClientError as exc:
        raise _wrap(exc, "UpdateConnection") from exc


# DescribeConnectionProposal's answer for a key it cannot use: the API model lists these errors on
# it and does not say which a used or expired key gets, so each is read as "no open proposal"
# (docs/conformance.md, "Idempotency, errors, tags, proposals").
UNUSABLE_KEY = frozenset(
    {"ResourceNotFoundException", "InterconnectValidationException", "InterconnectClientException"}
)


def describe_proposal(region: str, activation_key: str) -> dict[str, Any]:
    """What a partner-generated key proposes: ``bandwidth``, ``environmentId``, ``provider``,
    ``location``. A key AWS cannot use is ProposalMismatch naming ``activationKey``; messages
    never carry the key."""
    try:
        answer = call(_client(region).describe_connection_proposal, activationKey=activation_key)
    except ClientError as exc:
        raise _proposal_error(exc, f"the activation key names no open proposal in {region}") from None
    return {k: answer[k] for k in ("bandwidth", "environmentId", "provider", "location") if k in answer}


def accept_proposal(
    region: str,
    *,
    activation_key: str,
    gateway_id: str,
    client_token: str,
    description: str,
    tags: dict[str, str],
) -> dict[str, Any]:
    """AcceptConnectionProposal: the connection, created from the proposal (idempotent through
    ``client_token``). Errors never carry the key."""
    try:
        return call(
            _client(region).accept_connection_proposal,
            attachPoint={"directConnectGateway": gateway_id},
            activationKey=activation_key,
            description=description,
            tags=tags,
            clientToken=client_token,
        )["connection"]
    except ClientError as exc:
        raise _proposal_error(exc, "AcceptConnectionProposal refused the activation key") from None


def _proposal_error(exc: ClientError, unusable: str) -> Exception:
    """ProposalMismatch naming ``activationKey`` for a key AWS cannot use (no message of AWS's
    is quoted, lest it echo the key), else the call's own error."""
    code = error_code(exc)
    if code in UNUSABLE_KEY:
        return ProposalMismatch(f"{unusable} ({code})", field="activationKey", rule="open-proposal")
    return AwsServiceError(f"{exc.operation_name} failed with {code}")
