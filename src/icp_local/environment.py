"""The process environment a local cloud runs in (README, "The local cloud"): fake AWS
credentials and the Region, Powertools switched to local use, and the core's caches emptied, all
put back as they were when the cloud stops."""

from __future__ import annotations

import logging
import os
import warnings

from icp.aws import clients
from icp.partners import registry


def local_variables(region: str) -> dict[str, str]:
    """What every local cloud sets: credentials moto accepts, the Region, Powertools off-Lambda."""
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_DEV": "false",
        # moto loads some hundred sample AMIs into every EC2 backend it makes; nothing here runs instances.
        "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
    }


class ProcessEnvironment:
    """``os.environ`` changes that :meth:`restore` undoes, each variable to its first saved value."""

    def __init__(self) -> None:
        self._saved: dict[str, str | None] = {}

    def set(self, values: dict[str, str]) -> None:
        for key, value in values.items():
            self._saved.setdefault(key, os.environ.get(key))
            os.environ[key] = value

    def restore(self) -> None:
        for key, value in self._saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def quiet_local_noise() -> None:
    """Noise for a local run: samtranslator's feature-toggle notice, Powertools' empty metrics."""
    logging.getLogger("samtranslator").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message="No application metrics to publish")


def reset_core_caches() -> None:
    """What the core keeps that is one cloud's only: the spoke role's sessions (moto's STS forgets
    them) and the partners' sides (they name the emulators' ports). Its clients and the store's
    models are icp_local.process_caches' business."""
    clients.spoke_session.cache_clear()
    registry.remote_side_for.cache_clear()
