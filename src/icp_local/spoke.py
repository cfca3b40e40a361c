"""A second account in the local cloud, the "spoke" of README "Other accounts": a request's
``aws.accountId`` names it, and the control plane reaches its gateway and route tables through
the spoke role docs/iam.md describes ("Other accounts").

moto keeps one set of backends per account and serves a call from the account its credentials
were issued for: a role assumed in another account signs for that account (moto's STS
``assume_role``: "The ARN can point to another account, providing an opportunity to switch
accounts"). The operator reaches the spoke account the same way (``operator_session``), to set
up what a test needs there; the local cloud checks the control plane's calls made with the
spoke role against that role's own policies, and the AssumeRole against its trust policy
(icp_local.iam).
"""

from __future__ import annotations

import json
from typing import Any

import boto3

from icp_local.iam_principal import OPERATOR_SESSION_NAME
from icp_local.template import ACCOUNT_ID

SPOKE_ACCOUNT = "210987654321"
SPOKE_ROLE_NAME = "InterconnectControlPlaneSpoke"  # the template's SpokeRoleName default


def operator_session(region: str, account: str = SPOKE_ACCOUNT) -> boto3.session.Session:
    """The operator's own session in ``account`` (never checked, as the operator is not)."""
    found = boto3.client("sts", region_name=region).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{OPERATOR_SESSION_NAME}", RoleSessionName=OPERATOR_SESSION_NAME
    )["Credentials"]
    return boto3.session.Session(
        aws_access_key_id=found["AccessKeyId"],
        aws_secret_access_key=found["SecretAccessKey"],
        aws_session_token=found["SessionToken"],
        region_name=region,
    )


def trust_policy(stack_name: str, external_id: str, stack_account: str = ACCOUNT_ID) -> dict[str, Any]:
    """The spoke role's trust policy, as docs/iam.md ("Other accounts") gives it: the stack's
    account, only its roles (named after the stack), only with the external id."""
    condition: dict[str, Any] = {
        "ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{stack_account}:role/{stack_name}-*"}
    }
    if external_id:
        condition["StringEquals"] = {"sts:ExternalId": external_id}
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{stack_account}:root"},
                "Action": "sts:AssumeRole",
                "Condition": condition,
            }
        ],
    }


def permissions_policy(account: str = SPOKE_ACCOUNT) -> dict[str, Any]:
    """The spoke role's permissions, as docs/iam.md ("Other accounts") lists them."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadNetwork",
                "Effect": "Allow",
                "Action": [
                    "ec2:DescribeRouteTables",
                    "ec2:DescribeTransitGatewayRouteTables",
                    "ec2:SearchTransitGatewayRoutes",
                    "ec2:DescribeTransitGateways",
                    "ec2:DescribeVpnGateways",
                    "ec2:DescribeTransitGatewayAttachments",
                    "directconnect:DescribeDirectConnectGatewayAssociationProposals",
                    "directconnect:DeleteDirectConnectGatewayAssociationProposal",
                ],
                "Resource": "*",
            },
            {
                "Sid": "WriteRoutes",
                "Effect": "Allow",
                "Action": [
                    "ec2:CreateRoute",
                    "ec2:ReplaceRoute",
                    "ec2:DeleteRoute",
                    "ec2:CreateTransitGatewayRoute",
                    "ec2:ReplaceTransitGatewayRoute",
                    "ec2:DeleteTransitGatewayRoute",
                ],
                "Resource": [
                    f"arn:aws:ec2:*:{account}:route-table/*",
                    f"arn:aws:ec2:*:{account}:transit-gateway-route-table/*",
                    f"arn:aws:ec2:*:{account}:transit-gateway-attachment/*",
                ],
            },
            {
                "Sid": "ProposeAssociations",
                "Effect": "Allow",
                "Action": ["directconnect:CreateDirectConnectGatewayAssociationProposal"],
                "Resource": "arn:aws:directconnect::*:dx-gateway/*",
            },
        ],
    }


def create_spoke_role(
    region: str,
    stack_name: str,
    external_id: str = "",
    account: str = SPOKE_ACCOUNT,
    role_name: str = SPOKE_ROLE_NAME,
) -> str:
    """Create the spoke role in ``account`` (what its owner deploys, per docs/iam.md); its ARN."""
    iam = operator_session(region, account).client("iam")
    arn = iam.create_role(
        RoleName=role_name, AssumeRolePolicyDocument=json.dumps(trust_policy(stack_name, external_id))
    )["Role"]["Arn"]
    iam.put_role_policy(
        RoleName=role_name, PolicyName="spoke", PolicyDocument=json.dumps(permissions_policy(account))
    )
    return str(arn)
