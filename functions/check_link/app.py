"""Check Link after the grace period: down, flapping, or under maintenance."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.remediate import check_link
from icp.observability import logger, metrics, tracer
from icp.tasks import ConnectionTask


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=ConnectionTask)
def lambda_handler(task: ConnectionTask, context: LambdaContext) -> dict[str, Any]:
    return check_link(task.connectionId)
