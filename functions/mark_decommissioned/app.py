"""Mark Decommissioned, after removing the gateway this control plane created."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.decommission import mark_decommissioned
from icp.task_handler import task_handler
from icp.tasks import ConnectionTask


@task_handler(ConnectionTask)
def lambda_handler(task: ConnectionTask, context: LambdaContext) -> dict[str, Any]:
    return mark_decommissioned(task.connectionId)
