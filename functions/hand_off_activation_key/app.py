"""Hand Off Activation Key: to Google Cloud or the last-mile partner."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.hand_off_activation_key import hand_off_activation_key
from icp.task_handler import task_handler
from icp.tasks import ConnectionTask


@task_handler(ConnectionTask)
def lambda_handler(task: ConnectionTask, context: LambdaContext) -> dict[str, Any]:
    return hand_off_activation_key(task.connectionId)
