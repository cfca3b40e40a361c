"""The e2e suite's setup: the networks its flows aim their requests at, and the readings of the
evidence each flow runs under.

Each e2e test runs twice, once with the emulators playing the default readings and once the
"hostile" ones (docs/conformance.md, "Variants"): the product must reach the same outcomes under
both. A test that sets its own readings (``LocalCloud(variants=...)``) is marked
``own_readings`` and runs once; one whose subject does not depend on what AWS answers (request
validation, paging, the OpenAPI contract, a record's size, who may request or approve, the roles'
tag conditions and least privilege, which the suite's IAM ledger checks in every cloud of the
run) is marked ``default_reading`` and runs under the default only. With ``ICP_LOCAL_VARIANTS`` set, every test runs once, under it.
"""

from __future__ import annotations

import os

import pytest

from icp_local.scenario import Network, transit_gateway_network, virtual_private_gateway_network
from icp_local.variants import ENVIRONMENT_VARIABLE

READINGS = ("default", "hostile")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if os.environ.get(ENVIRONMENT_VARIABLE) or metafunc.definition.get_closest_marker("own_readings"):
        return
    if metafunc.definition.get_closest_marker("default_reading"):
        metafunc.parametrize("reading", READINGS[:1], indirect=True)
        return
    metafunc.parametrize("reading", READINGS, indirect=True)


@pytest.fixture(autouse=True)
def reading(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str | None:
    """The preset every LocalCloud of the test plays unless it names its own (icp_local.variants)."""
    preset = getattr(request, "param", None)
    if preset is not None:
        monkeypatch.setenv(ENVIRONMENT_VARIABLE, preset)
    return preset


@pytest.fixture
def tgw() -> Network:
    """A transit gateway with a route table (and a VPN attachment as the backup path)."""
    return transit_gateway_network()


@pytest.fixture
def vgw() -> Network:
    """A VPC route table toward a virtual private gateway."""
    return virtual_private_gateway_network()
