"""Notify ServiceNow of a status change (EventBridge rule, asynchronous invoke).

ServiceNowUnavailable propagates: the invoke fails, Lambda retries it, then it lands in the
dead-letter queue. The lifecycle never waits on it."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.notify_servicenow import notify_servicenow
from icp.observability import entry


@entry()
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return notify_servicenow(event["detail"])
