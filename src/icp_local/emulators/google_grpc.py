"""The Google emulator's gRPC front (icp_local.emulators.partner_server starts it): the Network
Connectivity ``TransportManager`` service (CreateTransport, GetTransport, ListTransports,
UpdateTransport, DeleteTransport) and its long-running operations, answered from
``GoogleCloudEmulator`` with the messages of google-cloud-network-connectivity.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import grpc
from google.cloud.networkconnectivity_v1beta.types import common
from google.cloud.networkconnectivity_v1beta.types import transport_manager as tm
from google.longrunning import operations_pb2
from google.protobuf import empty_pb2

from icp_local.emulators.google_cloud import GoogleApiError, GoogleCloudEmulator

TRANSPORT_SERVICE = "google.cloud.networkconnectivity.v1beta.TransportManager"


def _datetime(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, tz=UTC)


def _transport_message(view: dict[str, Any]) -> tm.Transport:
    return tm.Transport(
        name=view["name"],
        create_time=_datetime(view["create_time"]),
        update_time=_datetime(view["update_time"]),
        labels=view["labels"],
        description=view["description"],
        remote_profile=view["remote_profile"],
        bandwidth=getattr(tm.Transport.Bandwidth, view["bandwidth"]),
        stack_type=getattr(tm.Transport.StackType, view["stack_type"]),
        state=getattr(tm.Transport.State, view["state"]),
        mtu_limit=view["mtu_limit"],
        admin_enabled=view["admin_enabled"],
        network=view["network"],
        advertised_routes=view["advertised_routes"],
        peering_network=view["peering_network"],
        generated_activation_key=view.get("generated_activation_key", ""),
    )


def _transport_fields(message: tm.Transport) -> dict[str, Any]:
    return tm.Transport.to_dict(message, use_integers_for_enums=False)


def _operation_message(view: dict[str, Any]) -> operations_pb2.Operation:
    operation = operations_pb2.Operation(name=view["name"], done=view["done"])
    metadata = common.OperationMetadata(
        create_time=_datetime(view["create_time"]),
        end_time=_datetime(view["end_time"]),
        target=view["target"],
        verb=view["verb"],
        api_version="v1beta",
    )
    operation.metadata.Pack(common.OperationMetadata.pb(metadata))
    if view["done"]:
        if view["empty_response"]:
            operation.response.Pack(empty_pb2.Empty())
        elif view["response"] is not None:
            operation.response.Pack(tm.Transport.pb(_transport_message(view["response"])))
        else:
            operation.error.code = grpc.StatusCode.NOT_FOUND.value[0]
            operation.error.message = f"{view['target']} was deleted before the operation finished"
    return operation


def _unary(
    google: GoogleCloudEmulator,
    fn: Callable[[Any], Any],
    deserialize: Callable[[bytes], Any],
    serialize: Callable[[Any], bytes],
) -> grpc.RpcMethodHandler:
    def handle(request: Any, context: grpc.ServicerContext) -> Any:
        try:
            fault = google.take_fault()
            if fault is not None:
                raise fault
            return fn(request)
        except GoogleApiError as err:
            code = getattr(grpc.StatusCode, err.status, grpc.StatusCode.UNKNOWN)
            context.abort(code, err.message)

    return grpc.unary_unary_rpc_method_handler(
        handle, request_deserializer=deserialize, response_serializer=serialize
    )


def grpc_handlers(google: GoogleCloudEmulator) -> tuple[grpc.GenericRpcHandler, ...]:
    operation = operations_pb2.Operation.SerializeToString

    def create(request: tm.CreateTransportRequest) -> operations_pb2.Operation:
        fields = _transport_fields(request.transport)
        return _operation_message(
            google.create_transport(request.parent, request.transport_id, fields, request.request_id)
        )

    def update(request: tm.UpdateTransportRequest) -> operations_pb2.Operation:
        fields = _transport_fields(request.transport)
        paths = list(request.update_mask.paths) if request.update_mask else []
        return _operation_message(google.update_transport(fields, paths, request.request_id))

    def list_transports(request: tm.ListTransportsRequest) -> tm.ListTransportsResponse:
        views = google.list_transports(request.parent)
        return tm.ListTransportsResponse(transports=[_transport_message(v) for v in views])

    transports = {
        "CreateTransport": _unary(google, create, tm.CreateTransportRequest.deserialize, operation),
        "GetTransport": _unary(
            google,
            lambda r: _transport_message(google.get_transport(r.name)),
            tm.GetTransportRequest.deserialize,
            tm.Transport.serialize,
        ),
        "GetStatus": _unary(
            google,
            lambda r: tm.GetStatusResponse(**google.get_status(r.name)),
            tm.GetStatusRequest.deserialize,
            tm.GetStatusResponse.serialize,
        ),
        "ListTransports": _unary(
            google, list_transports, tm.ListTransportsRequest.deserialize, tm.ListTransportsResponse.serialize
        ),
        "UpdateTransport": _unary(google, update, tm.UpdateTransportRequest.deserialize, operation),
        "DeleteTransport": _unary(
            google,
            lambda r: _operation_message(google.delete_transport(r.name, r.request_id)),
            tm.DeleteTransportRequest.deserialize,
            operation,
        ),
    }
    operations = {
        "GetOperation": _unary(
            google,
            lambda r: _operation_message(google.get_operation(r.name)),
            operations_pb2.GetOperationRequest.FromString,
            operation,
        ),
    }
    return (
        grpc.method_handlers_generic_handler(TRANSPORT_SERVICE, transports),
        grpc.method_handlers_generic_handler("google.longrunning.Operations", operations),
    )
