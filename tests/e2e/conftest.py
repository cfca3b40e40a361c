"""Networks the e2e flows aim their requests at, made in the running local cloud's moto."""

from __future__ import annotations

import pytest

from icp_local.scenario import Network, transit_gateway_network, virtual_private_gateway_network


@pytest.fixture
def tgw() -> Network:
    """A transit gateway with a route table (and a VPN attachment as the backup path)."""
    return transit_gateway_network()


@pytest.fixture
def vgw() -> Network:
    """A VPC route table toward a virtual private gateway."""
    return virtual_private_gateway_network()
