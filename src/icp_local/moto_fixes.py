"""Small corrections to moto 5.2.5 (pinned in pyproject.toml) that the local cloud needs.

- SearchTransitGatewayRoutes drops a route's attachment: moto keeps it as a dict where its
  serializer expects a list. Routes are stored with a one-item list instead.
- ReplaceTransitGatewayRoute is not implemented: it is create-over-existing here.
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
    _saved["replace"] = getattr(responses.TransitGatewayRouteTable, "replace_transit_gateway_route", None)
    responses.TransitGatewayRouteTable.replace_transit_gateway_route = replace_transit_gateway_route
