"""The connections table as template.yaml declares it (keys, indexes, TTL), for tests that run
the store against moto without a whole local cloud."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import boto3
import pytest
from icp import store


@cache
def _table_properties() -> dict[str, Any]:
    from icp_local.cloud import DEFAULT_TEMPLATE
    from icp_local.template import yaml_parse

    properties: dict[str, Any] = yaml_parse(DEFAULT_TEMPLATE.read_text())["Resources"]["ConnectionsTable"][
        "Properties"
    ]
    return properties


@contextmanager
def connections_table(monkeypatch: pytest.MonkeyPatch, region: str) -> Iterator[str]:
    """A fresh table with template.yaml's keys, indexes and TTL, bound to the store."""
    props = _table_properties()
    name = f"icp-connections-{uuid.uuid4().hex[:8]}"
    dynamodb = boto3.client("dynamodb", region_name=region)
    dynamodb.create_table(
        TableName=name,
        BillingMode=props["BillingMode"],
        AttributeDefinitions=props["AttributeDefinitions"],
        KeySchema=props["KeySchema"],
        GlobalSecondaryIndexes=props["GlobalSecondaryIndexes"],
    )
    dynamodb.update_time_to_live(
        TableName=name,
        TimeToLiveSpecification={
            "AttributeName": props["TimeToLiveSpecification"]["AttributeName"],
            "Enabled": True,
        },
    )
    monkeypatch.setenv("TABLE_NAME", name)
    monkeypatch.setenv("AWS_REGION", region)
    store.forget_table()
    try:
        yield name
    finally:
        store.forget_table()
        dynamodb.delete_table(TableName=name)
