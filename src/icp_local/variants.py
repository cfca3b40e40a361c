"""Readings of the evidence the local cloud can play (docs/conformance.md, "Variants").

Where public evidence allows two behaviours of a real service, the product must work under
both, so the emulators can play each. Choose with ``LocalCloud(variants=...)`` or the
environment variable ``ICP_LOCAL_VARIANTS``: a preset name (``default``, ``hostile``) or
comma-separated ``field=value`` pairs over the default, e.g.
``ICP_LOCAL_VARIANTS="state_order=pending-first,list_lag=1"``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from typing import Literal

StateOrder = Literal["requested-first", "pending-first"]
GatewayDelete = Literal["refuse", "accept-then-revert"]
QuotaScope = Literal["region", "account"]
CloudWanAcceptance = Literal["not-required", "required"]
UsedProposalError = Literal["ResourceNotFoundException", "InterconnectValidationException"]

ENVIRONMENT_VARIABLE = "ICP_LOCAL_VARIANTS"


@dataclass(frozen=True)
class Variants:
    # AWS Interconnect: "requested-first" is the API model's reading (requested until the
    # partner accepts, then pending, then available); "pending-first" is terraform-provider-aws's
    # create waiter (pending before requested; the partner's acceptance then shows no state of
    # its own until available).
    state_order: StateOrder = "requested-first"
    # Read-after-create lag: the first reads of a new connection miss it, one per error code
    # listed (GetConnection answers that error; ListConnections leaves it out).
    read_after_create_errors: tuple[str, ...] = ()
    # ListConnections shows the world as it was this many list calls ago (per Region).
    list_lag: int = 0
    # Direct Connect: deleting a gateway that still has associations is refused
    # (DirectConnectClientException), or accepted, shown as "deleting", then back to "available"
    # (terraform-provider-aws PR #10214).
    gateway_delete: GatewayDelete = "refuse"
    # Interconnect quotas are counted per Region (the quotas page's preamble) or per account over
    # every Region (its rows, and terraform-provider-aws's "2 per account").
    quota_scope: QuotaScope = "region"
    # Cloud WAN: whether a segment whose policy omits require-attachment-acceptance makes a new
    # attachment wait for the core network owner's acceptance (docs/conformance.md, "Cloud WAN").
    cloud_wan_acceptance: CloudWanAcceptance = "not-required"
    # What DescribeConnectionProposal / AcceptConnectionProposal answer for a key already
    # accepted: the API model lists both errors and says not which (docs/conformance.md, "Proposals").
    used_proposal_error: UsedProposalError = "ResourceNotFoundException"

    @property
    def name(self) -> str:
        for preset, value in PRESETS.items():
            if value == self:
                return preset
        return ",".join(
            f"{f.name}={_show(getattr(self, f.name))}"
            for f in fields(self)
            if getattr(self, f.name) != getattr(DEFAULT, f.name)
        )


def _show(value: object) -> str:
    return "+".join(value) if isinstance(value, tuple) else str(value)


DEFAULT = Variants()
HOSTILE = Variants(
    state_order="pending-first",
    read_after_create_errors=("ResourceNotFoundException", "AccessDeniedException"),
    list_lag=1,
    gateway_delete="accept-then-revert",
    quota_scope="account",
    cloud_wan_acceptance="required",
    used_proposal_error="InterconnectValidationException",
)
PRESETS = {"default": DEFAULT, "hostile": HOSTILE}


def parse(text: str) -> Variants:
    """A preset name, or ``field=value`` pairs over the default (tuples joined with ``+``)."""
    text = text.strip()
    if not text:
        return DEFAULT
    if text in PRESETS:
        return PRESETS[text]
    known = {f.name: f for f in fields(Variants)}
    changes: dict[str, object] = {}
    for pair in text.split(","):
        key, _, value = pair.partition("=")
        key = key.strip()
        if key not in known:
            raise ValueError(f"{ENVIRONMENT_VARIABLE}: unknown variant {key!r}; known: {', '.join(known)}")
        current = getattr(DEFAULT, key)
        if isinstance(current, tuple):
            changes[key] = tuple(v for v in value.strip().split("+") if v)
        elif isinstance(current, int):
            try:
                changes[key] = int(value)
            except ValueError:
                raise ValueError(
                    f"{ENVIRONMENT_VARIABLE}: {key} must be a whole number, not {value!r}"
                ) from None
        else:
            changes[key] = value.strip()
    variants = replace(DEFAULT, **changes)  # type: ignore[arg-type]
    _check(variants)
    return variants


def _check(variants: Variants) -> None:
    if variants.state_order not in ("requested-first", "pending-first"):
        raise ValueError(
            f"state_order must be requested-first or pending-first, not {variants.state_order!r}"
        )
    if variants.gateway_delete not in ("refuse", "accept-then-revert"):
        raise ValueError(
            f"gateway_delete must be refuse or accept-then-revert, not {variants.gateway_delete!r}"
        )
    if variants.quota_scope not in ("region", "account"):
        raise ValueError(f"quota_scope must be region or account, not {variants.quota_scope!r}")
    if variants.used_proposal_error not in ("ResourceNotFoundException", "InterconnectValidationException"):
        raise ValueError(
            "used_proposal_error must be ResourceNotFoundException or InterconnectValidationException,"
            f" not {variants.used_proposal_error!r}"
        )
    if variants.list_lag < 0:
        raise ValueError("list_lag must be 0 or more")


def resolve(variants: Variants | str | None) -> Variants:
    """What ``LocalCloud(variants=...)`` plays: the argument, else the environment, else the default."""
    if isinstance(variants, Variants):
        return variants
    if isinstance(variants, str):
        return parse(variants)
    return parse(os.environ.get(ENVIRONMENT_VARIABLE, ""))
