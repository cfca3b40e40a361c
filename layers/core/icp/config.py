"""The deployment's configuration: every environment variable the core reads, typed, in one
model (README, "How it works", Configuration). No other module of the core reads ``os.environ``.

The template sets most of these on every function (``Globals.Function.Environment``); Lambda
sets ``AWS_REGION``; the local cloud adds the loopback endpoints of its emulators. Lambda fixes
a function's environment for its life, so the model is parsed once per set of values: the
first read of a cold start parses, later reads compare the variables and reuse it. Tests and
the local cloud change the environment between clouds, and a changed value is simply parsed
anew, so nothing has to be reset. A variable set to an empty string counts as unset.

Plain pydantic rather than pydantic-settings: the layer ships no extra dependency for a model
this small (layers/core/requirements.txt).
"""

from __future__ import annotations

import dataclasses
import functools
import os
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from icp.errors import ConfigurationInvalid, ConfigurationMissing

# Where a process with no Region configured at all talks to AWS (botocore needs one).
FALLBACK_REGION = "us-east-1"

Workflow = Literal["provision", "decommission", "remediate", "resize"]
# Settings without a default: the template always sets them, and a step that needs one
# missing fails with ConfigurationMissing naming the variable.
Required = Literal["table_name", "event_bus_name", "servicenow_webhook_secret_arn"]


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=True)

    # --- resources the template wires in ------------------------------------------------------
    table_name: str | None = Field(default=None, alias="TABLE_NAME")
    event_bus_name: str | None = Field(default=None, alias="EVENT_BUS_NAME")
    provision_state_machine_arn: str | None = Field(default=None, alias="PROVISION_STATE_MACHINE_ARN")
    decommission_state_machine_arn: str | None = Field(default=None, alias="DECOMMISSION_STATE_MACHINE_ARN")
    remediate_state_machine_arn: str | None = Field(default=None, alias="REMEDIATE_STATE_MACHINE_ARN")
    resize_state_machine_arn: str | None = Field(default=None, alias="RESIZE_STATE_MACHINE_ARN")
    # The stack's name: alarm names and the icp:managedBy tag carry it (icp.stack).
    stack_name: str | None = Field(default=None, alias="STACK_NAME")
    # AWS_REGION is Lambda's; AWS_DEFAULT_REGION the SDK's fallback (region() reads both).
    aws_region: str | None = Field(default=None, alias="AWS_REGION")
    aws_default_region: str | None = Field(default=None, alias="AWS_DEFAULT_REGION")

    # --- remediation and reminders (the template's parameters of the same meaning) ------------
    remediation_grace_seconds: int = Field(default=120, ge=0, alias="REMEDIATION_GRACE_SECONDS")
    flap_downs: int = Field(default=3, ge=1, le=50, alias="FLAP_DOWNS")  # a record keeps 50 downs
    flap_window_seconds: int = Field(default=600, ge=0, alias="FLAP_WINDOW_SECONDS")
    reminder_seconds: int = Field(default=86400, ge=0, alias="REMINDER_SECONDS")
    utilization_periods: int = Field(default=3, ge=1, alias="UTILIZATION_PERIODS")
    require_decommission_approval: bool = Field(default=False, alias="REQUIRE_DECOMMISSION_APPROVAL")

    # --- quotas (AWS's defaults; docs/conformance.md, "Quotas") --------------------------------
    quota_created_connections: int = Field(default=10, ge=0, alias="QUOTA_CREATED_CONNECTIONS")
    quota_outstanding_requested: int = Field(default=4, ge=0, alias="QUOTA_OUTSTANDING_REQUESTED")
    quota_multicloud_per_provider: int = Field(default=2, ge=0, alias="QUOTA_MULTICLOUD_PER_PROVIDER")
    quota_last_mile_per_provider: int = Field(default=2, ge=0, alias="QUOTA_LAST_MILE_PER_PROVIDER")
    quota_scope: Literal["account", "region"] = Field(default="account", alias="QUOTA_SCOPE")

    # --- partners (icp.partners.last_mile, icp.partners.google_cloud) --------------------------
    last_mile_partners: str = Field(default="", alias="LAST_MILE_PARTNERS")
    google_wif_config: str = Field(default="", alias="GOOGLE_WIF_CONFIG")
    google_api_endpoint: str = Field(default="", alias="GOOGLE_API_ENDPOINT")  # local cloud only
    google_grpc_endpoint: str = Field(default="", alias="GOOGLE_GRPC_ENDPOINT")  # local cloud only

    # --- ServiceNow (icp.servicenow, the webhook) ---------------------------------------------
    servicenow_secret_arn: str = Field(default="", alias="SERVICENOW_SECRET_ARN")
    servicenow_instance_url: str = Field(default="", alias="SERVICENOW_INSTANCE_URL")
    servicenow_username: str = Field(default="", alias="SERVICENOW_USERNAME")
    servicenow_webhook_secret_arn: str | None = Field(default=None, alias="SERVICENOW_WEBHOOK_SECRET_ARN")

    # --- other accounts (icp.aws.clients.client_in; README "Other accounts") ------------------
    spoke_role_name: str = Field(
        default="InterconnectControlPlaneSpoke", pattern=r"^[\w+=,.@-]{1,64}$", alias="SPOKE_ROLE_NAME"
    )
    spoke_external_id: str = Field(
        default="", max_length=1224, pattern=r"^[\w+=,.@:/-]*$", alias="SPOKE_EXTERNAL_ID"
    )

    # --- Powertools (its own modules read the rest of POWERTOOLS_*) ----------------------------
    metrics_disabled: bool = Field(default=False, alias="POWERTOOLS_METRICS_DISABLED")

    @field_validator("require_decommission_approval", "metrics_disabled", mode="before")
    @classmethod
    def _flag(cls, value: Any) -> bool:
        # "true" (any case) turns a flag on; anything else leaves it off, as before this module.
        return str(value).strip().lower() == "true"

    def region(self) -> str:
        """The Region the process runs in: Lambda's AWS_REGION, else the SDK's AWS_DEFAULT_REGION."""
        return self.aws_region or self.aws_default_region or FALLBACK_REGION

    def require(self, name: Required) -> str:
        """A setting a step cannot do without, or ConfigurationMissing naming its variable."""
        value: str | None = getattr(self, name)
        if not value:
            variable = type(self).model_fields[name].alias
            raise ConfigurationMissing(f"{variable} is not set", field=variable, rule="required")
        return value

    def state_machine_arn(self, workflow: Workflow) -> str:
        """The ARN of one of the stack's workflows (the template names them by stack name)."""
        value: str | None = getattr(self, f"{workflow}_state_machine_arn")
        if not value:
            variable = f"{workflow.upper()}_STATE_MACHINE_ARN"
            raise ConfigurationMissing(f"{variable} is not set", field=variable, rule="required")
        return value


