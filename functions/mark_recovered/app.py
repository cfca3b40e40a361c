"""Mark Recovered: DEGRADED back to ACTIVE."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.remediate import mark_recovered
from icp.observability import logger, metrics, tracer
from icp.tasks import MarkRecoveredTask


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=MarkRecoveredTask)
def lambda_handler(task: MarkRecoveredTask, context: LambdaContext) -> dict[str, Any]:
    return mark_recovered(task.connectionId, action=task.action)
