"""boto3 clients built once per (service, region), and ``call``: every AWS call, through the
one retry loop (``icp.retry``).

botocore's own retries are turned off (max_attempts=1) so that there is exactly one
retry policy, ours, with full-jitter exponential backoff on the simulated clock in the
local cloud and the wall clock in Lambda.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache
from typing import Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from icp import config
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
