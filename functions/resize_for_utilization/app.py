"""Resize For Utilization: start the resize workflow to the next bandwidth."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.remediate import resize_for_utilization
from icp.observability import logger, metrics, tracer
from icp.tasks import BandwidthTask


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=BandwidthTask)
def lambda_handler(task: BandwidthTask, context: LambdaContext) -> dict[str, Any]:
    return resize_for_utilization(task.connectionId, task.bandwidth)
