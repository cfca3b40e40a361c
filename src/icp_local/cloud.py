"""The local cloud: the real template, ASL and handlers on moto, with emulators for what
moto lacks, on a simulated clock (README, "The local cloud").

:class:`LocalCloud` is the facade; each concern has its module: the process environment
(icp_local.environment), the emulators (icp_local.emulation), the secrets
(icp_local.local_secrets), who runs as whom (icp_local.principals), EventBridge delivery
(icp_local.eventbridge), asynchronous invocation (icp_local.async_invoke), the clock-driven loop
(icp_local.scheduling), transit gateway attachments (icp_local.attachments), the events AWS
itself publishes (icp_local.aws_notices) and the API front (icp_local.api_gateway)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import boto3
import icp.clock
from icp import store
from icp.models import connection_id_for
from moto import mock_aws

from icp_local import (
    aws_notices,
    call_counter,
    callers,
    emulation,
    eventbridge,
    iam,
    local_secrets,
    moto_fixes,
    process_caches,
    sfn,
)
from icp_local.api_gateway import call_api
from icp_local.async_invoke import AsyncInvoker, DeliveryQueue
from icp_local.attachments import sync_transit_gateway_attachments
from icp_local.clock import SimClock
from icp_local.environment import ProcessEnvironment, local_variables, quiet_local_noise, reset_core_caches
from icp_local.lambdas import FunctionRuntime
from icp_local.principals import Principals
from icp_local.scheduling import Scheduler
from icp_local.stack_build import build
from icp_local.template import ACCOUNT_ID, Stack, load
from icp_local.variants import Variants
from icp_local.variants import resolve as resolve_variants

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_TEMPLATE = PROJECT_ROOT / "template.yaml"
_READS = ("Get", "List", "Describe", "Search", "Scan", "Query", "BatchGet", "Invoke", "SendTask", "Start")


class LocalCloud:
    """``with LocalCloud() as cloud:`` runs the control plane on this machine.

    ``enforce_iam`` (on by default): every function and state machine calls AWS with its own
    role's credentials and is refused what its policies do not allow (docs/iam.md); off, every
    call is allowed, as in moto."""

    def __init__(
        self,
        template: str | Path = DEFAULT_TEMPLATE,
        region: str = "us-east-1",
        stack_name: str = "icp",
        parameters: dict[str, str] | None = None,
        interconnect_options: dict[str, Any] | None = None,
        variants: Variants | str | None = None,
        enforce_iam: bool = True,
    ):
        self.enforce_iam = enforce_iam
        self.iam: iam.Enforcer | None = None
        self.template_path = Path(template)
        self.region = region
        self.stack_name = stack_name
        self.parameter_overrides = dict(parameters or {})
        self.interconnect_options = dict(interconnect_options or {})
        # Which reading of ambiguous evidence the emulators play (icp_local.variants).
        self.variants = resolve_variants(variants)
        self.clock = SimClock()
        self.api_calls: Counter[tuple[str, str]] = Counter()
        self._events = eventbridge.EventLog()
        self.events_seen = self._events.seen
        self._deliveries = DeliveryQueue()
        self._environment = ProcessEnvironment()
        self._emulators: emulation.Emulators | None = None
        self._driver = 0
        self._started = False

    # -- lifecycle -----------------------------------------------------------------------
    def __enter__(self) -> LocalCloud:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        quiet_local_noise()
        if eventbridge.hooks_installed():
            raise RuntimeError("one LocalCloud at a time per process")
        self._driver = threading.get_ident()
        self._environment.set(local_variables(self.region))
        os.environ.pop("AWS_PROFILE", None)
        # Lambda stays on moto's default (docker) path: sfn.install replaces its one invoke
        # method with the in-process handlers, so no container is ever started.
        self._mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
        self._mock.start()
        process_caches.install()
        icp.clock.use(self.clock.time, self._sleep)
        reset_core_caches()
        process_caches.open_clients(self._signature())
        self._install_emulators()
        if self.enforce_iam:
            self.iam = iam.enforcer_for(
                self.region, ACCOUNT_ID, self.interconnect, self.directconnect, self.networkmanager
            ).install()
        call_counter.count_into(self.api_calls)
        session = boto3.session.Session(region_name=self.region)
        secret_arns = local_secrets.create_partner_secrets(session, self.partner_secret_values)
        self.stack: Stack = load(
            self.template_path,
            self.region,
            self.stack_name,
            local_secrets.stack_parameters(
                self.partner_server, secret_arns, self.servicenow, self.parameter_overrides
            ),
        )
        build(self.stack, session)
        local_secrets.point_servicenow_at_the_fake(self.stack, session, self.servicenow)
        self._principals = Principals(self.iam, self.stack)
        self.runtime = FunctionRuntime(self.stack, principal_for=self._principals.for_function)
        self._environment.set(self.runtime.environment())
        # Imported once the environment is set: Powertools reads it when the core's Logger,
        # Tracer and Metrics are made, at the first import of icp.observability.
        from icp.observability import logger

        logger.setLevel(os.environ.get("POWERTOOLS_LOG_LEVEL", "INFO"))  # the core's logger predates the env
        self._environment.set(self.partner_server.environment())
        self.clock.after_timers.append(self._sync_attachments)
        sfn.install(self.clock, self.runtime.moto_invoke, principal=self._principals.for_state_machine)
        moto_fixes.install()
        self._invoker = AsyncInvoker(
            self.region, self.clock, self.runtime, self._principals, self._deliveries
        )
        self._bridge = eventbridge.EventBridge(
            self.region,
            self.clock,
            self.stack,
            self.runtime,
            self._principals,
            self._deliveries,
            self._invoker,
            self._events,
        )
        eventbridge.install_hooks(self._bridge)
        self._scheduler = Scheduler(
            self.clock,
            self.stack.rules,
            self._generation,
            self._bridge.run_scheduled,
            self._step,
            sweep_due=lambda rules: self.sweep(rules),
        )
        self._started = True

    def _signature(self) -> tuple[Any, ...]:
        """What the clients a cloud makes depend on (icp_local.process_caches.open_clients)."""
        return (
            self.enforce_iam,
            self.region,
            self.stack_name,
            str(self.template_path.resolve()),
            tuple(sorted(self.parameter_overrides.items())),
        )

    def _install_emulators(self) -> None:
        self._emulators = emulators = emulation.Emulators(
            self.clock, self.variants, self.interconnect_options
        )
        self.directconnect = emulators.directconnect
        self.interconnect = emulators.interconnect
        self.networkmanager = emulators.networkmanager
        self.partner_secret_values = emulators.partner_secret_values
        self.partners = emulators.partners
        self.google = emulators.google
        self.partner_server = emulators.partner_server
        self.servicenow = emulators.servicenow

    def _stop_executions(self) -> None:
        """Executions still running (parked on a token or a timer) are stopped, so none carries on
        into the next local cloud of the process."""
        sfn_client = boto3.client("stepfunctions", region_name=self.region)
        for arn in self.stack.state_machines.values():
            for execution in sfn_client.list_executions(stateMachineArn=arn, statusFilter="RUNNING")[
                "executions"
            ]:
                # moto 5.2.5 fails to stop an execution whose worker thread has not begun yet
                # (AttributeError on its empty environment); the release below ends it anyway.
                with contextlib.suppress(AttributeError):
                    sfn_client.stop_execution(
                        executionArn=execution["executionArn"],
                        error="LocalCloudStopped",
                        cause="the local cloud stopped",
                    )
        self.clock.release_all()
        deadline = time.monotonic() + 5
        while sfn.running_executions() > 0 and time.monotonic() < deadline:
            self.clock.release_all()
            time.sleep(0.01)

    def stop(self) -> None:
        try:
            if self._started:
                try:
                    self._stop_executions()
                except Exception:  # whatever happens here, the rest must still be torn down
                    logging.getLogger(__name__).exception("could not stop the running executions")
            emulation.stop(self._emulators)
            if self.iam is not None:
                self.iam.uninstall()
                if self._started:
                    self._principals.append_to_ledger(self.template_path, DEFAULT_TEMPLATE)
            call_counter.stop_counting(self.api_calls)
            sfn.uninstall()
            eventbridge.uninstall_hooks()
            icp.clock.reset()
            reset_core_caches()
            self._mock.stop()
        finally:
            process_caches.close_clients(self._signature())
            self._environment.restore()

    # -- secrets (icp_local.local_secrets) -------------------------------------------------------
    @property
    def servicenow_webhook_secret(self) -> str:
        """The shared secret a ServiceNow instance signs its webhooks with."""
        return local_secrets.servicenow_webhook_secret(
            boto3.session.Session(region_name=self.region), self.stack
        )

    def partner_secret(self, provider: str) -> str:
        """The shared secret a last-mile partner signs its callbacks with."""
        return self.partner_secret_values[provider]

    # -- the public contract (README, "The local cloud") -----------------------------------------
    def may_invoke(self, function: str, service: str, source_arn: str) -> bool:
        """Whether the function's resource-based policy lets ``service`` invoke it on behalf of
        ``source_arn`` (a rule, an API), as Lambda checks for EventBridge and API Gateway."""
        return self._principals.may_invoke(self.runtime.spec(function), service, source_arn)

    def put_event(self, source: str, detail_type: str, detail: dict[str, Any]) -> str:
        result = boto3.client("events", region_name=self.region).put_events(
            Entries=[
                {
                    "Source": source,
                    "DetailType": detail_type,
                    "Detail": json.dumps(detail),
                    "EventBusName": self.stack.outputs.get("EventBusName", "default"),
                }
            ]
        )
        entry = result["Entries"][0]
        if "EventId" not in entry:
            raise ValueError(f"event refused: {entry}")
        return str(entry["EventId"])

    def as_principal(self, arn: str) -> contextlib.AbstractContextManager[iam.Principal]:
        """``with cloud.as_principal(arn):`` AWS calls, events and API requests made in the block
        come from that IAM user, role or role session (icp_local.callers)."""
        return callers.as_principal(arn)

    def set_alarm_state(self, connection_id: str, kind: str, state: str = "ALARM") -> None:
        """Move a connection's CloudWatch alarm ``<stack>-<connectionId>-<kind>`` (the utilization
        alarm Mark Active creates, or one a user made, e.g. ``-latency`` on their own probe) and
        publish the `CloudWatch Alarm State Change` event AWS would, on the default bus."""
        aws_notices.set_alarm_state(
            self.region, f"{self.stack_name}-{connection_id}-{kind}", state, self.clock.now()
        )

    def announce_maintenance(self, aws_connection_id: str, start: float, end: float) -> None:
        """Publish the AWS Health event for scheduled Direct Connect maintenance of a connection."""
        aws_notices.announce_maintenance(self.region, aws_connection_id, start, end)

    def _aws_event(self, source: str, detail_type: str, detail: dict[str, Any]) -> None:
        eventbridge.put_aws_event(self.region, source, detail_type, detail)

    def connection(self, connection_or_request_id: str) -> dict[str, Any] | None:
        key = connection_or_request_id
        record = store.find(key) if key.startswith("icc-") else None
        record = record or store.find(connection_id_for(key))
        return store.public_view(record) if record else None

    def connections(self) -> list[dict[str, Any]]:
        return [store.public_view(r) for r in sorted(store.records(), key=lambda r: r.createdAt)]

    def executions(self) -> list[dict[str, Any]]:
        """Every workflow run, each with its history; a child workflow a run started (README,
        "How it works") is not listed apart: its history is spliced into its parent's."""
        from icp.executions import child_execution, with_children

        client = boto3.client("stepfunctions", region_name=self.region)

        def history_of(arn: str) -> Iterable[Mapping[str, Any]]:
            return list(client.get_execution_history(executionArn=arn, maxResults=1000)["events"])

        found: list[dict[str, Any]] = []
        for arn in self.stack.state_machines.values():
            for summary in client.list_executions(stateMachineArn=arn)["executions"]:
                described = client.describe_execution(executionArn=summary["executionArn"])
                found.append({**described, "history": with_children(summary["executionArn"], history_of)})
        children = {child_execution(event) for run in found for event in run["history"]}
        return [run for run in found if run["executionArn"] not in children]

    def partner(self, provider: str) -> Any:
        if provider not in self.partners:
            raise KeyError(f"no simulated partner {provider!r}; known: {sorted(self.partners)}")
        return self.partners[provider]

    def on_event(self, callback: Callable[[dict[str, Any]], None]) -> None:
        """Call ``callback(event)`` for every event put on any bus (the demo prints them)."""
        self._events.observers.append(callback)

    def run_until_idle(self, timeout: float = 60.0) -> None:
        """Drive executions, timers and watcher sweeps until nothing is left to do."""
        self._scheduler.run_until_idle(timeout)

    def advance(self, seconds: float, timeout: float = 60.0) -> None:
        """Move the simulated clock by ``seconds``, running what falls due on the way: here every
        scheduled run happens at its time (so time-based work, like reminders, is done), where
        run_until_idle skips the runs that could see nothing new."""
        self._scheduler.advance(seconds, timeout)

    def sweep(self, rules: list[str] | None = None) -> list[Any]:
        """Run the scheduled functions (the link-state watcher, the route check) once, now;
        ``rules`` limits it to those scheduled rules (logical ids)."""
        return self._scheduler.sweep(rules)

    def wait_until_parked(self, timeout: float) -> bool:
        """Wait, driving nothing (no clock moves, no deliveries), until every execution has parked."""
        deadline = time.monotonic() + timeout
        while sfn.running_executions() > self.clock.blocked_waiters():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.002)
        return True

    def invoke_async(self, function: str, event: dict[str, Any], attempt: int = 0) -> None:
        """An asynchronous invocation, with Lambda's retries and dead-letter queue (icp_local.async_invoke)."""
        self._invoker.invoke(function, event, attempt)

    def api(
        self,
        method: str,
        path: str,
        json: Any = None,
        headers: dict[str, str] | None = None,
        body: str | bytes | None = None,
        signed: bool = True,
    ) -> tuple[int, Any]:
        """Call the REST API as API Gateway would: ``(status, parsed JSON body)``. Routes with IAM
        authorization need a SigV4 ``Authorization`` header; ``signed=True`` (the default) stands
        in for a caller with credentials (the local cloud does not check signatures)."""
        return call_api(self, method, path, json_body=json, headers=headers, body=body, signed=signed)

    # -- driving ------------------------------------------------------------------------------
    def _sleep(self, seconds: float) -> None:
        if threading.get_ident() == self._driver:
            self.clock.advance(seconds)  # the driver itself waits by moving time
        else:
            self.clock.park(seconds)

    def _generation(self) -> int:
        """Moves whenever something a scheduled function could see has changed: an emulator's
        state, or any write through an AWS API. Sweeps that could see nothing new are skipped."""
        writes = sum(n for (_, op), n in self.api_calls.items() if not op.startswith(_READS))
        assert self._emulators is not None
        return writes + self._emulators.generation()

    def _sync_attachments(self) -> None:
        sync_transit_gateway_attachments(self.region, self.directconnect)

    def _step(self) -> bool:
        self._sync_attachments()
        return self._deliveries.deliver()
