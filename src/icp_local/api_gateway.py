"""API Gateway in the local cloud: the REST API of template.yaml, served from its OpenAPI
body. A request is matched to a path and method of the document, checked for IAM
authorization where the document asks for it, turned into the proxy event API Gateway
sends, and handed to the function the integration names."""

from __future__ import annotations

import base64
import json as jsonlib
import re
import uuid
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from icp_local import callers
from icp_local.lambdas import FunctionRuntime
from icp_local.template import Stack


class LocalCloud(Protocol):
    """What API Gateway needs of the local cloud (``icp_local.cloud.LocalCloud`` is one)."""

    stack: Stack
    region: str
    runtime: FunctionRuntime

    def may_invoke(self, function: str, service: str, source_arn: str) -> bool: ...


_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


@dataclass(frozen=True)
class Route:
    template: str  # /v1/connections/{connectionId}
    method: str
    pattern: re.Pattern[str]
    function_arn: str
    iam: bool
    api_id: str = ""


def routes(cloud: LocalCloud) -> list[Route]:
    found = []
    for api in cloud.stack.apis.values():
        for template, item in api.body.get("paths", {}).items():
            regex = "^" + re.sub(r"\\{([^}+]+)\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$"
            for method, operation in item.items():
                if method not in _METHODS:
                    continue
                uri = operation["x-amazon-apigateway-integration"]["uri"]
                function_arn = uri.split("/functions/", 1)[1].rsplit("/invocations", 1)[0]
                iam = any("sigv4" in requirement for requirement in operation.get("security", []))
                found.append(
                    Route(
                        template,
                        method.upper(),
                        re.compile(regex),
                        function_arn,
                        iam,
                        cloud.stack.physical.get(api.logical_id, api.logical_id),
                    )
                )
    return found


def call_api(cloud: LocalCloud, method: str, path: str, **request: Any) -> tuple[int, Any]:
    """``call_api_with_headers`` without the response's headers (``LocalCloud.api``)."""
    status, _, payload = call_api_with_headers(cloud, method, path, **request)
    return status, payload


def call_api_with_headers(
    cloud: LocalCloud,
    method: str,
    path: str,
    *,
    json_body: Any = None,
    headers: dict[str, str] | None,
    body: str | bytes | None,
    signed: bool,
) -> tuple[int, dict[str, str], Any]:
    headers = dict(headers or {})
    split = urlsplit(path)
    if json_body is not None:
        body = jsonlib.dumps(json_body)
        headers.setdefault("Content-Type", "application/json")
    matches = [(r, m) for r in routes(cloud) if (m := r.pattern.match(split.path))]
    if not matches:
        return (
            404,
            {},
            {
                "error": "NotFound",
                "message": f"no resource {split.path}",
                "field": "path",
                "rule": "known-route",
            },
        )
    chosen = next(((r, m) for r, m in matches if r.method == method.upper()), None)
    if chosen is None:
        # (API Gateway itself answers 403 "Missing Authentication Token" here; 405 tells more.)
        allowed = ", ".join(sorted(r.method for r, _ in matches))
        return (
            405,
            {"Allow": allowed},
            {
                "error": "MethodNotAllowed",
                "message": f"{method.upper()} is not allowed on {matches[0][0].template}",
                "field": "method",
                "rule": "allowed-method",
            },
        )
    route, match = chosen
    authorization = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    if route.iam and not signed and not authorization.startswith("AWS4-HMAC-SHA256 "):
        # What API Gateway answers an unsigned request to an IAM-authorized route.
        return 403, {}, {"message": "Missing Authentication Token"}
    raw = body.encode() if isinstance(body, str) else body
    is_binary = raw is not None and not _is_text(raw)
    query = dict(parse_qs(split.query, keep_blank_values=True))  # API Gateway passes `?a=` as ""
    event = {
        "resource": route.template,
        "path": split.path,
        "httpMethod": route.method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": match.groupdict() or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": route.template,
            "httpMethod": route.method,
            "path": f"/api{split.path}",
            "stage": "api",
            "requestId": str(uuid.uuid4()),
            "accountId": "123456789012",
            "identity": {"sourceIp": "127.0.0.1", "userArn": _signer(authorization) if route.iam else None},
        },
        "body": (base64.b64encode(raw).decode() if is_binary else raw.decode()) if raw is not None else None,
        "isBase64Encoded": is_binary,
    }
    source_arn = (
        f"arn:aws:execute-api:{cloud.region}:123456789012:{route.api_id}/api/{route.method}{route.template}"
    )
    if not cloud.may_invoke(route.function_arn, "apigateway.amazonaws.com", source_arn):
        # What API Gateway answers when the function's resource policy does not let it invoke.
        return 500, {}, {"message": "Internal server error"}
    result, errored = cloud.runtime.invoke(route.function_arn, event)
    if errored:
        # API Gateway's answer when the integration itself fails.
        return 502, {}, {"message": "Internal server error"}
    text = result.get("body") or ""
    if result.get("isBase64Encoded"):
        text = base64.b64decode(text).decode()
    try:
        payload = jsonlib.loads(text) if text else None
    except ValueError:
        payload = text
    return int(result.get("statusCode", 200)), dict(result.get("headers") or {}), payload


def _signer(authorization: str) -> str:
    """Who API Gateway authenticated: the signer of the SigV4 header, else (``cloud.api`` called
    in-process) whoever runs now (``cloud.as_principal``, or the operator)."""
    return callers.from_authorization(authorization) if authorization else callers.identity()


def _is_text(raw: bytes) -> bool:
    try:
        raw.decode()
    except UnicodeDecodeError:
        return False
    return True
