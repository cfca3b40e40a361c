"""Fail Over: routes to the remote CIDRs onto the backup path."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.remediate import fail_over
from icp.observability import logger, metrics, tracer
from icp.tasks import FailOverTask


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=FailOverTask)
def lambda_handler(task: FailOverTask, context: LambdaContext) -> dict[str, Any]:
    return fail_over(task.connectionId, task.reason, task.action)
