"""Plain HTTPS out of Lambda (ServiceNow's Table API, partners' order APIs): one opener that
never follows redirects (a redirect would carry credentials or an activation key elsewhere) and
never uses a proxy for loopback (the local cloud), Retry-After as seconds, and ``send``: one
request through the one retry loop (``icp.retry``)."""

from __future__ import annotations

import email.utils
import functools
import ipaddress
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from icp import clock
from icp.retry import Backoff, TryAgain, retrying


def is_loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


@functools.cache
def opener(loopback: bool) -> urllib.request.OpenerDirector:
    proxies = urllib.request.ProxyHandler({}) if loopback else urllib.request.ProxyHandler()
    return urllib.request.build_opener(proxies, _NoRedirects)


def retry_after_seconds(value: str | None, cap: float) -> float | None:
    """A ``Retry-After`` header (delay-seconds or an HTTP date) as seconds to wait, at most ``cap``."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), cap)
    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None
    return min(max(when - clock.time(), 0.0), cap)


@dataclass(frozen=True)
class Reply:
    """The final answer of ``send``: a status not worth retrying, or the last failure once the
    attempts are spent (status 0: never reached, ``problem`` says why)."""

    status: int
    body: bytes
    problem: str = ""


RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


def send(
    what: str,
    build: Callable[[bool], urllib.request.Request],
    *,
    backoff: Backoff,
    retry_after_cap: float,
    timeout: float,
) -> Reply:
    """Send the request ``build(fresh)`` makes, through the one retry loop: 429 and 5xx wait
    Retry-After (capped) or the backoff; a 401 is tried once more at once with ``fresh`` set
    (for the caller to fetch its credentials again); connection failures are retried."""

    def attempt(fresh: bool) -> Reply:
        request = build(fresh)
        try:
            with opener(is_loopback(urlsplit(request.full_url).hostname)).open(
                request, timeout=timeout
            ) as response:
                return Reply(response.status, response.read())
        except urllib.error.HTTPError as err:
            reply = Reply(err.code, err.read(), f"HTTP {err.code}")
            retry_after = err.headers.get("Retry-After")
            err.close()
            if err.code == 401:
                raise TryAgain(reply.problem, at_once=True, outcome=reply) from None
            if err.code in RETRY_STATUSES:
                raise TryAgain(
                    reply.problem, after=retry_after_seconds(retry_after, retry_after_cap), outcome=reply
                ) from None
            return reply
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as err:
            problem = type(getattr(err, "reason", err)).__name__
            raise TryAgain(problem, outcome=Reply(0, b"", problem)) from None

    try:
        return retrying(what, attempt, backoff)
    except TryAgain as spent:
        outcome: Reply = spent.outcome
        return outcome
