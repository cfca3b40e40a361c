"""A function's cold start loads only what its step uses (README, "Cold starts"): importing the
API function or Validate Request, laid out as Lambda runs them with tracing on, loads neither
the Google client libraries nor gRPC, nor X-Ray's recorder (loaded with the first segment), nor
requests (which only the Google clients use). Structural, not timed: benchmarks/cold_start.py
times it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOADED_ONLY_WHEN_USED = ("google", "grpc", "aws_xray_sdk.core", "requests")
# Lists the loaded modules that are, or are inside, one of the packages above.
_SNIPPET = (
    "import json, sys; import app; "
    f"print(json.dumps(sorted(m for m in sys.modules if m.startswith({LOADED_ONLY_WHEN_USED!r}))))"
)


def modules_loaded_by_import_app(function: str) -> list[str]:
    folder = ROOT / "functions" / function
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": f"{ROOT / 'layers' / 'core'}{os.pathsep}{folder}",
        # LAMBDA_TASK_ROOT turns Powertools' Tracer on, as `Tracing: Active` does in AWS.
        "LAMBDA_TASK_ROOT": str(folder),
        "AWS_LAMBDA_FUNCTION_NAME": f"icp-{function}",
        "AWS_REGION": "us-east-1",
    }
    done = subprocess.run(
        [sys.executable, "-c", _SNIPPET], cwd=folder, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    loaded: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


@pytest.mark.parametrize("function", ["api", "validate_request"])
def test_importing_the_function_loads_no_google_grpc_xray_recorder_or_requests(function):
    assert modules_loaded_by_import_app(function) == []


_FIRST_SEGMENT = """
import json, sys, http.client, botocore.client
from icp.observability import tracer

@tracer.capture_lambda_handler
def handler(event, context):
    return {"ok": True}

from aws_xray_sdk.core import xray_recorder
sent = []
xray_recorder.emitter.send_entity = lambda entity: sent.append(entity.to_dict())
handler({}, None)
print(json.dumps({
    "subsegments": [(s["name"], s.get("annotations", {})) for s in sent],
    "botocore_patched": type(botocore.client.BaseClient._make_api_call).__name__,
    "httplib_patched": type(http.client.HTTPConnection._send_request).__name__,
    "requests_loaded": "requests" in sys.modules,
}))
"""


def test_the_first_segment_loads_xray_and_patches_botocore_and_http_client_only():
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT / "layers" / "core"),
        "LAMBDA_TASK_ROOT": str(ROOT / "functions" / "api"),
        "AWS_LAMBDA_FUNCTION_NAME": "icp-api",
        "AWS_REGION": "us-east-1",
        "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
    }
    done = subprocess.run(
        [sys.executable, "-c", _FIRST_SEGMENT], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["subsegments"] == [
        ["## handler", {"ColdStart": True, "Service": "interconnect-control-plane"}]
    ]
    assert seen["botocore_patched"] == seen["httplib_patched"] == "BoundFunctionWrapper"
    assert seen["requests_loaded"] is False
