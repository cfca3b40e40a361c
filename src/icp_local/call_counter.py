"""The running local cloud's count of AWS calls by (service, operation) (``LocalCloud.api_calls``):
its writes tell the scheduler that a sweep could see something new (icp_local.scheduling).

The hook is installed once and stays: botocore clients keep the handlers they were made with,
and the local cloud keeps clients from one cloud to the next (icp_local.process_caches), so the
handler counts into whichever cloud runs now."""

from __future__ import annotations

from collections import Counter
from typing import Any

import botocore.handlers

_counting: list[Counter[tuple[str, str]]] = []


def _count(model: Any = None, **_: Any) -> None:
    if model is not None and _counting:
        _counting[-1][(model.service_model.service_name, model.name)] += 1


_HOOK = ("provide-client-params", _count)


def count_into(counter: Counter[tuple[str, str]]) -> None:
    _counting.append(counter)
    if _HOOK not in botocore.handlers.BUILTIN_HANDLERS:
        botocore.handlers.BUILTIN_HANDLERS.append(_HOOK)


def stop_counting(counter: Counter[tuple[str, str]]) -> None:
    if counter in _counting:
        _counting.remove(counter)
