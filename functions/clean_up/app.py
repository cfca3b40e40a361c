"""Clean Up after a failure, then record FAILED."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.clean_up import clean_up
from icp.observability import logger, metrics, tracer
from icp.tasks import CleanUpTask


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=CleanUpTask)
def lambda_handler(task: CleanUpTask, context: LambdaContext) -> dict[str, Any]:
    return clean_up(task.connectionId, task.error)
