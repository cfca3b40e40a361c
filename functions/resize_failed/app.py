"""Resize Failed: ACTIVE at the old bandwidth, with the reason."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.resize import resize_failed
from icp.observability import logger, metrics, tracer
from icp.tasks import ResizeFailedTask


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=ResizeFailedTask)
def lambda_handler(task: ResizeFailedTask, context: LambdaContext) -> dict[str, Any]:
    return resize_failed(task.connectionId, task.bandwidth, task.error)