_VARIABLES = tuple(str(field.alias) for field in Settings.model_fields.values())


def settings() -> Settings:
    """The configuration as the environment holds it now (parsed once per set of values)."""
    return _parse(tuple(os.environ.get(name, "").strip() for name in _VARIABLES))


@functools.lru_cache(maxsize=8)
def _parse(values: tuple[str, ...]) -> Settings:
    given = {name: value for name, value in zip(_VARIABLES, values, strict=True) if value}
    try:
        return Settings.model_validate(given)
    except ValidationError as exc:
        first = exc.errors()[0]
        variable = str(first["loc"][0])
        # pydantic's message names the rule, never the value (which may be an ARN or a URL).
        raise ConfigurationInvalid(
            f"{variable}: {first['msg']}", field=variable, rule=first["type"]
        ) from None


def setting_field(name: str) -> Any:
    """A ``SettingsView`` field that stands for the setting ``name``: its default is the
    setting's own, so a policy's defaults are written once, here."""
    return dataclasses.field(default=Settings.model_fields[name].default, metadata={"setting": name})


@dataclasses.dataclass(frozen=True)
class SettingsView:
    """The settings one policy reads, under its own names (``setting_field`` each)."""

    @classmethod
    def configured(cls) -> Self:
        """The deployment's values now (unset: the defaults above)."""
        current = settings()
        return cls(**{f.name: getattr(current, f.metadata["setting"]) for f in dataclasses.fields(cls)})
