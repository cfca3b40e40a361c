"""Which stack an `icp` command talks to: the target options every API command takes, and the
API client they resolve to on first use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from icp_cli.client import EXIT_USAGE, ApiClient, CliError, resolve_target

OUTPUTS = click.Choice(["table", "json"])


def target_options(command: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option(
            "--endpoint",
            envvar="ICP_ENDPOINT",
            metavar="URL",
            help="The API's base URL (env ICP_ENDPOINT), e.g. from `icp local serve`.",
        ),
        click.option("--stack", metavar="NAME", help="A deployed stack: its ApiUrl output is the API."),
        click.option("--region", metavar="REGION", help="AWS Region of the stack (and of `doctor`)."),
        click.option("--profile", metavar="PROFILE", help="AWS profile for credentials."),
        click.option(
            "--output", "-o", type=OUTPUTS, default="table", show_default=True, help="Output format."
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


class Api:
    """Resolves the target when a command first needs the API (so `request --dry-run` needs none)."""

    def __init__(
        self,
        ctx: click.Context,
        endpoint: str | None,
        stack: str | None,
        region: str | None,
        profile: str | None,
    ):
        if endpoint and stack:
            source = ctx.get_parameter_source("endpoint")
            if source == click.core.ParameterSource.ENVIRONMENT:
                endpoint = None  # an explicit --stack wins over ICP_ENDPOINT
            else:
                raise CliError("give --endpoint or --stack, not both", EXIT_USAGE, error="UsageError")
        self.region = region
        self._args = (endpoint, stack, region, profile)
        self._client: ApiClient | None = None

    @property
    def client(self) -> ApiClient:
        if self._client is None:
            self._client = ApiClient(resolve_target(*self._args))
        return self._client
