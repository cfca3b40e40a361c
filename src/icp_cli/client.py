"""The REST API client of `icp`: where the API is (an endpoint, or a CloudFormation stack's
`ApiUrl` output), SigV4 signing for `execute-api`, and API errors turned into exit codes.

The CLI is only a client of the API (api/openapi.yaml), so it behaves the same against a
deployed stack and against `icp local serve`.
"""

from __future__ import annotations

import ipaddress
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError, ProfileNotFound

# Exit codes (also in `icp --help`).
EXIT_OK = 0
EXIT_FAILED = (
    1  # an operation failed (a conflict, the API unreachable, a server error), or `watch` ended in failure
)
EXIT_USAGE = (
    2  # bad arguments, an invalid request file, or a request the API refused as invalid (400/413/415/422)
)
EXIT_NOT_FOUND = 3  # no such connection (404)
EXIT_NO_TARGET = 4  # no such stack, no ApiUrl output, no credentials, or the API refused the caller (401/403)

SERVICE = "execute-api"
DEFAULT_REGION = "us-east-1"
HTTP_TIMEOUT = 30.0
# Signs requests to a loopback endpoint when there are no credentials: the local cloud only
# checks that a SigV4 header is present. Never used for any other host.
FAKE_LOOPBACK_CREDENTIALS = Credentials("AKIDICPLOCALFAKE0000", "icp-local-fake-secret-not-a-real-key")

_STATUS_EXIT = {
    400: EXIT_USAGE,
    413: EXIT_USAGE,
    415: EXIT_USAGE,
    422: EXIT_USAGE,
    401: EXIT_NO_TARGET,
    403: EXIT_NO_TARGET,
    404: EXIT_NOT_FOUND,
}


