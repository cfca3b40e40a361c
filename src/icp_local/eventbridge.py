"""EventBridge in the local cloud (docs/conformance.md): moto matches the rules, this module
delivers to the targets moto cannot reach (Lambda functions, Step Functions state machines), runs
the scheduled rules, publishes AWS services' own events, and checks bus policies on PutEvents.

The hooks patch moto's classes for the whole process; the bridge they deliver to is the one
:func:`install_hooks` was given, so there is no module-wide "current cloud" to look up."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import boto3
import botocore.exceptions
from moto.events import models
from moto.events.models import events_backends
from moto.events.utils import EventMessageType

from icp_local import bus_policy, iam
from icp_local.async_invoke import DENIED, AsyncInvoker, DeliveryQueue, queue_url
from icp_local.clock import SimClock
from icp_local.lambdas import FunctionRuntime
from icp_local.principals import Principals
from icp_local.template import ACCOUNT_ID, RuleSpec, Stack


class EventLog:
    """Every event put on any bus, and who wants to hear of them (``cloud.on_event``)."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []
        self.observers: list[Callable[[dict[str, Any]], None]] = []

    def record(self, event: dict[str, Any]) -> None:
        self.seen.append(event)
        for observer in self.observers:
            observer(event)


@dataclass
class EventBridge:
    region: str
    clock: SimClock
    stack: Stack
    runtime: FunctionRuntime
    principals: Principals
    queue: DeliveryQueue
    invoker: AsyncInvoker
    log: EventLog

    def may_invoke(self, function: str, service: str, source_arn: str) -> bool:
        return self.principals.may_invoke(self.runtime.spec(function), service, source_arn)

    def deliver_to_target(self, target: dict[str, Any], event: dict[str, Any], rule_arn: str) -> None:
        arn = target["Arn"]
        if ":states:" in arn:
            self.queue.enqueue(lambda: self._start_for_rule(target, event, rule_arn))
        elif ":lambda:" in arn:
            if self.may_invoke(arn, "events.amazonaws.com", rule_arn):
                self.queue.enqueue(lambda: self.invoker.invoke(arn, event))
            else:
                self.queue.enqueue(lambda: self._to_dead_letter_queue(target, event, rule_arn))

    def _start_for_rule(self, target: dict[str, Any], event: dict[str, Any], rule_arn: str) -> None:
        # EventBridge starts the execution with the target's role.
        principal = self.principals.for_rule_target(target.get("RoleArn"), rule_arn)
        try:
            with iam.running_as(principal):
                boto3.client("stepfunctions", region_name=self.region).start_execution(
                    stateMachineArn=target["Arn"], name=event["id"], input=json.dumps(event)
                )
        except botocore.exceptions.ClientError as exc:
            if exc.response["Error"]["Code"] not in DENIED:
                raise
            self._to_dead_letter_queue(target, event, rule_arn)

    def _to_dead_letter_queue(self, target: dict[str, Any], event: dict[str, Any], rule_arn: str) -> None:
        """A delivery EventBridge could not make (a permission is missing: no retries) goes to the
        target's dead-letter queue, if that queue's policy lets EventBridge send to it; else it is lost."""
        queue_arn = (target.get("DeadLetterConfig") or {}).get("Arn")
        if not queue_arn:
            return
        if self.principals.events_may_send(queue_arn, rule_arn):
            with iam.running_as(None):
                boto3.client("sqs", region_name=self.region).send_message(
                    QueueUrl=queue_url(self.region, queue_arn), MessageBody=json.dumps(event)
                )

    def run_scheduled(self, rule: RuleSpec) -> list[Any]:
        """A scheduled rule's run: its targets invoked now, as the rule allows, with their results."""
        rule_arn = self.stack.attributes[(rule.logical_id, "Arn")]
        return [
            self.runtime.invoke(target["Arn"], self._scheduled_event(rule.logical_id))[0]
            for target in rule.targets
            if self.may_invoke(target["Arn"], "events.amazonaws.com", rule_arn)
        ]

    def _scheduled_event(self, rule: str) -> dict[str, Any]:
        return {
            "version": "0",
            "id": f"sched-{int(self.clock.time())}",
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": ACCOUNT_ID,
            "time": self.clock.now().isoformat(),
            "region": self.region,
            "resources": [rule],
            "detail": {},
        }


def put_aws_event(region: str, source: str, detail_type: str, detail: dict[str, Any]) -> None:
    # AWS services publish on the default bus; customers cannot use their `aws.*` sources, so
    # the event goes in through moto's backend rather than the PutEvents API.
    events_backends[ACCOUNT_ID][region].put_events(
        [
            {
                "Source": source,
                "DetailType": detail_type,
                "Detail": json.dumps(detail),
                "EventBusName": "default",
            }
        ]
    )


# -- moto EventBridge hooks ---------------------------------------------------------------------
_saved: dict[str, Any] = {}


def hooks_installed() -> bool:
    return bool(_saved)


def install_hooks(bridge: EventBridge) -> None:
    if _saved:
        raise RuntimeError("one LocalCloud at a time per process")
    _saved["send"] = models.Rule.send_to_targets
    _saved["put"] = models.EventsBackend.put_events

    # The hooks become moto's methods: their signatures are moto's (checked by mypy), ``self`` included.
    def send_to_targets(
        self: models.Rule, original_event: EventMessageType, transform_input: bool = True
    ) -> None:
        rule = self
        ours = [t for t in rule.targets if ":states:" in t["Arn"] or ":lambda:" in t["Arn"]]
        if not ours or not rule.event_pattern.matches_event(original_event):
            return _saved["send"](rule, original_event, transform_input)
        event = cast(dict[str, Any], original_event)  # a JSON document, delivered as it is
        for target in ours:
            bridge.deliver_to_target(target, event, rule.arn)
        others = [t for t in rule.targets if t not in ours]
        if others:
            saved, rule.targets = rule.targets, others
            try:
                _saved["send"](rule, original_event, transform_input)
            finally:
                rule.targets = saved

    def put_events(self: models.EventsBackend, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        enforcer = bridge.principals.enforcer
        # The bus policy, entry by entry; refused entries are answered, the others go on.
        refused = bus_policy.refusals(enforcer, self, events) if enforcer and len(events) <= 10 else {}
        events = [e for i, e in enumerate(events) if i not in refused]
        answers = iter(_saved["put"](self, events))
        result = [refused[i] if i in refused else next(answers) for i in range(len(events) + len(refused))]
        for entry in events:
            detail = entry.get("Detail")
            bridge.log.record(
                {
                    "source": entry.get("Source"),
                    "detail-type": entry.get("DetailType"),
                    "detail": json.loads(detail) if detail else {},
                    "time": bridge.clock.now().isoformat(),
                    "bus": entry.get("EventBusName", "default"),
                }
            )
        return result

    models.Rule.send_to_targets = send_to_targets
    models.EventsBackend.put_events = put_events


def uninstall_hooks() -> None:
    if _saved:
        models.Rule.send_to_targets = _saved.pop("send")
        models.EventsBackend.put_events = _saved.pop("put")
