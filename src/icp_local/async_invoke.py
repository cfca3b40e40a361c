"""Lambda's asynchronous invocation in the local cloud (docs/conformance.md): the deliveries
waiting to be made, the retries after an error, and the function's dead-letter queue."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.exceptions

from icp_local import iam
from icp_local.clock import SimClock
from icp_local.lambdas import FunctionRuntime
from icp_local.principals import Principals
from icp_local.template import ACCOUNT_ID

DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}


def queue_url(region: str, queue_arn: str) -> str:
    return f"https://sqs.{region}.amazonaws.com/{ACCOUNT_ID}/{queue_arn.rsplit(':', 1)[-1]}"


class DeliveryQueue:
    """Deliveries (invocations, executions) made by the thread that drives the cloud, in order:
    an event put from a handler's thread is delivered once that handler returns."""

    def __init__(self) -> None:
        self._pending: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def enqueue(self, delivery: Callable[[], None]) -> None:
        with self._lock:
            self._pending.append(delivery)

    def deliver(self) -> bool:
        """Makes every delivery waiting now; True if there was any."""
        with self._lock:
            pending, self._pending = self._pending, []
        for delivery in pending:
            delivery()
        return bool(pending)


@dataclass
class AsyncInvoker:
    region: str
    clock: SimClock
    runtime: FunctionRuntime
    principals: Principals
    queue: DeliveryQueue

    def invoke(self, function: str, event: dict[str, Any], attempt: int = 0) -> None:
        """An asynchronous invocation: on error Lambda tries again after 1, then 2 minutes (twice
        by default; the function's EventInvokeConfig MaximumRetryAttempts says otherwise), then
        sends the event to the function's dead-letter queue."""
        _, errored = self.runtime.invoke(function, event)
        if not errored:
            return
        if attempt < self.runtime.spec(function).async_retries:
            self.clock.call_later(
                60 * (attempt + 1),
                lambda: self.queue.enqueue(lambda: self.invoke(function, event, attempt + 1)),
                label=f"retry {function}",
            )
            return
        spec = self.runtime.spec(function)
        if spec.dead_letter_arn:
            # Lambda sends it with the function's own role (SAM grants sqs:SendMessage for it).
            with iam.running_as(self.principals.for_function(spec)):
                try:
                    boto3.client("sqs", region_name=self.region).send_message(
                        QueueUrl=queue_url(self.region, spec.dead_letter_arn), MessageBody=json.dumps(event)
                    )
                except botocore.exceptions.ClientError as exc:
                    if exc.response["Error"]["Code"] not in DENIED:
                        raise
