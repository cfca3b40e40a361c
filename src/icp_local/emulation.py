"""The emulators a local cloud wires together (README, "The local cloud"; docs/conformance.md):
Direct Connect and Google's Interconnect on one simulated clock, the partners, the HTTP servers
the partners' and ServiceNow's APIs answer on, and the secrets the partners sign with."""

from __future__ import annotations

import secrets
from typing import Any

from icp_local.clock import SimClock
from icp_local.emulators.directconnect import DirectConnectEmulator
from icp_local.emulators.google_cloud import GoogleCloudEmulator
from icp_local.emulators.interconnect import InterconnectEmulator
from icp_local.emulators.networkmanager import NetworkManagerEmulator
from icp_local.emulators.partner_server import PartnerServer
from icp_local.emulators.partners import PartnerSimulator
from icp_local.emulators.servicenow import FakeServiceNow
from icp_local.template import ACCOUNT_ID
from icp_local.variants import Variants

LAST_MILE_PARTNERS = ("lumen",)


class Emulators:
    """Every emulator of one local cloud, installed (botocore hooks) and started (HTTP servers)."""

    def __init__(self, clock: SimClock, variants: Variants, interconnect_options: dict[str, Any]):
        try:
            self._start(clock, variants, interconnect_options)
        except BaseException:
            stop(self)  # what started before the failure must not outlive it
            raise

    def _start(self, clock: SimClock, variants: Variants, interconnect_options: dict[str, Any]) -> None:
        self.directconnect = DirectConnectEmulator(clock, account_id=ACCOUNT_ID, variants=variants).install()
        self.interconnect = InterconnectEmulator(
            clock, self.directconnect, account_id=ACCOUNT_ID, variants=variants, **interconnect_options
        ).install()
        self.partner_secret_values = {p: secrets.token_urlsafe(24) for p in LAST_MILE_PARTNERS}
        self.partners = {
            p: PartnerSimulator(p, clock, self.interconnect, shared_secret=self.partner_secret_values.get(p))
            for p in ("google-cloud", *LAST_MILE_PARTNERS)
        }
        self.google = GoogleCloudEmulator(
            clock,
            self.interconnect,
            partner=self.partners["google-cloud"],
            aws_prefixes=self.advertised_by_aws,
        )
        self.networkmanager = NetworkManagerEmulator(
            clock,
            self.directconnect.gateway_exists,
            self.learned_by_gateway,
            account_id=ACCOUNT_ID,
            variants=variants,
        ).install()
        self.partners["google-cloud"].proposer = self.google.propose_transport
        self.partner_server = PartnerServer(clock, self.interconnect, self.google, self.partners).start()
        self.servicenow = FakeServiceNow().start()

    def advertised_by_aws(self, connection: dict[str, Any]) -> list[str]:
        """What AWS advertises over a connection: the allowed prefixes of its DX gateway's
        associations (so the Google side learns them only once the association is in place)."""
        gateway = connection.get("attachPoint", {}).get("directConnectGateway")
        return [
            p["cidr"]
            for a in self.directconnect.associations()
            if a["directConnectGatewayId"] == gateway and a.get("associationState") == "associated"
            for p in a.get("allowedPrefixesToDirectConnectGateway", [])
        ] + self.networkmanager.advertised_to_gateway(str(gateway))  # Cloud WAN: the segment's routes

    def learned_by_gateway(self, gateway_id: str) -> list[str]:
        """What a DX gateway learns from the remote side of its live connections: the routes the
        Google transports announce, and the site prefixes a last-mile partner carries."""
        live = {
            c["id"]
            for c in self.interconnect.connections()
            if c.get("attachPoint", {}).get("directConnectGateway") == gateway_id
            and c.get("state") in ("available", "updating")
        }
        learned = [p for connection in sorted(live) for p in self.google.advertised_over(connection)]
        for partner in self.partners.values():
            learned += [
                p
                for order in partner.orders()
                if order["awsConnectionId"] in live and order["state"] == "accepted"
                for p in order["sitePrefixes"]
            ]
        return sorted(set(learned))

    def generation(self) -> int:
        """Moves whenever an emulator's state changes (icp_local.scheduling skips idle sweeps)."""
        emulators = (self.interconnect, self.directconnect, self.google, self.networkmanager)
        return sum(getattr(e, "generation", 0) for e in emulators)


def stop(emulators: Emulators | None) -> None:
    """Stops what was started; a cloud whose start failed half-way may hold only some of them."""
    for server in (getattr(emulators, "partner_server", None), getattr(emulators, "servicenow", None)):
        if server is not None:
            server.stop()
    installed = ("interconnect", "directconnect", "networkmanager")
    for emulator in (getattr(emulators, name, None) for name in installed):
        if emulator is not None:
            emulator.uninstall()
