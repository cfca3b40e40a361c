"""How long the ServiceNow webhook takes per request in the local cloud (how long the functions
take to import cold is benchmarks/cold_start.py).

    .venv/bin/python benchmarks/api_latency.py

See benchmarks/README.md for what each figure means. About 40 seconds on 2 cores.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import random
import statistics
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

# The handlers' structured logs would drown the tables; the core's Logger reads its level
# when first imported, which is here.
os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
os.environ["POWERTOOLS_LOG_LEVEL"] = "ERROR"

from icp.observability import logger as icp_logger
from icp.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

from icp_local import LocalCloud
from icp_local.http_server import LocalApiServer
from icp_local.scenario import servicenow_ticket, transit_gateway_network

WEBHOOK = "/v1/webhooks/servicenow"
# 1,000 in-process requests and 200 over HTTP, in the same proportions, shuffled together
# (fixed seed) so that drift in the process (table growth, GC) falls on every kind alike.
IN_PROCESS_MIX = {"a": 600, "b": 200, "c": 200}
HTTP_MIX = {"a": 120, "b": 40, "c": 40}
KINDS = {
    "a": "(a) same ticket re-sent, new signature",
    "b": "(b) bad signature -> 401",
    "c": "(c) new ticket (new sys_id, new CIDRs)",
}


class GcClock:
    """Total time spent in the garbage collector (stop-the-world: it delays any request it
    falls in), so a request can tell how much of its time was a collection."""

    def __init__(self) -> None:
        self.total = 0.0
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.total += time.perf_counter() - self._start


GC = GcClock()
GC_PAUSE = 0.005  # a request with more than this much collection in it counts as hit by GC


# -- webhook latency ----------------------------------------------------------------------
def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def stats_row(label: str, seconds: list[float], width: int = 58) -> str:
    if not seconds:
        return f"   {label:<{width}}{0:>6}" + "       -" * 5
    ms = [s * 1000 for s in seconds]
    return f"   {label:<{width}}{len(ms):>6}" + "".join(
        f"{v:>8.1f}"
        for v in (percentile(ms, 50), percentile(ms, 95), percentile(ms, 99), max(ms), statistics.fmean(ms))
    )


def table_header(title: str, width: int = 58) -> None:
    print(f"   {title:<{width}}{'n':>6}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}{'mean':>8}   (ms)")


class Webhook:
    """Builds each kind of signed request; every body differs (a counter in sys_updated_on,
    which the webhook ignores), so no two requests share a signature."""

    def __init__(self, cloud: LocalCloud):
        self.cloud = cloud
        self.secret = cloud.servicenow_webhook_secret
        self.network = transit_gateway_network(cidr="10.40.0.0/16")
        self.ticket = servicenow_ticket("request-item-multicloud", self.network)
        self._counter = 0
        self._new = 0

    def _body(self, ticket: dict[str, Any]) -> bytes:
        self._counter += 1
        return json.dumps({**ticket, "sys_updated_on": f"2026-06-02 14:20:37 #{self._counter}"}).encode()

    @staticmethod
    def _headers(secret: str, body: bytes) -> dict[str, str]:
        stamp = str(int(time.time()))
        return {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: stamp,
            SIGNATURE_HEADER: sign(secret, stamp, body),
        }

    def request(self, kind: str) -> tuple[bytes, dict[str, str]]:
        if kind == "a":
            body = self._body(self.ticket)
            return body, self._headers(self.secret, body)
        if kind == "b":
            body = self._body(self.ticket)
            return body, self._headers("not-the-webhook-secret", body)
        # A new ticket: new sys_id and number, and CIDRs on both sides that overlap nothing sent before
        # (the sample's 10.40/16, 10.41/16 and 10.140/16 included).
        self._new += 1
        i = self._new
        ticket = json.loads(json.dumps(self.ticket))
        ticket["sys_id"] = uuid.uuid4().hex
        ticket["number"] = f"RITM{1_000_000 + i}"
        ticket["variables"]["aws_cidrs"] = f"10.{64 + i // 256}.{i % 256}.0/24"
        ticket["variables"]["remote_cidrs"] = f"172.{16 + i // 256}.{i % 256}.0/24"
        body = self._body(ticket)
        return body, self._headers(self.secret, body)


def outcome(status: int, payload: Any) -> str:
    if isinstance(payload, dict) and status >= 400:
        return f"{status} {payload.get('rule') or payload.get('error') or ''}".strip()
    return str(status)


def plan(mix: dict[str, int], seed: int) -> list[str]:
    kinds = [kind for kind, n in mix.items() for _ in range(n)]
    random.Random(seed).shuffle(kinds)
    return kinds


def measure(
    send: Callable[[bytes, dict[str, str]], tuple[int, Any]],
    hook: Webhook,
    kinds: list[str],
    handler_times: list[float],
    connection_id: str,
) -> tuple[dict[str, list[float]], dict[str, list[float]], dict[str, Counter[str]], list[str]]:
    """Latencies by kind (and "c <outcome>"); requests with a GC pause in them also under "<key> gc"."""
    total: dict[str, list[float]] = defaultdict(list)  # by kind, and by "c <outcome>"
    handler: dict[str, list[float]] = defaultdict(list)
    outcomes: dict[str, Counter[str]] = defaultdict(Counter)
    problems = []
    for kind in kinds:
        body, headers = hook.request(kind)
        before = len(handler_times)
        gc_before = GC.total
        start = time.perf_counter()
        status, payload = send(body, headers)
        elapsed = time.perf_counter() - start
        in_gc = GC.total - gc_before
        inner = handler_times[-1] if len(handler_times) > before else None
        label = outcome(status, payload)
        outcomes[kind][label] += 1
        keys = [kind] + ([f"c {label}"] if kind == "c" else [])
        for key in keys:
            total[key].append(elapsed)
            if in_gc > GC_PAUSE:
                total[f"{key} gc"].append(in_gc)
            else:
                total[f"{key} no-gc"].append(elapsed)
            if inner is not None:
                handler[key].append(inner)
        expected = {
            "a": status == 202 and isinstance(payload, dict) and payload.get("connectionId") == connection_id,
            "b": status == 401,
            "c": status in (202, 422),
        }[kind]
        if not expected:
            problems.append(f"{kind}: {label} {payload}")
        if kind == "c" and status == 202 and not hook.cloud.wait_until_parked(30.0):
            problems.append("an execution started by a new ticket did not park within 30 s")
    return total, handler, outcomes, problems


def report(
    title: str,
    total: dict[str, list[float]],
    handler: dict[str, list[float]] | None,
    outcomes: dict[str, Counter[str]],
) -> None:
    rows = [(KINDS[k], k) for k in KINDS] + [
        (f"    of which {key[2:]}", key)
        for key in sorted(k for k in total if k.startswith("c ") and not k.endswith("gc"))
    ]
    table_header(title)
    for label, key in rows:
        print(stats_row(label, total.get(key, [])))
    print(stats_row("all kinds", [s for k in KINDS for s in total.get(k, [])]))
    print()
    table_header("  the same, leaving out requests a GC pause fell in")
    for label, key in rows[: len(KINDS)]:
        print(stats_row(label, total.get(f"{key} no-gc", [])))
    hit = {k: total.get(f"{k} gc", []) for k in KINDS}
    print(
        "   requests with a garbage collection (> 5 ms) in them: "
        + ", ".join(
            f"{k}: {len(v)}" + (f" (GC {min(v) * 1000:.0f}-{max(v) * 1000:.0f} ms)" if v else "")
            for k, v in hit.items()
        )
    )
    if handler is not None:
        print()
        table_header("  the same requests, API function only (handler call)")
        for label, key in rows:
            print(stats_row(label, handler.get(key, [])))
    print(
        "\n   outcomes: "
        + "; ".join(
            f"{k}: " + ", ".join(f"{n} x {o}" for o, n in sorted(c.items()))
            for k, c in sorted(outcomes.items())
        )
    )


def quiet() -> None:
    """The template sets the functions' log level to INFO, which LocalCloud.start applies; the
    executions' status logs would drown the tables (the API function logs nothing at INFO on
    these paths, so this changes nothing measured)."""
    icp_logger.setLevel(logging.ERROR)
    for handler in icp_logger.handlers:
        handler.setLevel(logging.ERROR)


def webhook_latency() -> None:
    print("ServiceNow webhook latency (POST /v1/webhooks/servicenow), local cloud, nothing driven\n")
    with LocalCloud() as cloud:
        # Time the API function alone: the local API Gateway's invoke of it (routing, event
        # building and response parsing are outside). Only API Gateway events are recorded,
        # not the Lambda invocations of executions on moto's worker threads.
        handler_times: list[float] = []
        invoke = cloud.runtime.invoke

        def timed_invoke(function: str, event: Any) -> tuple[Any, bool]:
            start = time.perf_counter()
            try:
                return invoke(function, event)
            finally:
                if isinstance(event, dict) and "httpMethod" in event:
                    handler_times.append(time.perf_counter() - start)

        quiet()
        cloud.runtime.invoke = timed_invoke  # type: ignore[method-assign]
        hook = Webhook(cloud)

        def in_process(body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
            return cloud.api("POST", WEBHOOK, body=body, headers=headers, signed=False)

        # The first delivery of the ticket: it loads the API function (first invocation in this
        # process) and starts the ticket's execution, whose ValidateRequest writes the record that
        # makes every re-send (a) take the "already requested" path.
        body, headers = hook.request("a")
        start = time.perf_counter()
        status, first = in_process(body, headers)
        first_ms = (time.perf_counter() - start) * 1000
        if status != 202:
            raise SystemExit(f"the first webhook was refused: {status} {first}")
        parked = cloud.wait_until_parked(30.0)
        record = cloud.connection(first["connectionId"])
        print(
            f"   first delivery of the ticket (API function loaded, execution started): {first_ms:.0f} ms, "
            f"{status}; record {'written' if record else 'NOT written'}"
            f"{'' if parked else ' (its execution had not parked after 30 s)'}\n"
        )

        started = time.perf_counter()
        total, handler, outcomes, problems = measure(
            in_process, hook, plan(IN_PROCESS_MIX, seed=7), handler_times, first["connectionId"]
        )
        in_process_s = time.perf_counter() - started
        report(
            f"in process, cloud.api ({sum(IN_PROCESS_MIX.values())} requests, {in_process_s:.1f} s)",
            total,
            handler,
            outcomes,
        )

        with LocalApiServer(cloud) as server:
            url = server.url + WEBHOOK

            def over_http(body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
                request = urllib.request.Request(url, data=body, headers=headers, method="POST")
                try:
                    with urllib.request.urlopen(request, timeout=60) as response:
                        return response.status, json.loads(response.read() or b"null")
                except urllib.error.HTTPError as error:
                    return error.code, json.loads(error.read() or b"null")

            started = time.perf_counter()
            http_total, _, http_outcomes, http_problems = measure(
                over_http, hook, plan(HTTP_MIX, seed=11), handler_times, first["connectionId"]
            )
            http_s = time.perf_counter() - started
        print()
        report(
            f"over HTTP, urllib -> LocalApiServer ({sum(HTTP_MIX.values())} requests, {http_s:.1f} s)",
            http_total,
            None,
            http_outcomes,
        )
        print(
            "   (urllib opens a new loopback TCP connection per request; the server answers on a new thread)"
        )

        print(
            f"\n   executions started in all: {len(cloud.executions())}; connection records: "
            f"{len(cloud.connections())}; AWS Interconnect connections: {len(cloud.interconnect.connections())}"
        )
        print(
            "   (c) note: each new ticket runs the full path (parse, every check against the world, "
            "then StartExecution).\n"
            "   The account's quota allows 2 multicloud connections per provider (google-cloud here, and the\n"
            "   re-sent ticket (a) holds one), so after the first new ticket(s) the quota check refuses with\n"
            "   422 quota-multicloud-per-provider: still the full check path, minus StartExecution."
        )
        for problem in (problems + http_problems)[:10]:
            print(f"   UNEXPECTED: {problem}")
        if problems or http_problems:
            print(f"   {len(problems) + len(http_problems)} unexpected answers in all")


def main() -> int:
    started = time.perf_counter()
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs\n")
    gc.callbacks.append(GC)
    webhook_latency()
    print(f"\ntotal run: {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
