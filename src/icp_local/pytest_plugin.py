"""pytest plugin (registered through the ``pytest11`` entry point): the ``local_cloud`` fixture."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from icp_local.cloud import LocalCloud


@pytest.fixture
def local_cloud() -> Iterator[LocalCloud]:
    """A fresh local cloud per test, running this project's template.yaml."""
    with LocalCloud() as cloud:
        yield cloud
