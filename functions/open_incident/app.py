"""Open Incident in ServiceNow, once per degradation."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.remediate import open_incident
from icp.observability import logger, metrics, tracer
from icp.tasks import OpenIncidentTask


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=OpenIncidentTask)
def lambda_handler(task: OpenIncidentTask, context: LambdaContext) -> dict[str, Any]:
    return open_incident(task.connectionId, task.reason, task.action)
