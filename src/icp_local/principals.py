"""Who each part of the local cloud runs as, and what resource policies let in (docs/iam.md): a
function runs as its role, a state machine as its own, EventBridge as a target's role; Lambda
and SQS check their resource-based policies. With IAM off (``enforce_iam=False``) all is allowed."""

from __future__ import annotations

import json
import os
from pathlib import Path

from icp_local import iam
from icp_local.template import ACCOUNT_ID, FunctionSpec, Stack


class Principals:
    def __init__(self, enforcer: iam.Enforcer | None, stack: Stack):
        self.enforcer = enforcer
        self.stack = stack

    def for_function(self, spec: FunctionSpec) -> iam.Principal | None:
        # Lambda names the role session after the function.
        return self.enforcer.principal(spec.logical_id, spec.role_arn, spec.name) if self.enforcer else None

    def for_state_machine(self, role_arn: str, state_machine_arn: str) -> iam.Principal | None:
        if self.enforcer is None:
            return None
        logical = next(
            (k for k, v in self.stack.state_machines.items() if v == state_machine_arn), state_machine_arn
        )
        return self.enforcer.principal(logical, role_arn, state_machine_arn.rsplit(":", 1)[-1])

    def for_rule_target(self, role_arn: str | None, rule_arn: str) -> iam.Principal | None:
        """EventBridge calls a target (starts an execution) with the target's role."""
        if self.enforcer is None or not role_arn:
            return None
        return self.enforcer.principal(
            self.stack.roles.get(role_arn, role_arn), role_arn, rule_arn.rsplit("/", 1)[-1]
        )

    def may_invoke(self, spec: FunctionSpec, service: str, source_arn: str) -> bool:
        """Whether the function's resource-based policy lets ``service`` invoke it on behalf of
        ``source_arn`` (a rule, an API), as Lambda checks for EventBridge and API Gateway."""
        if self.enforcer is None:
            return True
        return (
            self.enforcer.check_resource_policy(
                service,
                "lambda:InvokeFunction",
                spec.arn,
                self.enforcer.function_policy(spec.name),
                _from_this_account(source_arn),
            )
            is None
        )

    def events_may_send(self, queue_arn: str, rule_arn: str) -> bool:
        """Whether a queue's policy lets EventBridge send a rule's undeliverable event to it."""
        if self.enforcer is None:
            return True
        return (
            self.enforcer.check_resource_policy(
                "events.amazonaws.com",
                "sqs:SendMessage",
                queue_arn,
                self.enforcer.queue_policy(queue_arn),
                _from_this_account(rule_arn),
            )
            is None
        )

    def append_to_ledger(self, template_path: Path, default_template: Path) -> None:
        """With ICP_IAM_LEDGER set (the test suite sets it), what this cloud's principals called and
        were refused, added to that file: the suite's record of least privilege (tests/conftest.py)."""
        ledger = os.environ.get("ICP_IAM_LEDGER")
        if not ledger or self.enforcer is None or template_path.resolve() != default_template.resolve():
            return
        kinds = {
            **{f.logical_id: "function" for f in self.stack.functions.values()},
            **{logical: "state machine" for logical in self.stack.state_machines},
        }
        entry = {
            "calls": sorted({(p, a) for p, a in self.enforcer.calls}),
            "kinds": kinds,
            "denials": [[d.principal, d.action, d.resource] for d in self.enforcer.denials],
        }
        with open(ledger, "a") as out:
            out.write(json.dumps(entry) + "\n")


def _from_this_account(source_arn: str) -> dict[str, list[str]]:
    return {"aws:SourceArn": [source_arn], "aws:SourceAccount": [ACCOUNT_ID]}
