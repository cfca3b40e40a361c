"""Remediation Failed: escalate and release the lease."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.remediate import remediation_failed
from icp.observability import logger, metrics, tracer
from icp.tasks import RemediationFailedTask


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=RemediationFailedTask)
def lambda_handler(task: RemediationFailedTask, context: LambdaContext) -> dict[str, Any]:
    return remediation_failed(task.connectionId, task.action, task.error)
