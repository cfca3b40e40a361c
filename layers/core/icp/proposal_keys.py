"""Where a proposal's activation key waits between the entrance that received it and the step
that accepts it (README, "Proposals"): one Secrets Manager secret per connection, named from the
stack and the connection id, tagged ``icp:managedBy``, encrypted with the default key, and
deleted without recovery as soon as the proposal is accepted or the request ends otherwise.

The key itself never enters an execution's input (Step Functions keeps inputs in the execution
history): the input carries ``activationKeySecret``, the secret's name, instead. Nothing here
logs, raises or returns the key except ``read``.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from icp import stack
from icp.aws.clients import call, client, error_code
from icp.errors import AwsServiceError

# The execution input's field that says a key waits in Secrets Manager (its value: the name).
INPUT_FIELD = "activationKeySecret"


def secret_name(connection_id: str) -> str:
    """``<stack>/proposals/<connectionId>``: the template grants the functions this prefix only."""
    return f"{stack.name()}/proposals/{connection_id}"


def _client() -> Any:
    return client("secretsmanager")


def stash(connection_id: str, key: str) -> str:
    """Keep ``key`` for ``connection_id``; returns the secret's name. A secret already there (a
    retried intake of the same request) is kept as it is."""
    name = secret_name(connection_id)
    try:
        call(
            _client().create_secret,
            Name=name,
            SecretString=key,
            Description="An AWS Interconnect proposal's activation key, deleted once it is accepted",
            Tags=[
                {"Key": k, "Value": v} for k, v in stack.tags(**{"icp:connectionId": connection_id}).items()
            ],
        )
    except ClientError as exc:
        if error_code(exc) != "ResourceExistsException":
            raise AwsServiceError(f"CreateSecret {name} failed with {error_code(exc)}") from None
    return name


def _on_secret(operation: str, connection_id: str, **params: Any) -> dict[str, Any] | None:
    """Secrets Manager's ``operation`` on the connection's secret; None when there is no secret.
    A failure names the operation and the secret, never what it holds."""
    name = secret_name(connection_id)
    try:
        return dict(call(getattr(_client(), operation), SecretId=name, **params))
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return None
        action = "".join(word.title() for word in operation.split("_"))
        raise AwsServiceError(f"{action} {name} failed with {error_code(exc)}") from None


def read(connection_id: str) -> str | None:
    """The key kept for ``connection_id``, or None when there is none (accepted already, or gone)."""
    answer = _on_secret("get_secret_value", connection_id)
    return None if answer is None else str(answer["SecretString"])


def forget(connection_id: str) -> bool:
    """Delete the key at once (no recovery window); True if there was one."""
    return _on_secret("delete_secret", connection_id, ForceDeleteWithoutRecovery=True) is not None
