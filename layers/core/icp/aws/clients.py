"""boto3 clients built once per (service, region), ``client_in`` for another account's
resources (through the spoke role, README "Other accounts"), and ``call``: every AWS call,
through the one retry loop (``icp.retry``).

botocore's own retries are turned off (max_attempts=1) so that there is exactly one
retry policy, ours, with full-jitter exponential backoff on the simulated clock in the
local cloud and the wall clock in Lambda.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache
from typing import Any, TypeVar

import boto3
import botocore.credentials
import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from icp import config
from icp.errors import UnknownGateway
from icp.retry import Backoff, TryAgain, retrying

T = TypeVar("T")

RETRYABLE_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ProvisionedThroughputExceededException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "InterconnectServerException",
        "DirectConnectServerException",
    }
)
BACKOFF = Backoff(attempts=6, base=1.0, cap=20.0)

_CONFIG = Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=20)


def default_region() -> str:
    return config.settings().region()


@cache
def known_regions() -> frozenset[str]:
    """The commercial AWS Regions botocore knows (for checking a Region a caller names)."""
    return frozenset(boto3.session.Session().get_available_regions("ec2"))


@cache
def client(service: str, region: str | None = None) -> Any:
    # The service name is data here, which boto3-stubs' per-service overloads cannot type.
    return boto3.session.Session().client(
        service,
        region_name=region or default_region(),  # type: ignore[call-overload]
        config=_CONFIG,
    )


# A spoke role session lasts an hour; botocore refreshes it ahead of expiry (15 minutes before).
SPOKE_SESSION_SECONDS = 3600


def client_in(service: str, region: str | None, account: str | None) -> Any:
    """A client for ``account``'s resources: the stack's own (``client``) when ``account`` is None,
    else signed by a session of the spoke role in that account (``spoke_role_arn``), assumed with
    the deployment's external id, cached, and refreshed before it expires."""
    if account is None:
        return client(service, region)
    try:
        session = spoke_session(account, _caller_key())
    except ClientError as exc:
        # Rejects the request at validation (the provision workflow catches UnknownGateway by name).
        raise UnknownGateway(
            f"aws.accountId: the role {spoke_role_arn(account)} cannot be assumed ({error_code(exc)}): "
            "check its trust policy and the external id (docs/iam.md, Other accounts)",
            field="aws.accountId",
            rule="spoke-role-assumable",
        ) from exc
    return session.client(
        service,
        region_name=region or default_region(),  # type: ignore[call-overload]
        config=_CONFIG,
    )


def spoke_role_arn(account: str) -> str:
    return f"arn:aws:iam::{account}:role/{config.settings().spoke_role_name}"


def _caller_key() -> str:
    # The session is cached per caller as well: in Lambda one function is one caller; in the
    # local cloud, where functions share a process, each still assumes the role itself.
    credentials = boto3.session.Session().get_credentials()
    return credentials.access_key if credentials is not None else ""


@cache
def spoke_session(account: str, caller: str) -> boto3.session.Session:
    role_arn = spoke_role_arn(account)

    def assume() -> dict[str, Any]:
        params: dict[str, Any] = {
            "RoleArn": role_arn,
            "RoleSessionName": "interconnect-control-plane",
            "DurationSeconds": SPOKE_SESSION_SECONDS,
        }
        if config.settings().spoke_external_id:
            params["ExternalId"] = config.settings().spoke_external_id
        found = call(client("sts").assume_role, **params)["Credentials"]
        return {
            "access_key": found["AccessKeyId"],
            "secret_key": found["SecretAccessKey"],
            "token": found["SessionToken"],
            "expiry_time": found["Expiration"].isoformat(),
        }

    credentials = botocore.credentials.RefreshableCredentials.create_from_metadata(
        metadata=assume(), refresh_using=assume, method="sts-assume-role"
    )
    session = botocore.session.get_session()
    # Refreshable credentials have no public setter on a botocore session: botocore's own
    # assume-role provider chain is the other way, and it cannot take the simulated clock's retries.
    session._credentials = credentials  # type: ignore[attr-defined]
    return boto3.session.Session(botocore_session=session)


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def is_retryable(exc: Exception) -> bool:
    if isinstance(exc, BotoConnectionError):
        return True
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return error_code(exc) in RETRYABLE_CODES or status >= 500
    return False


def pages(operation: Callable[..., dict[str, Any]], /, **params: Any) -> Iterator[dict[str, Any]]:
    """Every page of a ``nextToken``-paginated operation, each page fetched through ``call``."""
    while True:
        page = call(operation, **params)
        yield page
        if not page.get("nextToken"):
            return
        params = {**params, "nextToken": page["nextToken"]}


def call(operation: Callable[..., T], /, **params: Any) -> T:
    """Call an AWS operation, retrying throttling and server errors with backoff."""
    return call_retrying(frozenset(), operation, **params)


def call_retrying(retry_codes: frozenset[str], operation: Callable[..., T], /, **params: Any) -> T:
    """``call``, also retrying the error codes ``retry_codes`` (say NotFound right after a create)."""

    def attempt(_fresh: bool) -> T:
        try:
            return operation(**params)
        except Exception as exc:
            if is_retryable(exc) or (isinstance(exc, ClientError) and error_code(exc) in retry_codes):
                problem = error_code(exc) if isinstance(exc, ClientError) else type(exc).__name__
                raise TryAgain(problem, outcome=exc) from None
            raise

    try:
        return retrying(f"AWS {getattr(operation, '__name__', '?')}", attempt, BACKOFF)
    except TryAgain as spent:
        raise spent.outcome from None
