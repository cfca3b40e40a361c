"""Small corrections to moto 5.2.5 (pinned in pyproject.toml) that the local cloud needs.

- SearchTransitGatewayRoutes drops a route's attachment: moto keeps it as a dict where its
  serializer expects a list. Routes are stored with a one-item list instead.
- ReplaceTransitGatewayRoute is not implemented: it is create-over-existing here.
- SendTaskFailure drops the ``cause`` (the execution then fails with no reason); it is passed on.
- DynamoDB's TransactWriteItems is all-or-nothing and isolated (the DynamoDB developer guide,
  "Amazon DynamoDB Transactions: How it works"). moto applies a transaction item by item and, on a
  failed condition, restores a copy of the table taken before it: a write another thread made
  meanwhile is undone, and a reader may see half a transaction. The local cloud runs functions on
  threads, so the item operations of the DynamoDB backend are serialized here (one lock). And the
  copy of the table is replaced by a copy of the items the transaction names, put back if it
  fails: copying a table of 20,000 history items took a third of a second per status change.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

_saved: dict[str, Any] = {}
# The DynamoDB backend's item operations, each made atomic under one lock.
_DYNAMODB_ITEM_OPERATIONS = (
    "put_item",
    "get_item",
    "query",
    "scan",
    "update_item",
    "delete_item",
    "transact_write_items",
)


def _serialized(operation: Callable[..., Any], lock: threading.RLock) -> Callable[..., Any]:
    @functools.wraps(operation)
    def run(*args: Any, **kwargs: Any) -> Any:
        with lock:
            return operation(*args, **kwargs)

    return run


def _serialize_dynamodb() -> None:
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.RLock()  # re-entrant: a transaction's items go through put_item and friends
    _journal_transactions()
    for name in _DYNAMODB_ITEM_OPERATIONS:
        _saved[f"dynamodb.{name}"] = getattr(DynamoDBBackend, name)
        setattr(DynamoDBBackend, name, _serialized(getattr(DynamoDBBackend, name), lock))


def _journal_transactions() -> None:
    """TransactWriteItems keeps the items it names and puts them back when it fails, instead of
    moto's copy of every table it touches (the module's ``copy.deepcopy`` of a Table, used only
    there, gives the table itself; of anything else, a real copy)."""
    import copy
    import types

    from moto.dynamodb import models
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    def deepcopy(value: Any, memo: Any = None) -> Any:
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    models.copy = types.SimpleNamespace(deepcopy=deepcopy)  # type: ignore[assignment]
    transact = DynamoDBBackend.transact_write_items

    def slot(backend: Any, operation: dict[str, Any]) -> tuple[Any, Any, Any] | None:
        """(table, hash, range) of the item an operation names; None if it names no table."""
        table = backend.tables.get(operation.get("TableName"))
        key = operation.get("Key") or operation.get("Item")
        if table is None or not isinstance(key, dict) or table.hash_key_attr not in key:
            return None
        hash_value = DynamoType(key[table.hash_key_attr])
        if table.range_key_attr is None:
            return table, hash_value, None
        if table.range_key_attr not in key:
            return None  # moto refuses the transaction for it, before writing anything
        return table, hash_value, DynamoType(key[table.range_key_attr])

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        slots = [found for item in transact_items for op in item.values() if (found := slot(self, op))]
        before = [(s, copy.deepcopy(s[0].get_item(s[1], s[2]))) for s in slots]
        try:
            transact(self, transact_items)
        except Exception:
            for (table, hash_value, range_value), item in reversed(before):
                _put_back(table, hash_value, range_value, item)
            raise

    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def _put_back(table: Any, hash_value: Any, range_value: Any, item: Any) -> None:
    if range_value is None:
        if item is None:
            table.items.pop(hash_value, None)
        else:
            table.items[hash_value] = item
    elif item is None:
        table.items.get(hash_value, {}).pop(range_value, None)
    else:
        table.items[hash_value][range_value] = item


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
    _serialize_dynamodb()
