"""Ready-made AWS networks in the local cloud, and the sample requests aimed at them.

The sample events in ``events/eventbridge/`` name placeholder ids; ``request_for`` points
them at the transit gateway, virtual private gateway, route tables and Direct Connect
gateway made here, so the demo, the tests and users' own tests share one set of samples.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

EVENTS_DIR = Path(__file__).resolve().parents[2] / "events"


@dataclass
class Network:
    vpc_id: str
    gateway_id: str  # tgw-... or vgw-...
    route_table_id: str  # tgw-rtb-... or rtb-...
    dx_gateway_id: str | None = None
    backup_target: dict[str, str] | None = None  # aws.backupTarget: where a Site-to-Site VPN terminates


def sample_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS_DIR / "eventbridge" / f"{name}.json").read_text())


def transit_gateway_network(
    region: str = "us-east-1",
    cidr: str = "10.10.0.0/16",
    vpn_backup: bool = True,
    session: boto3.session.Session | None = None,
) -> Network:
    """A VPC, a transit gateway with a route table, and (by default) a Site-to-Site VPN on the
    transit gateway, the backup path remediation fails over to. With ``session``, in the account
    it signs for (icp_local.spoke.operator_session)."""
    ec2 = (session or boto3).client("ec2", region_name=region)
    vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    tgw = ec2.create_transit_gateway(Description="icp local")["TransitGateway"]["TransitGatewayId"]
    table = ec2.create_transit_gateway_route_table(TransitGatewayId=tgw)["TransitGatewayRouteTable"][
        "TransitGatewayRouteTableId"
    ]
    backup = None
    if vpn_backup:
        customer = ec2.create_customer_gateway(Type="ipsec.1", PublicIp="203.0.113.10", BgpAsn=65010)[
            "CustomerGateway"
        ]["CustomerGatewayId"]
        ec2.create_vpn_connection(Type="ipsec.1", CustomerGatewayId=customer, TransitGatewayId=tgw)
        backup = {"transitGatewayId": tgw}
    return Network(vpc_id=vpc, gateway_id=tgw, route_table_id=table, backup_target=backup)


def virtual_private_gateway_network(
    region: str = "us-east-1", cidr: str = "10.20.0.0/16", dx_gateway_name: str | None = "branch-dxgw"
) -> Network:
    ec2 = boto3.client("ec2", region_name=region)
    vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    vgw = ec2.create_vpn_gateway(Type="ipsec.1", AmazonSideAsn=64513)["VpnGateway"]["VpnGatewayId"]
    ec2.attach_vpn_gateway(VpcId=vpc, VpnGatewayId=vgw)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    dx_gateway = None
    if dx_gateway_name:
        dx = boto3.client("directconnect", region_name=region)
        dx_gateway = dx.create_direct_connect_gateway(
            directConnectGatewayName=dx_gateway_name, amazonSideAsn=64514
        )["directConnectGateway"]["directConnectGatewayId"]
    return Network(vpc_id=vpc, gateway_id=vgw, route_table_id=table, dx_gateway_id=dx_gateway)


def request_for(sample: str, network: Network, **changes: Any) -> dict[str, Any]:
    """The sample request ``sample`` (its event detail), aimed at ``network``; ``changes``
    replace top-level fields."""
    detail = copy.deepcopy(sample_event(sample)["detail"])
    detail["aws"]["gatewayId"] = network.gateway_id
    detail["aws"]["routeTableIds"] = [network.route_table_id]
    if network.dx_gateway_id and "directConnectGatewayId" in detail["attachPoint"]:
        detail["attachPoint"] = {"directConnectGatewayId": network.dx_gateway_id}
    if network.backup_target:
        detail["aws"]["backupTarget"] = network.backup_target
    detail.update(changes)
    return detail


def servicenow_ticket(sample: str, network: Network, **variables: str) -> dict[str, Any]:
    """The ServiceNow sample body ``sample`` (events/servicenow/), aimed at ``network``;
    ``variables`` replace catalog variables."""
    ticket = json.loads((EVENTS_DIR / "servicenow" / f"{sample}.json").read_text())
    values = ticket["variables"]
    values["aws_gateway_id"] = network.gateway_id
    values["aws_route_table_ids"] = network.route_table_id
    if network.dx_gateway_id and values.get("dx_gateway_id"):
        values["dx_gateway_id"] = network.dx_gateway_id
    values.update(variables)
    return ticket