class CliError(Exception):
    """Something the operator should read, with the exit code it ends the command with."""

    def __init__(
        self,
        message: str,
        exit_code: int = EXIT_FAILED,
        *,
        error: str | None = None,
        field: str | None = None,
        rule: str | None = None,
        status: int | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        self.error = error
        self.field = field
        self.rule = rule
        self.status = status

    def to_dict(self) -> dict[str, Any]:
        return {
            "error": self.error or type(self).__name__,
            "message": self.message,
            "field": self.field,
            "rule": self.rule,
            "status": self.status,
            "exitCode": self.exit_code,
        }


class ApiError(CliError):
    """The API answered with an error: `{"error", "message", "field", "rule"}`."""

    @classmethod
    def from_response(cls, status: int, payload: Any) -> ApiError:
        body = payload if isinstance(payload, dict) else {}
        message = str(body.get("message") or payload or f"HTTP {status}")
        if status == 403 and "error" not in body:
            message = (
                f"the API refused the caller: {message} (check the credentials and their IAM permissions)"
            )
        return cls(
            message,
            _STATUS_EXIT.get(status, EXIT_FAILED),
            error=body.get("error") or f"HTTP{status}",
            field=body.get("field"),
            rule=body.get("rule"),
            status=status,
        )


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Target:
    """Where the API is and how to sign for it."""

    base_url: str  # the stage URL (a stack's ApiUrl) or the endpoint; API paths are appended to it
    region: str
    credentials: Credentials
    described_as: str  # for messages: "http://127.0.0.1:8080" or "stack icp (us-east-1)"


def _session(region: str | None, profile: str | None) -> boto3.Session:
    try:
        return boto3.Session(profile_name=profile, region_name=region)
    except ProfileNotFound as exc:
        raise CliError(
            f"no AWS profile {profile!r}: {exc}", EXIT_NO_TARGET, error="ProfileNotFound"
        ) from None


def _credentials(session: boto3.Session) -> Credentials | None:
    try:
        found = session.get_credentials()
        if found is None:
            return None
        frozen = found.get_frozen_credentials()
    except BotoCoreError as exc:  # a profile that names an unusable source, an expired SSO token, ...
        raise CliError(f"cannot load AWS credentials: {exc}", EXIT_NO_TARGET, error="NoCredentials") from None
    if not frozen.access_key or not frozen.secret_key:
        return None
    return Credentials(frozen.access_key, frozen.secret_key, frozen.token)


def resolve_target(
    endpoint: str | None, stack: str | None, region: str | None, profile: str | None
) -> Target:
    """`--endpoint URL` (or ICP_ENDPOINT), or `--stack NAME`: the stack's `ApiUrl` output."""
    if not endpoint and not stack:
        raise CliError(
            "say where the API is: --endpoint URL (or ICP_ENDPOINT), or --stack NAME",
            EXIT_USAGE,
            error="NoTarget",
        )
    if endpoint:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CliError(
                f"--endpoint must be an http(s) URL, not {endpoint!r}", EXIT_USAGE, error="BadEndpoint"
            )
    session = _session(region, profile)
    credentials = _credentials(session)
    if endpoint:
        if credentials is None:
            if not is_loopback(endpoint):
                raise CliError(
                    f"no AWS credentials found to sign requests to {endpoint} (set AWS_PROFILE or "
                    "--profile, or the AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY variables)",
                    EXIT_NO_TARGET,
                    error="NoCredentials",
                )
            credentials = FAKE_LOOPBACK_CREDENTIALS
        return Target(
            endpoint.rstrip("/"), session.region_name or DEFAULT_REGION, credentials, endpoint.rstrip("/")
        )
    assert stack
    if not session.region_name:
        raise CliError(
            f"which Region is stack {stack!r} in? Give --region or set AWS_REGION",
            EXIT_USAGE,
            error="NoRegion",
        )
    if credentials is None:
        raise CliError(
            f"no AWS credentials found to look up stack {stack!r} (set AWS_PROFILE or --profile, or "
            "the AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY variables)",
            EXIT_NO_TARGET,
            error="NoCredentials",
        )
    where = f"stack {stack} ({session.region_name})"
    try:
        stacks = session.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
    except ClientError as exc:
        error = exc.response.get("Error", {})
        if error.get("Code") == "ValidationError":
            raise CliError(
                f"no stack {stack!r} in {session.region_name}: {error.get('Message')}",
                EXIT_NO_TARGET,
                error="StackNotFound",
            ) from None
        raise CliError(
            f"cannot describe {where}: {error.get('Code')}: {error.get('Message')}",
            EXIT_NO_TARGET,
            error=str(error.get("Code") or "ClientError"),
        ) from None
    except (NoCredentialsError, NoRegionError) as exc:
        raise CliError(f"cannot describe {where}: {exc}", EXIT_NO_TARGET, error="NoCredentials") from None
    except BotoCoreError as exc:
        raise CliError(f"cannot describe {where}: {exc}", EXIT_FAILED, error="Unreachable") from None
    outputs = {o["OutputKey"]: o["OutputValue"] for s in stacks[:1] for o in s.get("Outputs", [])}
    if "ApiUrl" not in outputs:
        raise CliError(
            f"{where} has no ApiUrl output: is it an Interconnect Control Plane stack?",
            EXIT_NO_TARGET,
            error="NoApiUrl",
        )
    return Target(outputs["ApiUrl"].rstrip("/"), session.region_name, credentials, where)


# Page sizes the CLI asks for: the most each route gives (api/openapi.yaml).
PAGE = 100
HISTORY_PAGE = 1000


class ApiClient:
    """One method per route the CLI uses; every request SigV4-signed for execute-api."""

    def __init__(self, target: Target, timeout: float = HTTP_TIMEOUT):
        self.target = target
        self.timeout = timeout
        handlers = [urllib.request.ProxyHandler({})] if is_loopback(target.base_url) else []
        self._opener = urllib.request.build_opener(*handlers)

    def url(self, path: str) -> str:
        return self.target.base_url + path

    def call(self, method: str, path: str, body: Any = None, query: dict[str, str] | None = None) -> Any:
        url = self.url(path) + (f"?{urlencode(query, quote_via=quote)}" if query else "")
        data = json.dumps(body, default=str).encode() if body is not None else None
        headers = {"Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        signed = AWSRequest(method=method, url=url, data=data, headers=headers)
        SigV4Auth(self.target.credentials, SERVICE, self.target.region).add_auth(signed)
        request = urllib.request.Request(url, data=data, method=method, headers=dict(signed.headers.items()))
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return _parse(response.read())
        except urllib.error.HTTPError as exc:
            payload = _parse(exc.read())
            raise ApiError.from_response(exc.code, payload) from None
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            raise CliError(
                f"cannot reach the API at {self.target.described_as}: {reason}",
                EXIT_FAILED,
                error="Unreachable",
            ) from None

    # -- routes -------------------------------------------------------------------------------
    def create(self, request: dict[str, Any]) -> dict[str, Any]:
        return self.call("POST", "/v1/connections", request)

    def connections(self, **filters: str) -> list[dict[str, Any]]:
        """Every connection (matching ``filters``: status, type, region), all pages followed."""
        return list(self.connection_list(filters)["connections"])

    def connection_list(
        self, filters: dict[str, str] | None = None, most: int | None = None
    ) -> dict[str, Any]:
        """``{"connections": [...], "asOf": <the control plane's time>}``: the pages of
        GET /v1/connections followed until the last, or until ``most`` connections (then
        ``nextToken`` says where the next page would start)."""
        found: list[dict[str, Any]] = []
        query = {k: v for k, v in (filters or {}).items() if v}
        while True:
            limit = PAGE if most is None else min(PAGE, most - len(found))
            page = dict(self.call("GET", "/v1/connections", query={**query, "limit": str(limit)}))
            found += page.get("connections", [])
            token = page.get("nextToken")
            if not token or (most is not None and len(found) >= most):
                listed = {"connections": found, "asOf": page.get("asOf")}
                return {**listed, "nextToken": token} if token else listed
            query["nextToken"] = token

    def history(self, connection_id: str) -> list[dict[str, Any]]:
        """A connection's whole history, oldest first: the pages of GET .../history followed."""
        entries: list[dict[str, Any]] = []
        query = {"limit": str(HISTORY_PAGE)}
        while True:
            page = self.call("GET", f"/v1/connections/{_segment(connection_id)}/history", query=query)
            entries += page.get("history", [])
            if not page.get("nextToken"):
                return entries
            query["nextToken"] = page["nextToken"]

    def connection(self, connection_id: str) -> dict[str, Any]:
        return dict(self.call("GET", f"/v1/connections/{_segment(connection_id)}"))

    def execution(self, connection_id: str) -> dict[str, Any]:
        return dict(self.call("GET", f"/v1/connections/{_segment(connection_id)}/execution"))

    def decide(self, connection_id: str, approve: bool, reason: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {"decision": "approve" if approve else "reject"}
        if reason:
            body["reason"] = reason
        return dict(self.call("POST", f"/v1/connections/{_segment(connection_id)}/approval", body))

    def retry(self, connection_id: str) -> dict[str, Any]:
        return dict(self.call("POST", f"/v1/connections/{_segment(connection_id)}/retry"))

    def resize(self, connection_id: str, bandwidth: str) -> dict[str, Any]:
        return dict(
            self.call(
                "POST", f"/v1/connections/{_segment(connection_id)}/bandwidth", {"bandwidth": bandwidth}
            )
        )

    def drill(self, connection_id: str, reason: str | None = None) -> dict[str, Any]:
        return dict(
            self.call(
                "POST",
                f"/v1/connections/{_segment(connection_id)}/drill",
                {"reason": reason} if reason else None,
            )
        )

    def decommission(self, connection_id: str) -> dict[str, Any]:
        return dict(self.call("DELETE", f"/v1/connections/{_segment(connection_id)}"))

    def account(self, region: str | None) -> dict[str, Any]:
        return dict(self.call("GET", "/v1/account", query={"region": region} if region else None))


def _segment(value: str) -> str:
    return quote(value, safe=":")


def _parse(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")
