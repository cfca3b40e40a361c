"""Open Incident in ServiceNow, once per degradation."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.remediate import open_incident
from icp.task_handler import task_handler
from icp.tasks import OpenIncidentTask


@task_handler(OpenIncidentTask)
def lambda_handler(task: OpenIncidentTask, context: LambdaContext) -> dict[str, Any]:
    return open_incident(task.connectionId, task.reason, task.action)
