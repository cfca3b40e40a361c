"""Fixtures for integration tests: moto, the simulated clock, and the in-process emulators.

Credentials are fake and set for every test here, so nothing can reach real AWS.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from icp_local.clock import SimClock
from icp_local.emulators.directconnect import DirectConnectEmulator
from icp_local.emulators.interconnect import InterconnectEmulator

REGION = "us-east-1"


@pytest.fixture(autouse=True)
def fake_aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)


@pytest.fixture
def clock() -> SimClock:
    return SimClock()


@pytest.fixture
def moto_aws() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def directconnect_emulator(moto_aws: None, clock: SimClock) -> Iterator[DirectConnectEmulator]:
    emulator = DirectConnectEmulator(clock)
    with emulator:
        yield emulator


@pytest.fixture
def interconnect_emulator(
    directconnect_emulator: DirectConnectEmulator, clock: SimClock
) -> Iterator[InterconnectEmulator]:
    emulator = InterconnectEmulator(clock, directconnect_emulator)
    with emulator:
        yield emulator


@pytest.fixture
def directconnect(directconnect_emulator: DirectConnectEmulator) -> Any:
    return boto3.session.Session().client("directconnect", region_name=REGION)


@pytest.fixture
def interconnect(interconnect_emulator: InterconnectEmulator) -> Any:
    return boto3.session.Session().client("interconnect", region_name=REGION)


@pytest.fixture
def gateway_id(directconnect: Any) -> str:
    """A Direct Connect gateway to attach connections to."""
    created = directconnect.create_direct_connect_gateway(
        directConnectGatewayName="icp-test", amazonSideAsn=64512
    )
    return str(created["directConnectGateway"]["directConnectGatewayId"])
