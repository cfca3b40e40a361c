"""Update Bandwidth at AWS Interconnect."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.resize import update_bandwidth
from icp.observability import logger, metrics, tracer
from icp.tasks import BandwidthTask


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=BandwidthTask)
def lambda_handler(task: BandwidthTask, context: LambdaContext) -> dict[str, Any]:
    return update_bandwidth(task.connectionId, task.bandwidth)
