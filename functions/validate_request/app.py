"""Validate Request: create the record and run every check."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.validate_request import validate_request
from icp.observability import logger, metrics, tracer
from icp.tasks import ValidateRequestTask


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=ValidateRequestTask)
def lambda_handler(task: ValidateRequestTask, context: LambdaContext) -> dict[str, Any]:
    return validate_request(task.request, task.executionArn, retry=task.retry, requested_by=task.requested_by)
