"""Plain HTTPS out of Lambda (ServiceNow's Table API, partners' order APIs): one opener that
never follows redirects (a redirect would carry credentials or an activation key elsewhere) and
never uses a proxy for loopback (the local cloud), and Retry-After as seconds."""

from __future__ import annotations

import email.utils
import functools
import ipaddress
import urllib.request

from icp import clock


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
