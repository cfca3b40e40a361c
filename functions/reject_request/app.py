"""Reject Request: an approver said no (or the approval window passed); nothing was created."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.approval import reject_request
from icp.observability import logger, metrics, tracer
from icp.tasks import CleanUpTask


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=CleanUpTask)
def lambda_handler(task: CleanUpTask, context: LambdaContext) -> dict[str, Any]:
    return reject_request(task.connectionId, task.error)
