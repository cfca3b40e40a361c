"""A DynamoDB transaction is authorized item by item (docs/conformance.md, "IAM rules the product
relies on"): the local cloud asks for each item's action on its table, and nothing called
dynamodb:TransactWriteItems."""

from __future__ import annotations

from icp_local import iam_actions


def test_a_transaction_asks_for_each_items_action_on_its_table() -> None:
    at = iam_actions.Lookup(region="us-east-1", account="123456789012")
    params = {
        "TransactItems": [
            {"Put": {"TableName": "icp-connections", "Item": {}}},
            {"Put": {"TableName": "icp-connections", "Item": {}}},
            {"ConditionCheck": {"TableName": "icp-connections", "Key": {}, "ConditionExpression": "x"}},
        ]
    }

    request = iam_actions.request_for("dynamodb", "TransactWriteItems", params, "us-east-1", at)

    assert sorted([request.action, *request.also]) == ["dynamodb:ConditionCheckItem", "dynamodb:PutItem"]
    assert [r.arn for r in request.resources] == [
        "arn:aws:dynamodb:us-east-1:123456789012:table/icp-connections"
    ]
