"""Start Remediation: link-state, alarm and AWS Health events in; at most one execution per connection out."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from icp.lifecycle.start_remediation import start_remediation
from icp.observability import entry


@entry()
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> list[dict[str, Any]]:
    return start_remediation(event)
