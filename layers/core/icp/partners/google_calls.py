"""How the Google Cloud adapter (icp.partners.google_cloud) calls Google: transient errors retried
with backoff, refusals turned into RemoteSideError or PartnerRejected (never carrying the
activation key), "not found" read as absence, and long-running operations waited for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from icp import clock
from icp.errors import RemoteSideError
from icp.retry import Backoff, TryAgain, retrying

T = TypeVar("T")

BACKOFF = Backoff(attempts=5, base=1.0, cap=30.0)
CALL_TIMEOUT = 60.0
OPERATION_TIMEOUT = 1800.0


def _is_transient(exc: Exception) -> bool:
    from google.api_core import exceptions
    from requests import exceptions as http_exceptions

    transient = (
        exceptions.TooManyRequests,  # 429, and RESOURCE_EXHAUSTED
        exceptions.ServiceUnavailable,  # 503, and UNAVAILABLE
        exceptions.DeadlineExceeded,
        http_exceptions.ConnectionError,
        http_exceptions.Timeout,
    )
    return isinstance(exc, transient)


def _remote_error(what: str, exc: Exception, key: str | None) -> RemoteSideError:
    from google.api_core import exceptions

    if isinstance(exc, exceptions.GoogleAPICallError):
        detail = f"{exc.code} {exc.message}" if exc.code else str(exc.message)
    else:
        detail = type(exc).__name__
    message = f"Google Cloud {what} failed: {detail}"
    code = getattr(exc, "code", None)
    rule = f"google-{code}" if isinstance(code, int) else "google-api"
    return RemoteSideError(message.replace(key, "***") if key else message, rule=rule)


def google_call(what: str, fn: Callable[[], T], *, key: str | None = None) -> T:
    """Run one Google call through the one retry loop: transient failures with backoff on the
    core clock; any other answer from Google is a RemoteSideError at once."""
    import google.auth.exceptions

    def attempt(_fresh: bool) -> T:
        try:
            return fn()
        except google.auth.exceptions.GoogleAuthError as exc:
            raise RemoteSideError(
                f"Google Cloud authentication failed for {what}: {type(exc).__name__}", rule="google-auth"
            ) from None
        except Exception as exc:
            if _is_transient(exc):
                raise TryAgain(type(exc).__name__, outcome=exc) from None
            if _is_api_error(exc):
                # `from None`: a chained original could repeat the request, key included.
                raise _remote_error(what, exc, key) from None
            raise  # not an answer from Google: a bug to see as it is

    try:
        return retrying(f"Google Cloud {what}", attempt, BACKOFF)
    except TryAgain as spent:
        raise _remote_error(what, spent.outcome, key) from None


def _is_api_error(exc: Exception) -> bool:
    from google.api_core import exceptions

    return isinstance(exc, exceptions.GoogleAPICallError)


def absent(error: str, fn: Callable[[], T]) -> Callable[[], T | None]:
    """``fn`` with the google.api_core exception named ``error`` read as None."""
    from google.api_core import exceptions

    expected = getattr(exceptions, error)

    def call() -> T | None:
        try:
            return fn()
        except expected:
            return None

    return call


def not_found(fn: Callable[[], T]) -> Callable[[], T | None]:
    """``fn`` with NotFound read as None (a resource that does not exist)."""
    return absent("NotFound", fn)


def wait_operation(what: str, operation: Any, *, key: str | None = None) -> Any:
    """Wait for a Network Connectivity long-running operation, sleeping on the core clock
    (``operation.result()`` would poll on the wall clock)."""
    from google.api_core.retry import Retry

    # A Retry that retries nothing: google_call retries on the core clock instead of the library's.
    refresh_once = Retry(predicate=lambda exc: False)
    deadline = clock.time() + OPERATION_TIMEOUT
    delay = BACKOFF.base
    while not google_call(f"{what} (polling)", lambda: operation.done(retry=refresh_once), key=key):
        if clock.time() >= deadline:
            raise RemoteSideError(f"Google Cloud {what} did not finish within {OPERATION_TIMEOUT:.0f} s")
        clock.sleep(delay)
        delay = min(delay * 2, BACKOFF.cap)
    error = operation.exception()
    if error is not None:
        raise _remote_error(what, error, key)
    return operation.result()
