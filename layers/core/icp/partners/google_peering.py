"""The VPC peering half of the Google Cloud adapter (icp.partners.google_cloud): the customer's
network peered with the transport's, custom routes imported and exported, the routes it has
learned read back, and Compute Engine's operations waited for.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from icp import clock
from icp.errors import RemoteSideError
from icp.partners.google_calls import BACKOFF, OPERATION_TIMEOUT, google_call, not_found
from icp.partners.google_clients import GoogleClients
from icp.partners.google_naming import Target, network_path

logger = logging.getLogger(__name__)


class VpcPeering:
    """Mixed into ``GoogleCloudSide``: the Compute Engine calls it makes."""

    _clients: Callable[[], GoogleClients]

    def _network(self, target: Target) -> Any:
        networks = self._clients().networks
        return google_call(
            f"get network {target.network}",
            lambda: networks.get(project=target.project, network=target.network_name, retry=None),
        )

    def _find_peering(self, target: Target, peer_network: str) -> Any:
        peer = network_path(peer_network)
        for peering in self._network(target).peerings:
            if network_path(peering.network) == peer:
                return peering
        return None

    def _find_peering_named(self, target: Target, name: str) -> Any:
        return next((p for p in self._network(target).peerings if p.name == name), None)

    def _ensure_peering(self, target: Target, peer_network: str) -> None:
        from google.cloud import compute_v1

        peering = self._find_peering(target, peer_network)
        networks = self._clients().networks
        if peering is None:
            resource = compute_v1.NetworksAddPeeringRequest(
                network_peering=compute_v1.NetworkPeering(
                    name=target.peering_name,
                    network=peer_network,
                    exchange_subnet_routes=True,
                    import_custom_routes=True,
                    export_custom_routes=True,
                )
            )
            self._change_peering(
                target,
                f"add peering {target.peering_name} to {target.network}",
                functools.partial(networks.add_peering_unary, networks_add_peering_request_resource=resource),
            )
            logger.info("peered %s with the network of transport %s", target.network, target.transport_name)
        elif not (peering.import_custom_routes and peering.export_custom_routes):
            update = compute_v1.NetworksUpdatePeeringRequest(
                network_peering=compute_v1.NetworkPeering(
                    name=peering.name, import_custom_routes=True, export_custom_routes=True
                )
            )
            self._change_peering(
                target,
                f"update peering {peering.name} of {target.network}",
                functools.partial(
                    networks.update_peering_unary, networks_update_peering_request_resource=update
                ),
            )

    def _change_peering(self, target: Target, what: str, change: Callable[..., Any]) -> None:
        """One change to the peerings of the customer's network (add, update), waited for."""
        operation = google_call(
            what, lambda: change(project=target.project, network=target.network_name, retry=None)
        )
        self._wait_compute(what, target, operation)

    def _remove_peering(self, target: Target, name: str) -> None:
        from google.cloud import compute_v1

        networks = self._clients().networks
        resource = compute_v1.NetworksRemovePeeringRequest(name=name)
        what = f"remove peering {name} from {target.network}"
        operation = google_call(
            what,
            not_found(
                lambda: networks.remove_peering_unary(
                    project=target.project,
                    network=target.network_name,
                    networks_remove_peering_request_resource=resource,
                    retry=None,
                )
            ),
        )
        if operation is not None:
            self._wait_compute(what, target, operation)

    def _imported_routes(self, target: Target, peering_name: str) -> list[str]:
        from google.cloud import compute_v1

        networks = self._clients().networks
        request = compute_v1.ListPeeringRoutesNetworksRequest(
            project=target.project,
            network=target.network_name,
            peering_name=peering_name,
            direction="INCOMING",
            region=target.region,
        )
        routes = google_call(
            f"list routes of peering {peering_name}",
            lambda: list(networks.list_peering_routes(request=request, retry=None)),
        )
        return [route.dest_range for route in routes if route.imported]

    def _wait_compute(self, what: str, target: Target, operation: Any) -> None:
        """Wait for a Compute Engine global operation. Polled through our own
        GlobalOperationsClient: the one the library builds for ``.result()`` ignores the
        configured endpoint."""
        from google.cloud import compute_v1

        done = compute_v1.Operation.Status.DONE
        deadline = clock.time() + OPERATION_TIMEOUT
        delay = BACKOFF.base
        operations = self._clients().operations
        while operation.status != done:
            if clock.time() >= deadline:
                raise RemoteSideError(f"Google Cloud {what} did not finish within {OPERATION_TIMEOUT:.0f} s")
            poll = functools.partial(
                operations.wait, project=target.project, operation=operation.name, retry=None
            )
            operation = google_call(f"{what} (polling)", poll)
            if operation.status != done:
                clock.sleep(delay)
                delay = min(delay * 2, BACKOFF.cap)
        if operation.error and operation.error.errors:
            first = operation.error.errors[0]
            raise RemoteSideError(
                f"Google Cloud {what} failed: {first.code} {first.message}", rule="google-api"
            )
