"""Read metering for benchmarks/scale.py (benchmarks/README.md, "scale.py"): every DynamoDB read
call is seen by a botocore hook on every client (measured), and its answer is costed as DynamoDB
would cost it (computed): item sizes, 1 MB Query pages and read units, by the rules in
docs/conformance.md ("DynamoDB: item sizes and read units"), since moto applies none of them."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import botocore.handlers

from icp_local.seeding import item_bytes

READS = {"GetItem", "Query", "Scan", "BatchGetItem"}
PAGE_BYTES = 1024 * 1024  # a Query or Scan answers at most 1 MB per request
UNIT_BYTES = 4096  # one read unit reads up to 4 KB strongly consistent (two eventually)


@dataclass
class Reads:
    requests: int = 0  # read calls made (measured)
    dynamodb_requests: int = 0  # the requests DynamoDB would need with 1 MB pages (computed)
    read_units: float = 0.0  # computed
    bytes: int = 0  # computed
    record_keys: set[str] = field(default_factory=set)  # the record items returned (measured)

    def add(self, operation: str, consistent: bool, items: list[dict[str, Any]]) -> None:
        self.requests += 1
        sizes = [item_bytes(item) for item in items]
        self.bytes += sum(sizes)
        factor = 1.0 if consistent else 0.5
        if operation in ("Query", "Scan"):
            # One read of the page's total size; an empty answer is counted as one unit (assumption).
            self.dynamodb_requests += max(1, math.ceil(sum(sizes) / PAGE_BYTES))
            self.read_units += factor * max(1, math.ceil(sum(sizes) / UNIT_BYTES))
        else:  # GetItem, BatchGetItem: each item rounded up on its own
            self.dynamodb_requests += 1
            self.read_units += factor * sum(max(1, math.ceil(s / UNIT_BYTES)) for s in sizes or [0])
        self.record_keys.update(i["pk"]["S"] for i in items if i.get("sk", {}).get("S") == "RECORD")


class ReadMeter:
    """Installs the hooks (before any client exists, so that every one carries them) and
    collects reads while ``measuring``."""

    def __init__(self) -> None:
        self._current: Reads | None = None
        self._hooks = [
            ("before-parameter-build.dynamodb", self._note_params),
            ("after-call.dynamodb", self._count),
        ]

    @contextmanager
    def installed(self) -> Iterator[None]:
        botocore.handlers.BUILTIN_HANDLERS.extend(self._hooks)
        try:
            yield
        finally:
            for hook in self._hooks:
                botocore.handlers.BUILTIN_HANDLERS.remove(hook)

    @contextmanager
    def measuring(self) -> Iterator[Reads]:
        self._current = reads = Reads()
        try:
            yield reads
        finally:
            self._current = None

    @staticmethod
    def _note_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        # An index is read eventually consistently whatever is asked (docs/conformance.md).
        context["bench_consistent"] = bool(params.get("ConsistentRead")) and not params.get("IndexName")

    def _count(self, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        reads = self._current
        if reads is None or model.name not in READS:
            return
        if model.name == "GetItem":
            items = [parsed["Item"]] if "Item" in parsed else []
        elif model.name == "BatchGetItem":
            items = [i for found in parsed.get("Responses", {}).values() for i in found]
        else:
            items = list(parsed.get("Items", []))
        reads.add(model.name, bool(context.get("bench_consistent")), items)
