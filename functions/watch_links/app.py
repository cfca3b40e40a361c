"""The link-state watcher, run on a schedule: one sweep over every connection."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.watch_links import sweep
from icp.observability import entry


@entry()
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return sweep(event.get("time"))
