"""The event storm of benchmarks/remediation.py (benchmarks/README.md, table 2): 10,000 Link
State Changed events over 500 seeded connections, with duplicates, for 40 real incidents;
throughput and how many remediations were started."""

from __future__ import annotations

import json
import random
import time
from typing import Any

import boto3
from bench_support import BIG_QUOTAS, REGION, quiet, seed_active_connections

from icp_local import LocalCloud

BUS_SOURCE = "interconnect-control-plane"
LINK_CHANGED = "Interconnect Link State Changed"
STORM_CONNECTIONS = 500
STORM_INCIDENTS = 40
STORM_EVENTS = 10_000
STORM_SEED = 20240611


def storm_events(
    seeded: list[tuple[str, str]], incidents: set[str], rng: random.Random
) -> list[dict[str, Any]]:
    """STORM_EVENTS details: each incident's down repeated (about a fifth of all events), the rest
    noise for the other connections that needs no action (to: available / pending)."""
    downs_each = STORM_EVENTS // 5 // len(incidents)
    events = []
    for cid, aws in seeded:
        if cid in incidents:
            events += [
                {"connectionId": cid, "awsConnectionId": aws, "from": "available", "to": "down"}
            ] * downs_each
    others = [(c, a) for c, a in seeded if c not in incidents]
    while len(events) < STORM_EVENTS:
        cid, aws = rng.choice(others)
        before, after = rng.choice(
            [("down", "available"), ("pending", "available"), ("available", "pending")]
        )
        events.append({"connectionId": cid, "awsConnectionId": aws, "from": before, "to": after})
    rng.shuffle(events)
    return events


def event_storm() -> dict[str, Any]:
    rng = random.Random(STORM_SEED)
    with LocalCloud(interconnect_options=BIG_QUOTAS) as cloud:
        quiet()
        seed_started = time.perf_counter()
        # connectionIds must look like real ones (icc- + 20 hex) for the alarm-name parser
        seeded = seed_active_connections(
            cloud, STORM_CONNECTIONS, lambda i: (f"icc-{i:020x}", f"storm-{i:05d}")
        )
        incidents = {cid for cid, _ in rng.sample(seeded, STORM_INCIDENTS)}
        for cid, aws in seeded:
            if cid in incidents:
                cloud.partner("google-cloud").link_down(aws)
        details = storm_events(seeded, incidents, rng)
        observed = cloud.clock.now().isoformat()
        bus = cloud.stack.outputs.get("EventBusName", "default")
        client = boto3.client("events", region_name=REGION)
        seed_seconds = time.perf_counter() - seed_started
        invocations_before = cloud.runtime.invocations["StartRemediationFunction"]
        errors_before = cloud.runtime.errors["StartRemediationFunction"]
        sim_before = cloud.clock.time()

        started = time.perf_counter()
        for i in range(0, len(details), 10):  # PutEvents takes at most 10 entries
            entries = [
                {
                    "Source": BUS_SOURCE,
                    "DetailType": LINK_CHANGED,
                    "EventBusName": bus,
                    "Detail": json.dumps({**d, "observedAt": observed}),
                }
                for d in details[i : i + 10]
            ]
            result = client.put_events(Entries=entries)
            if result.get("FailedEntryCount"):
                raise RuntimeError(f"events refused: {result}")
            if (i + 10) % 500 == 0:
                cloud.advance(0)  # deliver what is queued, let started executions park; no clock move
        cloud.advance(0)
        elapsed = time.perf_counter() - started

        arns = [e["executionArn"] for e in cloud.executions() if ":icp-remediate:" in e["executionArn"]]
        remediated = set()
        from icp import store

        for cid in incidents | {c for c, _ in seeded}:
            record = store.find(cid)
            if record is not None and record.lease:
                remediated.add(cid)
        return {
            "events": len(details),
            "downs": sum(d["to"] == "down" for d in details),
            "noise": sum(d["to"] != "down" for d in details),
            "seconds": elapsed,
            "seed_seconds": seed_seconds,
            "invocations": cloud.runtime.invocations["StartRemediationFunction"] - invocations_before,
            "errors": cloud.runtime.errors["StartRemediationFunction"] - errors_before,
            "executions": len(arns),
            "leased": len(remediated),
            "leased_right": len(remediated & incidents),
            "sim_moved": cloud.clock.time() - sim_before,
            "observed": sum(1 for e in cloud.events_seen if e["detail-type"] == LINK_CHANGED),
        }
