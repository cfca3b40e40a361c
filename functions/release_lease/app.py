"""Release Lease and publish Remediation Completed."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.remediate import release_lease
from icp.observability import logger, metrics, tracer
from icp.tasks import ReleaseLeaseTask


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=ReleaseLeaseTask)
def lambda_handler(task: ReleaseLeaseTask, context: LambdaContext) -> dict[str, Any]:
    return release_lease(task.connectionId, task.action, task.outcome)
