"""Keep a waiting execution's task token on the record (waitForTaskToken steps)."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.wait_for_connection import wait_for_connection
from icp.observability import logger, metrics, tracer
from icp.tasks import WaitTask


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=WaitTask)
def lambda_handler(task: WaitTask, context: LambdaContext) -> dict[str, Any]:
    return wait_for_connection(task.connectionId, task.waitFor, task.taskToken, task.status, task.reason)
