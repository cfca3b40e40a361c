"""Small corrections to moto 5.2.5 (pinned in pyproject.toml) that the local cloud needs.

- SearchTransitGatewayRoutes drops a route's attachment: moto keeps it as a dict where its
  serializer expects a list. Routes are stored with a one-item list instead.
- ReplaceTransitGatewayRoute is not implemented: it is create-over-existing here.
- SendTaskFailure drops the ``cause`` (the execution then fails with no reason); it is passed on.
"""

from __future__ import annotations

from typing import Any

_saved: dict[str, Any] = {}


def install() -> None:
    from moto.ec2.models import transit_gateway_route_tables as tables
    from moto.ec2.responses import transit_gateway_route_tables as responses

    if _saved:
        return
    backend = tables.TransitGatewayRouteTableBackend
    _saved["create"] = backend.create_transit_gateway_route

    def create_transit_gateway_route(self: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        route = _saved["create"](self, *args, **kwargs)
        attachment = route.get("transitGatewayAttachments")
        if isinstance(attachment, dict):
            route["transitGatewayAttachments"] = [attachment]
        return route

    def replace_transit_gateway_route(self: Any) -> Any:
        return self.create_transit_gateway_route()

    backend.create_transit_gateway_route = create_transit_gateway_route

    from moto.stepfunctions import responses as sfn_responses

    def send_task_failure(self: Any) -> Any:
        from moto.core.responses import EmptyResult

        self.stepfunction_backend.send_task_failure(
            self._get_param("taskToken"), error=self._get_param("error"), cause=self._get_param("cause")
        )
        return EmptyResult()

    sfn_responses.StepFunctionResponse.send_task_failure = send_task_failure
    _saved["replace"] = getattr(responses.TransitGatewayRouteTable, "replace_transit_gateway_route", None)
    # moto 5.2.5 has no such method: added (mypy knows the class without it).
    responses.TransitGatewayRouteTable.replace_transit_gateway_route = replace_transit_gateway_route  # type: ignore[attr-defined]
