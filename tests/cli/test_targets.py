"""Where `icp` finds the API, how it signs, its exit codes, and the `local` commands."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
from cli_support import free_port, icp
from moto import mock_aws

from icp_cli.main import main


class _Recorder(BaseHTTPRequestHandler):
    """A stand-in API on loopback: records each request and answers an empty list."""

    seen: list[dict[str, Any]]

    def do_GET(self) -> None:
        self.seen.append({"path": self.path, "headers": dict(self.headers.items())})
        body = json.dumps({"connections": []}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def stub_api() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    seen: list[dict[str, Any]] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (_Recorder,), {"seen": seen}))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ROLE_ARN",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDOPERATOR")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "operator-secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")


def test_help_documents_the_target_and_every_exit_code():
    result = icp("--help")

    assert result.exit_code == 0
    for text in (
        "--endpoint URL (or ICP_ENDPOINT)",
        "--stack NAME [--region R] [--profile P]",
        "Exit codes:",
        "0  ok",
        "1  an operation failed",
        "2  usage error",
        "3  not found",
        "4  no stack found",
    ):
        assert text in result.stdout, text
    for command in (
        "request",
        "list",
        "show",
        "watch",
        "approve",
        "reject",
        "retry",
        "resize",
        "decommission",
        "doctor",
        "local",
    ):
        assert f"  {command} " in result.stdout, command


def test_every_request_is_signed_with_sigv4_for_execute_api(fake_credentials: None, stub_api):
    url, seen = stub_api

    result = icp("list", "--endpoint", url, "--output", "json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"connections": []}
    authorization = seen[0]["headers"]["Authorization"]
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=AKIDOPERATOR/")
    assert "/eu-west-1/execute-api/aws4_request" in authorization
    assert "SignedHeaders=" in authorization and "host" in authorization and "x-amz-date" in authorization
    assert "X-Amz-Date" in seen[0]["headers"]


def test_the_endpoint_can_come_from_icp_endpoint(fake_credentials: None, stub_api, monkeypatch):
    url, seen = stub_api
    monkeypatch.setenv("ICP_ENDPOINT", url)

    result = icp("list")

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "No connections."
    assert seen[0]["path"] == "/v1/connections?limit=100"  # icp list reads the first page


def test_without_credentials_a_loopback_endpoint_is_signed_with_a_fake_pair(no_credentials: None, stub_api):
    url, seen = stub_api

    result = icp("list", "--endpoint", url)

    assert result.exit_code == 0, result.output
    assert seen[0]["headers"]["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDICPLOCALFAKE0000/")


def test_without_credentials_a_remote_endpoint_is_refused_before_any_request(no_credentials: None):
    result = icp("list", "--endpoint", "https://abc123.execute-api.us-east-1.amazonaws.com/v1")

    assert result.exit_code == 4
    assert "no AWS credentials found to sign requests to https://abc123.execute-api" in result.stderr


def test_an_endpoint_nothing_listens_on_fails_with_a_clear_message(fake_credentials: None):
    url = f"http://127.0.0.1:{free_port()}"

    result = icp("show", "icc-00000000000000000000", "--endpoint", url)
    as_json = icp("show", "icc-00000000000000000000", "--endpoint", url, "--output", "json")

    assert result.exit_code == 1
    assert f"error: cannot reach the API at {url}: " in result.stderr and "refused" in result.stderr.lower()
    assert as_json.exit_code == 1 and json.loads(as_json.stdout)["error"] == "Unreachable"


def test_a_stack_that_does_not_exist_is_exit_4(fake_credentials: None):
    with mock_aws():
        result = icp("list", "--stack", "no-such-stack", "--region", "us-east-1")

    assert result.exit_code == 4
    assert (
        "error: no stack 'no-such-stack' in us-east-1: Stack with id no-such-stack does not exist"
        in result.stderr
    )


def test_a_stack_without_an_api_url_output_is_exit_4(fake_credentials: None):
    with mock_aws():
        _stack("not-icp", outputs={"Other": "x"})
        result = icp("list", "--stack", "not-icp", "--region", "us-east-1")

    assert result.exit_code == 4
    assert "stack not-icp (us-east-1) has no ApiUrl output" in result.stderr


def test_a_stack_is_found_by_its_api_url_output_and_requests_go_to_its_stage(
    fake_credentials: None, stub_api
):
    url, seen = stub_api
    with mock_aws():
        _stack("icp-prod", outputs={"ApiUrl": f"{url}/v1"})
        result = icp("list", "--stack", "icp-prod", "--region", "us-east-1", "--output", "json")

    assert result.exit_code == 0, result.output
    assert seen[0]["path"] == "/v1/v1/connections?limit=100"  # the stage (v1), then the API's own /v1 paths
    assert "/us-east-1/execute-api/aws4_request" in seen[0]["headers"]["Authorization"]


def test_a_stack_without_credentials_is_exit_4(no_credentials: None):
    result = icp("list", "--stack", "icp", "--region", "us-east-1")

    assert result.exit_code == 4
    assert "no AWS credentials found to look up stack 'icp'" in result.stderr


def test_an_unknown_profile_is_exit_4(no_credentials: None):
    result = icp("list", "--stack", "icp", "--region", "us-east-1", "--profile", "nobody")

    assert result.exit_code == 4
    assert "no AWS profile 'nobody'" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("list",), "say where the API is: --endpoint URL (or ICP_ENDPOINT), or --stack NAME"),
        (
            ("list", "--endpoint", "http://127.0.0.1:1", "--stack", "icp"),
            "give --endpoint or --stack, not both",
        ),
        (("list", "--endpoint", "127.0.0.1:8080"), "--endpoint must be an http(s) URL"),
        (("list", "--stack", "icp"), "which Region is stack 'icp' in?"),
        (("list", "--output", "yaml"), "Invalid value for '--output'"),
    ],
    ids=["no target", "two targets", "not a URL", "stack without a region", "unknown output"],
)
def test_usage_errors_are_exit_2(fake_credentials: None, monkeypatch, args: tuple[str, ...], message: str):
    monkeypatch.delenv("ICP_ENDPOINT", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)

    result = icp(*args)

    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_main_takes_argv_and_returns_the_exit_code(capsys: pytest.CaptureFixture[str], monkeypatch):
    monkeypatch.delenv("ICP_ENDPOINT", raising=False)
    assert main(["--help"]) == 0
    assert main(["list"]) == 2
    assert main(["no-such-command"]) == 2
    assert "No such command 'no-such-command'" in capsys.readouterr().err


def test_local_serve_and_demo_still_run_the_local_cloud(monkeypatch: pytest.MonkeyPatch):
    calls: list[tuple[str, Any]] = []
    monkeypatch.setattr(
        "icp_local.serve.serve", lambda port, scenario=None: calls.append(("serve", port)) or 0
    )
    monkeypatch.setattr("icp_local.demo.run", lambda operator: calls.append(("demo", operator)) or 3)

    assert main(["local", "serve", "--port", "9099"]) == 0
    assert main(["local", "serve"]) == 0
    assert main(["local", "demo"]) == 3  # the demo's own exit code is passed on
    assert calls == [("serve", 9099), ("serve", 8080), ("demo", main)]  # the demo runs icp as the CLI


def _stack(name: str, outputs: dict[str, str]) -> None:
    template = {
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": f"{name}-q"}}},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    boto3.client("cloudformation", region_name="us-east-1").create_stack(
        StackName=name, TemplateBody=json.dumps(template)
    )
