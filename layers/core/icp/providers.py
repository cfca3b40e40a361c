"""The request's provider vocabulary against the AWS Interconnect API's own values.

Users write ``provider: google-cloud`` or ``lumen``; the API names providers in a ``Provider``
union (``cloudServiceProvider`` for multicloud, ``lastMileProvider`` for last mile) with its
own values: Google is ``gcp``. Lookups compare the API's values without regard to case, since
published output mixes casings (docs/conformance.md, "Provider values").
"""

from __future__ import annotations

from typing import Any

# request provider -> (Provider member, the names the API may use for it)
PROVIDERS: dict[str, tuple[str, frozenset[str]]] = {
    "google-cloud": ("cloudServiceProvider", frozenset({"gcp"})),
    "lumen": ("lastMileProvider", frozenset({"lumen"})),
}

# The Regions where AWS Interconnect offers environments (the region-availability page): counted
# per account, the quotas take every one of them in (docs/conformance.md, "Quotas").
INTERCONNECT_REGIONS = ("us-east-1", "us-west-1", "us-west-2", "eu-west-2", "eu-central-1", "ap-southeast-1")


def api_provider(provider: str) -> tuple[str, frozenset[str]]:
    """The Provider member and the API's names for a provider of the request's vocabulary; a
    last-mile partner not listed is looked up under its own name."""
    if provider in PROVIDERS:
        return PROVIDERS[provider]
    return "lastMileProvider", frozenset({provider.lower()})


def provider_matches(resource: dict[str, Any], provider: str) -> bool:
    """Whether an environment or a connection (both carry ``provider``) is ``provider``."""
    member, names = api_provider(provider)
    value = (resource.get("provider") or {}).get(member)
    return isinstance(value, str) and value.lower() in names


def provider_name(resource: dict[str, Any]) -> str:
    """The request-vocabulary name of an environment's or connection's provider ('' if unknown)."""
    union = resource.get("provider") or {}
    for ours, (member, names) in PROVIDERS.items():
        value = union.get(member)
        if isinstance(value, str) and value.lower() in names:
            return ours
    value = union.get("lastMileProvider") or union.get("cloudServiceProvider") or ""
    return str(value).lower()
