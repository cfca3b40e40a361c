"""icp.config: one typed model of the environment, and no other module of the core reading it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from icp import config
from icp.errors import ConfigurationInvalid, ConfigurationMissing
from icp.policy import Quotas
from icp.remediation import Settings as RemediationSettings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def bare_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in config.Settings.model_fields:
        monkeypatch.delenv(str(config.Settings.model_fields[name].alias), raising=False)


def test_the_region_is_lambdas_then_the_sdks_then_the_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    assert config.settings().region() == config.FALLBACK_REGION
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-2")
    assert config.settings().region() == "eu-west-2"
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    assert config.settings().region() == "us-west-2"


def test_a_changed_environment_is_read_again_without_a_reset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STACK_NAME", "first")
    assert config.settings().stack_name == "first"
    monkeypatch.setenv("STACK_NAME", "second")
    assert config.settings().stack_name == "second"


def test_the_same_environment_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TABLE_NAME", "connections")
    assert config.settings() is config.settings()


def test_an_empty_variable_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLAP_DOWNS", "")
    monkeypatch.setenv("AWS_REGION", " ")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    assert config.settings().flap_downs == 3
    assert config.settings().region() == "eu-central-1"


def test_numbers_and_flags_are_typed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REMEDIATION_GRACE_SECONDS", "30")
    monkeypatch.setenv("REQUIRE_DECOMMISSION_APPROVAL", "true")
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "TRUE")
    monkeypatch.setenv("QUOTA_SCOPE", "region")
    settings = config.settings()
    assert settings.remediation_grace_seconds == 30
    assert settings.require_decommission_approval is True
    assert settings.metrics_disabled is True
    assert RemediationSettings.configured().grace_seconds == 30
    assert Quotas.configured().scope == "region"


def test_a_flag_other_than_true_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUIRE_DECOMMISSION_APPROVAL", "yes")
    assert config.settings().require_decommission_approval is False


def test_a_malformed_value_names_its_variable_and_not_the_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLAP_WINDOW_SECONDS", "ten-minutes-secret")
    with pytest.raises(ConfigurationInvalid) as raised:
        config.settings()
    assert raised.value.field == "FLAP_WINDOW_SECONDS"
    assert raised.value.rule == "int_parsing"
    assert "ten-minutes-secret" not in str(raised.value)


def test_a_quota_scope_outside_the_two_readings_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUOTA_SCOPE", "Region")
    with pytest.raises(ConfigurationInvalid, match="QUOTA_SCOPE"):
        config.settings()


def test_a_missing_required_setting_names_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigurationMissing) as raised:
        config.settings().require("table_name")
    assert raised.value.field == "TABLE_NAME"
    with pytest.raises(ConfigurationMissing, match="RESIZE_STATE_MACHINE_ARN is not set"):
        config.settings().state_machine_arn("resize")
    monkeypatch.setenv(
        "RESIZE_STATE_MACHINE_ARN", "arn:aws:states:us-east-1:123456789012:stateMachine:icp-resize"
    )
    assert config.settings().state_machine_arn("resize").endswith(":icp-resize")


def test_every_variable_the_template_sets_for_the_functions_has_a_setting() -> None:
    template = (ROOT / "template.yaml").read_text()
    block = template.split("Globals:", 1)[1].split("Variables:", 1)[1].split("\nResources:", 1)[0]
    names = set(re.findall(r"^\s+([A-Z][A-Z0-9_]+):", block, re.M))
    # Powertools reads its service name, namespace and log level itself.
    names -= {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_LOG_LEVEL"}
    aliases = {str(f.alias) for f in config.Settings.model_fields.values()}
    assert names and names <= aliases, names - aliases


def test_no_module_of_the_core_or_a_handler_reads_the_environment_itself() -> None:
    readers = [
        str(path.relative_to(ROOT))
        for folder in ("layers", "functions")
        for path in (ROOT / folder).rglob("*.py")
        if re.search(r"\bos\.environ\b|\bos\.getenv\b", path.read_text()) and path.name != "config.py"
    ]
    assert readers == []
