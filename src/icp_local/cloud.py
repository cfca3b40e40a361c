"""The local cloud: the real template, ASL and handlers on moto, with emulators for what
moto lacks, on a simulated clock (design §7)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import secrets
import threading
import time
import warnings
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import botocore.handlers
import icp.clock
from moto import mock_aws

from icp_local import bus_policy, callers, iam, moto_fixes, sfn
from icp_local.clock import SimClock
from icp_local.lambdas import FunctionRuntime
from icp_local.template import ACCOUNT_ID, FunctionSpec, Stack, build, load
from icp_local.variants import Variants
from icp_local.variants import resolve as resolve_variants

# gRPC's C core (the Google emulator) logs connection teardown at INFO; read when grpc loads.
os.environ.setdefault("GRPC_VERBOSITY", "ERROR")

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_TEMPLATE = PROJECT_ROOT / "template.yaml"
# Waits longer than this are moto's "no timeout" default, not a time to move the clock to.
_FOREVER = 30 * 86400
_PARTNER_SECRET_NAME = "interconnect-control-plane/partners/{provider}"
_LAST_MILE_PARTNERS = ("lumen",)
_READS = ("Get", "List", "Describe", "Search", "Scan", "Query", "BatchGet", "Invoke", "SendTask", "Start")
_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}

_current: LocalCloud | None = None


def _schedule_seconds(expression: str) -> float:
    match = re.fullmatch(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)", expression.strip())
    if not match:
        raise ValueError(f"the local cloud runs rate() schedules only, not {expression!r}")
    unit = {"minute": 60, "hour": 3600, "day": 86400}[match.group(2).rstrip("s")]
    return int(match.group(1)) * unit


class LocalCloud:
    """``with LocalCloud() as cloud:`` runs the control plane on this machine.

    ``enforce_iam`` (on by default): every function and state machine calls AWS with its own
    role's credentials and is refused what its policies do not allow (docs/iam.md); off, every
    call is allowed, as in moto."""

    def __init__(self, template: str | Path = DEFAULT_TEMPLATE, region: str = "us-east-1", stack_name: str = "icp",
                 parameters: dict[str, str] | None = None, interconnect_options: dict[str, Any] | None = None,
                 variants: Variants | str | None = None, enforce_iam: bool = True):
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
        self.events_seen: list[dict[str, Any]] = []
        self._observers: list[Callable[[dict[str, Any]], None]] = []
        self._deliveries: list[Callable[[], None]] = []
        self._deliveries_lock = threading.Lock()
        self._swept: dict[str, int] = {}  # scheduled rule -> generation when it last ran
        self._saved_env: dict[str, str | None] = {}
        self._driver = threading.get_ident()
        self._started = False

    # -- lifecycle -----------------------------------------------------------------------
    def __enter__(self) -> LocalCloud:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        global _current
        # Noise for a local run: samtranslator's feature-toggle notice, Powertools' empty metrics.
        logging.getLogger("samtranslator").setLevel(logging.ERROR)
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        if _current is not None:
            raise RuntimeError("one LocalCloud at a time per process")
        _current = self
        self._driver = threading.get_ident()
        self._set_env({
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": self.region, "AWS_REGION": self.region,
            "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_DEV": "false",
        })
        os.environ.pop("AWS_PROFILE", None)
        # Lambda stays on moto's default (docker) path: sfn.install replaces its one invoke
        # method with the in-process handlers, so no container is ever started.
        self._mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
        self._mock.start()
        icp.clock.use(self.clock.time, self._sleep)
        _reset_core_caches()
        self._install_emulators()
        if self.enforce_iam:
            self.iam = iam.enforcer_for(self.region, ACCOUNT_ID, self.interconnect, self.directconnect).install()
        self._install_counters()
        session = boto3.session.Session(region_name=self.region)
        self._partner_secrets(session)
        self.stack: Stack = load(self.template_path, self.region, self.stack_name, self._parameters())
        build(self.stack, session)
        self._point_servicenow_at_the_fake(session)
        self.runtime = FunctionRuntime(self.stack, principal_for=self._function_principal)
        self._set_env(self.runtime.environment())
        from icp.observability import logger

        logger.setLevel(os.environ.get("POWERTOOLS_LOG_LEVEL", "INFO"))  # the core's logger predates the env
        self._set_env({k: v for k, v in self.partner_server.environment().items()})
        self.clock.after_timers.append(self._sync_transit_gateway_attachments)
        sfn.install(self.clock, self.runtime.moto_invoke, principal=self._state_machine_principal)
        moto_fixes.install()
        _install_event_hooks()
        self._schedules = [(rule, _schedule_seconds(rule.schedule)) for rule in self.stack.rules if rule.schedule]
        self._started = True

    def _stop_executions(self) -> None:
        """Executions still running (parked on a token or a timer) are stopped, so none carries on
        into the next local cloud of the process."""
        sfn_client = boto3.client("stepfunctions", region_name=self.region)
        for arn in self.stack.state_machines.values():
            for execution in sfn_client.list_executions(stateMachineArn=arn, statusFilter="RUNNING")["executions"]:
                # moto 5.2.5 fails to stop an execution whose worker thread has not begun yet
                # (AttributeError on its empty environment); the release below ends it anyway.
                with contextlib.suppress(AttributeError):
                    sfn_client.stop_execution(executionArn=execution["executionArn"], error="LocalCloudStopped",
                                              cause="the local cloud stopped")
        self.clock.release_all()
        deadline = time.monotonic() + 5
        while sfn.running_executions() > 0 and time.monotonic() < deadline:
            self.clock.release_all()
            time.sleep(0.01)

    def stop(self) -> None:
        global _current
        try:
            if self._started:
                try:
                    self._stop_executions()
                except Exception:  # whatever happens here, the rest must still be torn down
                    logging.getLogger(__name__).exception("could not stop the running executions")
            for server in (getattr(self, "partner_server", None), getattr(self, "servicenow", None)):
                if server is not None:
                    server.stop()
            for emulator in (getattr(self, "interconnect", None), getattr(self, "directconnect", None)):
                if emulator is not None:
                    emulator.uninstall()
            if self.iam is not None:
                self.iam.uninstall()
                self._append_to_iam_ledger()
            if self._count_hook in botocore.handlers.BUILTIN_HANDLERS:
                botocore.handlers.BUILTIN_HANDLERS.remove(self._count_hook)
            sfn.uninstall()
            _uninstall_event_hooks()
            icp.clock.reset()
            _reset_core_caches()
            self._mock.stop()
        finally:
            for key, value in self._saved_env.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            _current = None

    def _set_env(self, values: dict[str, str]) -> None:
        for key, value in values.items():
            self._saved_env.setdefault(key, os.environ.get(key))
            os.environ[key] = value

    def _install_emulators(self) -> None:
        from icp_local.emulators.directconnect import DirectConnectEmulator
        from icp_local.emulators.google_cloud import GoogleCloudEmulator
        from icp_local.emulators.interconnect import InterconnectEmulator
        from icp_local.emulators.partner_server import PartnerServer
        from icp_local.emulators.partners import PartnerSimulator
        from icp_local.emulators.servicenow import FakeServiceNow

        self.directconnect = DirectConnectEmulator(self.clock, account_id=ACCOUNT_ID, variants=self.variants).install()
        self.interconnect = InterconnectEmulator(self.clock, self.directconnect, account_id=ACCOUNT_ID,
                                                 variants=self.variants, **self.interconnect_options).install()
        self.partner_secret_values = {p: secrets.token_urlsafe(24) for p in _LAST_MILE_PARTNERS}
        self.partners = {p: PartnerSimulator(p, self.clock, self.interconnect,
                                             shared_secret=self.partner_secret_values.get(p))
                         for p in ("google-cloud", *_LAST_MILE_PARTNERS)}
        self.google = GoogleCloudEmulator(self.clock, self.interconnect, partner=self.partners["google-cloud"],
                                          aws_prefixes=self._advertised_by_aws)
        self.partner_server = PartnerServer(self.clock, self.interconnect, self.google, self.partners).start()
        self.servicenow = FakeServiceNow().start()

    def _advertised_by_aws(self, connection: dict[str, Any]) -> list[str]:
        """What AWS advertises over a connection: the allowed prefixes of its DX gateway's
        associations (so the Google side learns them only once the association is in place)."""
        gateway = connection.get("attachPoint", {}).get("directConnectGateway")
        return [p["cidr"] for a in self.directconnect.associations()
                if a["directConnectGatewayId"] == gateway and a.get("associationState") == "associated"
                for p in a.get("allowedPrefixesToDirectConnectGateway", [])]

    def _partner_secrets(self, session: Any) -> None:
        secrets = session.client("secretsmanager")
        self.partner_secret_arns = {
            p: secrets.create_secret(Name=_PARTNER_SECRET_NAME.format(provider=p), SecretString=value)["ARN"]
            for p, value in self.partner_secret_values.items()
        }

    def _parameters(self) -> dict[str, str]:
        partners = {p: {"url": self.partner_server.partner_url(p), "secretArn": self.partner_secret_arns[p]}
                    for p in _LAST_MILE_PARTNERS}
        return {"LastMilePartners": json.dumps(partners), "ServiceNowInstanceUrl": self.servicenow.url,
                **self.parameter_overrides}

    def _point_servicenow_at_the_fake(self, session: Any) -> None:
        """The template makes the ServiceNow credentials secret; here it holds the fake's."""
        arn = self.stack.physical.get("ServiceNowCredentials")
        if arn:
            session.client("secretsmanager").put_secret_value(
                SecretId=arn, SecretString=json.dumps(self.servicenow.credentials))

    @property
    def servicenow_webhook_secret(self) -> str:
        """The shared secret a ServiceNow instance signs its webhooks with."""
        return str(boto3.client("secretsmanager", region_name=self.region).get_secret_value(
            SecretId=self.stack.physical["ServiceNowWebhookSecret"])["SecretString"])

    def partner_secret(self, provider: str) -> str:
        """The shared secret a last-mile partner signs its callbacks with."""
        return self.partner_secret_values[provider]

    # -- IAM (icp_local.iam) -------------------------------------------------------------------
    def _function_principal(self, spec: FunctionSpec) -> iam.Principal | None:
        # Lambda names the role session after the function.
        return self.iam.principal(spec.logical_id, spec.role_arn, spec.name) if self.iam else None

    def _state_machine_principal(self, role_arn: str, state_machine_arn: str) -> iam.Principal | None:
        if self.iam is None:
            return None
        logical = next((k for k, v in self.stack.state_machines.items() if v == state_machine_arn), state_machine_arn)
        return self.iam.principal(logical, role_arn, state_machine_arn.rsplit(":", 1)[-1])

    def may_invoke(self, function: str, service: str, source_arn: str) -> bool:
        """Whether the function's resource-based policy lets ``service`` invoke it on behalf of
        ``source_arn`` (a rule, an API), as Lambda checks for EventBridge and API Gateway."""
        if self.iam is None:
            return True
        spec = self.runtime.spec(function)
        return self.iam.check_resource_policy(service, "lambda:InvokeFunction", spec.arn,
                                              self.iam.function_policy(spec.name),
                                              {"aws:SourceArn": [source_arn], "aws:SourceAccount": [ACCOUNT_ID]}) is None

    def _to_dead_letter_queue(self, target: dict[str, Any], event: dict[str, Any], rule_arn: str) -> None:
        """A delivery EventBridge could not make (a permission is missing: no retries) goes to the
        target's dead-letter queue, if that queue's policy lets EventBridge send to it; else it is lost."""
        queue_arn = (target.get("DeadLetterConfig") or {}).get("Arn")
        if not queue_arn:
            return
        url = f"https://sqs.{self.region}.amazonaws.com/{ACCOUNT_ID}/{queue_arn.rsplit(':', 1)[-1]}"
        if self.iam is None or self.iam.check_resource_policy(
                "events.amazonaws.com", "sqs:SendMessage", queue_arn, self.iam.queue_policy(queue_arn),
                {"aws:SourceArn": [rule_arn], "aws:SourceAccount": [ACCOUNT_ID]}) is None:
            with iam.running_as(None):
                boto3.client("sqs", region_name=self.region).send_message(QueueUrl=url, MessageBody=json.dumps(event))

    def _append_to_iam_ledger(self) -> None:
        """With ICP_IAM_LEDGER set (the test suite sets it), what this cloud's principals called and
        were refused, added to that file: the suite's record of least privilege (tests/conftest.py)."""
        ledger = os.environ.get("ICP_IAM_LEDGER")
        if not ledger or self.iam is None or self.template_path.resolve() != DEFAULT_TEMPLATE.resolve():
            return
        kinds = {**{f.logical_id: "function" for f in self.stack.functions.values()},
                 **{logical: "state machine" for logical in self.stack.state_machines}}
        entry = {"calls": sorted({(p, a) for p, a in self.iam.calls}), "kinds": kinds,
                 "denials": [[d.principal, d.action, d.resource] for d in self.iam.denials]}
        with open(ledger, "a") as out:
            out.write(json.dumps(entry) + "\n")

    def _install_counters(self) -> None:
        def count(model: Any = None, **_: Any) -> None:
            if model is not None:
                self.api_calls[(model.service_model.service_name, model.name)] += 1

        self._count_hook = ("provide-client-params", count)
        botocore.handlers.BUILTIN_HANDLERS.append(self._count_hook)

    # -- the public contract (design §7) -------------------------------------------------------
    def put_event(self, source: str, detail_type: str, detail: dict[str, Any]) -> str:
        result = boto3.client("events", region_name=self.region).put_events(Entries=[{
            "Source": source, "DetailType": detail_type, "Detail": json.dumps(detail),
            "EventBusName": self.stack.outputs.get("EventBusName", "default"),
        }])
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
        name = f"{self.stack_name}-{connection_id}-{kind}"
        cloudwatch = boto3.client("cloudwatch", region_name=self.region)
        found = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
        if not found:
            raise KeyError(f"no alarm {name!r}")
        previous = found[0]["StateValue"]
        cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason=f"set by the local cloud: {state}")
        self._aws_event("aws.cloudwatch", "CloudWatch Alarm State Change", {
            "alarmName": name, "state": {"value": state, "reason": "set by the local cloud",
                                         "timestamp": self.clock.now().isoformat()},
            "previousState": {"value": previous}})

    def announce_maintenance(self, aws_connection_id: str, start: float, end: float) -> None:
        """Publish the AWS Health event for scheduled Direct Connect maintenance of a connection."""
        iso = lambda t: datetime.fromtimestamp(t, tz=UTC).isoformat()  # noqa: E731
        self._aws_event("aws.health", "AWS Health Event", {
            "eventArn": f"arn:aws:health:{self.region}::event/DIRECTCONNECT/AWS_DIRECTCONNECT_MAINTENANCE_SCHEDULED/"
                        f"{aws_connection_id}-{int(start)}",
            "service": "DIRECTCONNECT", "eventTypeCode": "AWS_DIRECTCONNECT_MAINTENANCE_SCHEDULED",
            "eventTypeCategory": "scheduledChange", "startTime": iso(start), "endTime": iso(end),
            "affectedEntities": [{"entityValue": aws_connection_id}]})

    def _aws_event(self, source: str, detail_type: str, detail: dict[str, Any]) -> None:
        # AWS services publish on the default bus; customers cannot use their `aws.*` sources, so
        # the event goes in through moto's backend rather than the PutEvents API.
        from moto.events.models import events_backends

        events_backends[ACCOUNT_ID][self.region].put_events([{
            "Source": source, "DetailType": detail_type, "Detail": json.dumps(detail), "EventBusName": "default"}])

    def connection(self, connection_or_request_id: str) -> dict[str, Any] | None:
        from icp import store
        from icp.models import connection_id_for

        key = connection_or_request_id
        record = store.find(key) if key.startswith("icc-") else None
        record = record or store.find(connection_id_for(key))
        return record.public_view() if record else None

    def connections(self) -> list[dict[str, Any]]:
        from icp import store

        return [r.public_view() for r in sorted(store.scan(), key=lambda r: r.createdAt)]

    def executions(self) -> list[dict[str, Any]]:
        """Every workflow run, each with its history; a child workflow a run started (README,
        "How it works") is not listed apart: its history is spliced into its parent's."""
        from icp.executions import child_execution, with_children

        client = boto3.client("stepfunctions", region_name=self.region)

        def history_of(arn: str) -> list[dict[str, Any]]:
            return list(client.get_execution_history(executionArn=arn, maxResults=1000)["events"])

        found = []
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
        self._observers.append(callback)

    def run_until_idle(self, timeout: float = 60.0) -> None:
        """Drive executions, timers and watcher sweeps until nothing is left to do."""
        deadline = time.monotonic() + timeout
        while True:
            self._settle(deadline)
            target = self._next_time()
            if target is None:
                return
            self._advance_to(target)

    def advance(self, seconds: float, timeout: float = 60.0) -> None:
        """Move the simulated clock by ``seconds``, running what falls due on the way: here every
        scheduled run happens at its time (so time-based work, like reminders, is done), where
        run_until_idle skips the runs that could see nothing new."""
        deadline = time.monotonic() + timeout
        end = self.clock.time() + seconds
        while True:
            self._settle(deadline)
            target = self._next_time(every_tick=True)
            if target is None or target > end:
                break
            self._advance_to(target, every_tick=True)
        self.clock.advance_to(end)
        self._settle(deadline)

    def sweep(self, rules: list[str] | None = None) -> list[Any]:
        """Run the scheduled functions (the link-state watcher, the route check) once, now;
        ``rules`` limits it to those scheduled rules (logical ids)."""
        results = []
        generation = self._generation()
        for rule, _ in self._schedules:
            if rules is not None and rule.logical_id not in rules:
                continue
            for target in rule.targets:
                if self.may_invoke(target["Arn"], "events.amazonaws.com", self.stack.attributes[(rule.logical_id, "Arn")]):
                    results.append(self.runtime.invoke(target["Arn"], _scheduled_event(rule.logical_id, self))[0])
            self._swept[rule.logical_id] = generation
        return results

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
        return writes + sum(getattr(e, "generation", 0) for e in (self.interconnect, self.directconnect, self.google))

    def _due_rules(self, at: float, every_tick: bool = False) -> list[str]:
        generation = self._generation()
        return [rule.logical_id for rule, period in self._schedules
                if at % period == 0 and (every_tick or self._swept.get(rule.logical_id) != generation)]

    def _settle(self, deadline: float) -> None:
        """Wait (in real time) until every execution is parked and every delivery is made."""
        while True:
            self._sync_transit_gateway_attachments()
            if self._deliver():
                continue
            if sfn.running_executions() <= self.clock.blocked_waiters():
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"executions still running after the timeout "
                                   f"({sfn.running_executions()} running, {self.clock.blocked_waiters()} parked)")
            time.sleep(0.001)

    def _next_time(self, every_tick: bool = False) -> float | None:
        due = self.clock.next_due()
        if due is not None and due - self.clock.time() > _FOREVER:
            due = None
        candidates = [due] if due is not None else []
        generation = self._generation()
        now = self.clock.time()
        candidates += [(now // period + 1) * period for rule, period in self._schedules
                       if every_tick or self._swept.get(rule.logical_id) != generation]
        if not candidates:
            return None
        return min(candidates)

    def _advance_to(self, target: float, every_tick: bool = False) -> None:
        self.clock.advance_to(target)
        due = self._due_rules(target, every_tick)
        if due:
            self.sweep(due)

    def _deliver(self) -> bool:
        with self._deliveries_lock:
            pending, self._deliveries = self._deliveries, []
        for delivery in pending:
            delivery()
        return bool(pending)

    def _enqueue(self, delivery: Callable[[], None]) -> None:
        with self._deliveries_lock:
            self._deliveries.append(delivery)

    def _sync_transit_gateway_attachments(self) -> None:
        """AWS gives a transit gateway an attachment for each DX gateway associated with it;
        moto cannot, so the local cloud makes it when the DX emulator reports the association."""
        from moto.ec2.models import ec2_backends
        from moto.ec2.models.transit_gateway_attachments import TransitGatewayAttachment

        backend = ec2_backends[ACCOUNT_ID][self.region]
        wanted = {(a["directConnectGatewayId"], a["associatedGateway"]["id"])
                  for a in self.directconnect.associations()
                  if a.get("associationState") == "associated" and a["associatedGateway"]["id"].startswith("tgw-")}
        existing = {(a.resource_id, a.transit_gateway_id): a for a in backend.transit_gateway_attachments.values()
                    if a.resource_type == "direct-connect-gateway"}
        for dx_id, tgw_id in wanted - set(existing):
            tgw = backend.transit_gateways.get(tgw_id)
            if tgw is not None:
                attachment = TransitGatewayAttachment(backend, resource_id=dx_id,
                                                      resource_type="direct-connect-gateway", transit_gateway=tgw)
                backend.transit_gateway_attachments[attachment.id] = attachment
        for key in set(existing) - wanted:
            del backend.transit_gateway_attachments[existing[key].id]

    def invoke_async(self, function: str, event: dict[str, Any], attempt: int = 0) -> None:
        """An asynchronous invocation: on error Lambda tries again after 1, then 2 minutes (twice
        by default; the function's EventInvokeConfig MaximumRetryAttempts says otherwise), then
        sends the event to the function's dead-letter queue."""
        _, errored = self.runtime.invoke(function, event)
        if not errored:
            return
        if attempt < self.runtime.spec(function).async_retries:
            self.clock.call_later(60 * (attempt + 1), lambda: self._enqueue(
                lambda: self.invoke_async(function, event, attempt + 1)), label=f"retry {function}")
            return
        spec = self.runtime.spec(function)
        if spec.dead_letter_arn:
            # Lambda sends it with the function's own role (SAM grants sqs:SendMessage for it).
            url = f"https://sqs.{self.region}.amazonaws.com/{ACCOUNT_ID}/{spec.dead_letter_arn.rsplit(':', 1)[-1]}"
            with iam.running_as(self._function_principal(spec)):
                try:
                    boto3.client("sqs", region_name=self.region).send_message(QueueUrl=url,
                                                                              MessageBody=json.dumps(event))
                except botocore.exceptions.ClientError as exc:
                    if exc.response["Error"]["Code"] not in _DENIED:
                        raise

    # -- the REST API ---------------------------------------------------------------------------
    def api(self, method: str, path: str, json: Any = None, headers: dict[str, str] | None = None,
            body: str | bytes | None = None, signed: bool = True) -> tuple[int, Any]:
        """Call the REST API as API Gateway would: ``(status, parsed JSON body)``. Routes with IAM
        authorization need a SigV4 ``Authorization`` header; ``signed=True`` (the default) stands
        in for a caller with credentials (the local cloud does not check signatures)."""
        from icp_local.api_gateway import call_api

        return call_api(self, method, path, json_body=json, headers=headers, body=body, signed=signed)

    # -- EventBridge delivery (moto has no Lambda or Step Functions targets) -------------------
    def _deliver_to_target(self, target: dict[str, Any], event: dict[str, Any], rule_arn: str) -> None:
        arn = target["Arn"]
        if ":states:" in arn:
            self._enqueue(lambda: self._start_for_rule(target, event, rule_arn))
        elif ":lambda:" in arn:
            if self.may_invoke(arn, "events.amazonaws.com", rule_arn):
                self._enqueue(lambda: self.invoke_async(arn, event))
            else:
                self._enqueue(lambda: self._to_dead_letter_queue(target, event, rule_arn))

    def _start_for_rule(self, target: dict[str, Any], event: dict[str, Any], rule_arn: str) -> None:
        # EventBridge starts the execution with the target's role.
        role = target.get("RoleArn")
        principal = self.iam.principal(self.stack.roles.get(role, role), role, rule_arn.rsplit("/", 1)[-1]) \
            if self.iam and role else None
        try:
            with iam.running_as(principal):
                boto3.client("stepfunctions", region_name=self.region).start_execution(
                    stateMachineArn=target["Arn"], name=event["id"], input=json.dumps(event))
        except botocore.exceptions.ClientError as exc:
            if exc.response["Error"]["Code"] not in _DENIED:
                raise
            self._to_dead_letter_queue(target, event, rule_arn)

    def _observe(self, event: dict[str, Any]) -> None:
        self.events_seen.append(event)
        for observer in self._observers:
            observer(event)


def _scheduled_event(rule: str, cloud: LocalCloud) -> dict[str, Any]:
    return {"version": "0", "id": f"sched-{int(cloud.clock.time())}", "detail-type": "Scheduled Event",
            "source": "aws.events", "account": ACCOUNT_ID, "time": cloud.clock.now().isoformat(),
            "region": cloud.region, "resources": [rule], "detail": {}}


def _reset_core_caches() -> None:
    from icp import store
    from icp.aws import clients
    from icp.partners import registry

    # Each is keyed by what it reads from the environment only once; a new cloud has a new one.
    clients.client.cache_clear()
    store.records_model.cache_clear()
    store.markers_model.cache_clear()
    registry.remote_side_for.cache_clear()


# -- moto EventBridge hooks ---------------------------------------------------------------------
_saved_events: dict[str, Any] = {}


def _install_event_hooks() -> None:
    from moto.events import models

    if _saved_events:
        return
    _saved_events["send"] = models.Rule.send_to_targets
    _saved_events["put"] = models.EventsBackend.put_events

    def send_to_targets(rule: Any, event: dict[str, Any], transform_input: bool = True) -> None:
        cloud = _current
        ours = [t for t in rule.targets if ":states:" in t["Arn"] or ":lambda:" in t["Arn"]]
        if cloud is None or not ours or not rule.event_pattern.matches_event(event):
            return _saved_events["send"](rule, event, transform_input)
        for target in ours:
            cloud._deliver_to_target(target, event, rule.arn)
        others = [t for t in rule.targets if t not in ours]
        if others:
            saved, rule.targets = rule.targets, others
            try:
                _saved_events["send"](rule, event, transform_input)
            finally:
                rule.targets = saved

    def put_events(backend: Any, events: list[dict[str, Any]]) -> Any:
        cloud = _current
        # The bus policy, entry by entry; refused entries are answered, the others go on.
        refused = bus_policy.refusals(cloud.iam, backend, events) if cloud and cloud.iam and len(events) <= 10 else {}
        events = [e for i, e in enumerate(events) if i not in refused]
        answers = iter(_saved_events["put"](backend, events))
        result = [refused[i] if i in refused else next(answers) for i in range(len(events) + len(refused))]
        if cloud is not None:
            for entry in events:
                detail = entry.get("Detail")
                cloud._observe({"source": entry.get("Source"), "detail-type": entry.get("DetailType"),
                                "detail": json.loads(detail) if detail else {}, "time": cloud.clock.now().isoformat(),
                                "bus": entry.get("EventBusName", "default")})
        return result

    models.Rule.send_to_targets = send_to_targets
    models.EventsBackend.put_events = put_events


def _uninstall_event_hooks() -> None:
    from moto.events import models

    if _saved_events:
        models.Rule.send_to_targets = _saved_events.pop("send")
        models.EventsBackend.put_events = _saved_events.pop("put")
