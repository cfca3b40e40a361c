"""How the local cloud's IAM refuses a call (icp_local.iam): the record of a refusal, and the
answer botocore gets, in the code and HTTP status each service uses (docs/iam.md)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders


@dataclass(frozen=True)
class Denial:
    principal: str  # logical id
    caller_arn: str
    action: str
    resource: str
    code: str
    message: str


# What each service answers a refused call with (code, HTTP status), where it is not
# AccessDeniedException. EC2 has its own code; the query-protocol services say AccessDenied.
ERROR_CODES = {
    "ec2": ("UnauthorizedOperation", 403),
    "sqs": ("AccessDenied", 403),
    "sts": ("AccessDenied", 403),
    "iam": ("AccessDenied", 403),
    "cloudwatch": ("AccessDenied", 403),
}


def error_response(model: Any, denial: Denial) -> tuple[AWSResponse, dict[str, Any]]:
    service_model = model.service_model
    status = ERROR_CODES.get(denial.action.split(":")[0], ("AccessDeniedException", 400))[1]
    if denial.code in service_model.shape_names:
        status = int(
            service_model.shape_for(denial.code).metadata.get("error", {}).get("httpStatusCode", status)
        )
    request_id = str(uuid.uuid4())
    headers = {"x-amzn-requestid": request_id}
    parsed: dict[str, Any] = {
        "Error": {"Code": denial.code, "Message": denial.message},
        "ResponseMetadata": {
            "RequestId": request_id,
            "HTTPStatusCode": status,
            "HTTPHeaders": headers,
            "RetryAttempts": 0,
        },
    }
    if denial.code in service_model.shape_names:
        parsed["message"] = denial.message  # a modeled error's member, as botocore's parser adds it
    return AWSResponse(
        f"https://{service_model.endpoint_prefix}.iam.local",
        status,
        HTTPHeaders.from_dict(headers),
        _EmptyBody(),
    ), parsed


class _EmptyBody:
    def stream(self, **_: Any) -> Iterator[bytes]:
        return iter(())
