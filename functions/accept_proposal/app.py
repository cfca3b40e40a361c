"""Accept Proposal: accept the partner's activation key instead of creating the connection."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.proposals import accept_proposal
from icp.task_handler import task_handler
from icp.tasks import ConnectionTask


@task_handler(ConnectionTask)
def lambda_handler(task: ConnectionTask, context: LambdaContext) -> dict[str, Any]:
    return accept_proposal(task.connectionId)
