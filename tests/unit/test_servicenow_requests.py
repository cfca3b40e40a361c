"""ServiceNow tickets onto the request model: the samples map to valid requests, and every
kind of bad ticket names the field (its path in the ServiceNow body) and the rule."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from icp.errors import InvalidRequest
from icp.models import ConnectionRequest
from icp.servicenow_requests import request_from_servicenow

SAMPLES = Path(__file__).resolve().parents[2] / "events" / "servicenow"
SAMPLE_NAMES = sorted(path.stem for path in SAMPLES.glob("*.json"))


def ticket(name: str = "request-item-multicloud") -> dict:
    return json.loads((SAMPLES / f"{name}.json").read_text())


def refusal(payload: dict) -> InvalidRequest:
    with pytest.raises(InvalidRequest) as caught:
        request_from_servicenow(payload)
    return caught.value


def test_there_is_a_sample_for_each_table_and_connection_type():
    assert SAMPLE_NAMES == ["change-request-last-mile", "request-item-last-mile", "request-item-multicloud"]


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_every_sample_ticket_maps_to_a_valid_connection_request(name):
    payload = ticket(name)
    request = ConnectionRequest.model_validate(request_from_servicenow(payload))
    assert request.requestId == payload["sys_id"]
    assert request.requester is not None and request.requester.servicenow is not None
    assert request.requester.servicenow.table == payload["sys_class_name"]
    assert request.requester.servicenow.sysId == payload["sys_id"]
    assert request.requester.team == payload["variables"]["requester_team"]


def test_the_multicloud_ticket_maps_field_by_field():
    assert request_from_servicenow(ticket("request-item-multicloud")) == {
        "requestId": "3f9c2b7e1d4a4f0e9b6c8a2d5e7f1a01",
        "type": "multicloud",
        "provider": "google-cloud",
        "awsRegion": "us-east-1",
        "remoteLocation": "us-east4",
        "bandwidth": "1Gbps",
        "attachPoint": {"createGateway": {"name": "icp-us-east-1-gcp-analytics", "amazonSideAsn": 64520}},
        "aws": {
            "attachment": "transit-gateway",
            "gatewayId": "tgw-0123456789abcdef0",
            "routeTableIds": ["tgw-rtb-0123456789abcdef0"],
            "cidrs": ["10.40.0.0/16", "10.41.0.0/16"],
            "mtu": 1460,
        },
        "remote": {
            "project": "acme-analytics-prod",
            "network": "analytics-vpc",
            "cidrs": ["10.140.0.0/16"],
            "mtu": 1460,
        },
        "requester": {
            "team": "data-platform",
            "servicenow": {"table": "sc_req_item", "sysId": "3f9c2b7e1d4a4f0e9b6c8a2d5e7f1a01"},
        },
        "maxBandwidth": "5Gbps",
    }


def test_the_same_ticket_always_maps_to_the_same_request_id():
    first = ticket("request-item-last-mile")
    again = copy.deepcopy(first)
    again.update(sys_updated_on="2026-06-04 10:00:00", state="2", sys_id=first["sys_id"].upper())
    again["variables"]["bandwidth"] = "25Gbps"
    assert request_from_servicenow(first)["requestId"] == request_from_servicenow(again)["requestId"]
    assert request_from_servicenow(first)["requestId"] != request_from_servicenow(ticket())["requestId"]


def test_lists_are_split_on_commas_and_line_breaks_and_trimmed():
    payload = ticket()
    payload["variables"].update(
        aws_cidrs=" 10.40.0.0/16 ,10.41.0.0/16,\n10.42.0.0/16, ",
        aws_route_table_ids="tgw-rtb-0123456789abcdef0",
    )
    assert request_from_servicenow(payload)["aws"]["cidrs"] == [
        "10.40.0.0/16",
        "10.41.0.0/16",
        "10.42.0.0/16",
    ]


def test_numbers_may_arrive_as_strings_or_numbers():
    as_strings, as_numbers = ticket(), ticket()
    as_numbers["variables"].update(new_dx_gateway_asn=64520, aws_mtu=1460, remote_mtu=1460)
    assert request_from_servicenow(as_strings) == request_from_servicenow(as_numbers)


def test_empty_variables_count_as_absent():
    payload = ticket()
    payload["variables"].update(max_bandwidth="", aws_mtu="  ", remote_mtu="")
    request = request_from_servicenow(payload)
    assert "maxBandwidth" not in request and "mtu" not in request["aws"] and "mtu" not in request["remote"]


def test_unknown_top_level_fields_are_tolerated():
    payload = ticket()
    payload.update(u_cost_center="CC-1042", sys_tags="", watch_list={"value": "", "display_value": ""})
    ConnectionRequest.model_validate(request_from_servicenow(payload))


def test_a_backup_target_maps_by_its_kind_of_gateway():
    payload = ticket("request-item-last-mile")
    payload["variables"]["aws_backup_target"] = "vgw-0fedcba9876543210"
    request = ConnectionRequest.model_validate(request_from_servicenow(payload))
    assert (
        request.aws.backupTarget is not None and request.aws.backupTarget.gatewayId == "vgw-0fedcba9876543210"
    )


def _parent(payload: dict, path: str) -> tuple[dict, str]:
    *parents, key = path.split(".")
    for parent in parents:
        payload = payload[parent]
    return payload, key


def _set(path: str, value):
    def change(payload: dict) -> None:
        parent, key = _parent(payload, path)
        parent[key] = value

    return change


def _drop(path: str):
    def change(payload: dict) -> None:
        parent, key = _parent(payload, path)
        del parent[key]

    return change


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        pytest.param(_drop("variables.aws_cidrs"), "variables.aws_cidrs", "required", id="missing variable"),
        pytest.param(
            _set("variables.aws_cidrs", " , "), "variables.aws_cidrs", "required", id="list of nothing"
        ),
        pytest.param(
            _set("variables.remote_project", ""),
            "variables.remote_project",
            "required",
            id="missing variable of the connection type",
        ),
        pytest.param(
            _set("variables.aws_cidr", "10.40.0.0/16"), "variables.aws_cidr", "unknown", id="unknown variable"
        ),
        pytest.param(_set("sys_class_name", "incident"), "sys_class_name", "table", id="bad table"),
        pytest.param(_drop("sys_class_name"), "sys_class_name", "required", id="no table"),
        pytest.param(_set("table", "change_request"), "table", "same-table", id="two tables"),
        pytest.param(
            _set("sys_id", "3f9c2b7e1d4a4f0e9b6c8a2d5e7f1a0"), "sys_id", "sys-id", id="short sys_id"
        ),
        pytest.param(_set("sys_id", "REQ-2026-0001-not-a-sys-id-00000"), "sys_id", "sys-id", id="bad sys_id"),
        pytest.param(_drop("sys_id"), "sys_id", "required", id="no sys_id"),
        pytest.param(_set("number", "12345"), "number", "ticket-number", id="bad number"),
        pytest.param(_drop("variables"), "variables", "required", id="no variables"),
        pytest.param(
            _set("variables", "connection_type=multicloud"), "variables", "type", id="variables not an object"
        ),
        pytest.param(
            _set("variables.connection_type", "hybrid"),
            "variables.connection_type",
            "choice",
            id="unknown connection type",
        ),
        pytest.param(
            _set("variables.remote_site_name", "NYC-DC-2"),
            "variables.remote_site_name",
            "not-for-connection-type",
            id="variable of the other connection type",
        ),
        pytest.param(
            _set("variables.dx_gateway_id", "5f0b6b59-0000-4000-8000-000000000000"),
            "variables.dx_gateway_id",
            "one-of",
            id="both an existing and a new gateway",
        ),
        pytest.param(
            _set("variables.new_dx_gateway_name", ""),
            "variables.dx_gateway_id",
            "one-of",
            id="no gateway at all",
        ),
        pytest.param(
            _set("variables.aws_mtu", "1460 bytes"), "variables.aws_mtu", "integer", id="mtu not a number"
        ),
        pytest.param(_set("variables.aws_mtu", True), "variables.aws_mtu", "type", id="mtu a checkbox"),
        pytest.param(
            _set("variables.aws_backup_target", "rtb-0123456789abcdef0"),
            "variables.aws_backup_target",
            "backup-target",
            id="backup target not a gateway",
        ),
        pytest.param(
            _set("requested_for", {"value": "Priya Raman"}),
            "requested_for.value",
            "sys-id",
            id="reference without a sys_id",
        ),
    ],
)
def test_a_bad_ticket_is_refused_naming_the_field_and_the_rule(change, field, rule):
    payload = ticket()
    change(payload)
    error = refusal(payload)
    assert (error.field, error.rule) == (field, rule)
    assert error.message.startswith(f"{field}: ")


def test_an_existing_gateway_takes_no_asn():
    payload = ticket("request-item-last-mile")
    payload["variables"]["new_dx_gateway_asn"] = "64520"
    error = refusal(payload)
    assert (error.field, error.rule) == ("variables.new_dx_gateway_asn", "only-with-new-gateway")


def test_every_unknown_variable_is_named_in_the_message():
    payload = ticket()
    payload["variables"].update(aws_cidr="10.40.0.0/16", bandwith="1Gbps")
    error = refusal(payload)
    assert error.field == "variables.aws_cidr" and "aws_cidr" in error.message and "bandwith" in error.message


def test_a_body_that_is_not_an_object_is_refused():
    error = refusal([ticket()])  # type: ignore[arg-type]
    assert (error.field, error.rule) == ("body", "type")
