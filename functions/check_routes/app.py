"""The scheduled route check (drift) and activation reminders."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.check_routes import check_routes
from icp.observability import entry


@entry()
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return check_routes()
