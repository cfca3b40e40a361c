"""``aws.accountId`` in the request model, and the spoke role's settings (README "Other accounts")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from icp import config
from icp.aws.clients import spoke_role_arn
from icp.errors import ConfigurationInvalid, InvalidRequest
from icp.lifecycle.validate_request import parse_request

EVENTS = Path(__file__).resolve().parents[2] / "events" / "eventbridge"


def sample(name: str) -> dict:
    return json.loads((EVENTS / f"{name}.json").read_text())["detail"]


def test_the_cross_account_sample_names_its_account():
    assert parse_request(sample("cross-account-request")).aws.accountId == "210987654321"


def test_a_request_without_an_account_is_the_stacks_own():
    assert parse_request(sample("multicloud-request")).aws.accountId is None


@pytest.mark.parametrize("account", ["21098765432", "2109876543210", "21098765432x", ""])
def test_an_account_id_that_is_not_twelve_digits_is_refused_naming_the_field(account: str):
    detail = sample("cross-account-request")
    detail["aws"]["accountId"] = account
    with pytest.raises(InvalidRequest) as refused:
        parse_request(detail)
    assert refused.value.field == "aws.accountId"
    assert refused.value.rule == "string_pattern_mismatch"


def test_cloud_wan_takes_no_account_id():
    detail = sample("cloud-wan-request")
    detail["aws"]["accountId"] = "210987654321"
    with pytest.raises(InvalidRequest) as refused:
        parse_request(detail)
    assert refused.value.field == "aws.accountId"
    assert "not used with attachment cloud-wan" in refused.value.message


def test_the_spoke_role_is_named_by_the_setting(monkeypatch: pytest.MonkeyPatch):
    assert spoke_role_arn("210987654321") == "arn:aws:iam::210987654321:role/InterconnectControlPlaneSpoke"
    monkeypatch.setenv("SPOKE_ROLE_NAME", "NetworkSpoke")
    assert spoke_role_arn("210987654321") == "arn:aws:iam::210987654321:role/NetworkSpoke"


def test_a_malformed_external_id_is_a_configuration_error_that_never_quotes_it(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setenv("SPOKE_EXTERNAL_ID", "has spaces and ; semicolons")
    with pytest.raises(ConfigurationInvalid) as refused:
        config.settings()
    assert refused.value.field == "SPOKE_EXTERNAL_ID"
    assert "semicolons" not in refused.value.message
