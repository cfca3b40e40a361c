"""The events on the control plane's bus (docs/events.md), as models and as JSON Schemas.

Other teams write EventBridge rules and consumers against ``events/schemas/*.schema.json``;
those files are generated from the models here, and ``icp.events.publish`` validates every
detail it sends against the same models. Regenerate the files after changing a model:

    .venv/bin/python -m icp.event_schemas            # writes events/schemas/ (or a directory given)
"""

from __future__ import annotations

import json
import re
import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from pydantic.json_schema import GenerateJsonSchema

from icp.models import ConnectionRequest, Status

SOURCE = "interconnect-control-plane"
CONNECTION_REQUESTED = "Interconnect Connection Requested"
DECOMMISSION_REQUESTED = "Interconnect Decommission Requested"
STATUS_CHANGED = "Interconnect Connection Status Changed"
LINK_STATE_CHANGED = "Interconnect Link State Changed"
REMEDIATION_COMPLETED = "Interconnect Remediation Completed"

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


class _Detail(BaseModel):
    # Built on first use: a function publishes one or two kinds of event (README, "Cold starts").
    model_config = ConfigDict(extra="forbid", defer_build=True)


class _AboutConnection(_Detail):
    """An event about one connection record: its id comes first."""

    connectionId: str = Field(min_length=1, description="The connection record's id (icc-...).")


def _before(description: str) -> Any:
    """The ``from`` member (a Python keyword, hence ``from_``): what it was before."""
    return Field(alias="from", description=description)


class AwsConnectionState(StrEnum):
    """AWS Interconnect's own ConnectionState, kept beside the control plane's status."""

    REQUESTED = "requested"
    PENDING = "pending"
    AVAILABLE = "available"
    DOWN = "down"
    UPDATING = "updating"
    DELETING = "deleting"
    DELETED = "deleted"
    FAILED = "failed"


class ConnectionStatusChanged(_AboutConnection):
    """A connection record changed status. Published for every change, the first one included."""

    requestId: str = Field(min_length=1, description="The requestId the connection was created for.")
    from_: Status | None = _before("The status before; null when the record was created.")
    to: Status = Field(description="The status now.")
    reason: str | None = Field(description="Why, in words; for REJECTED and FAILED, 'field: rule: message'.")
    executionArn: str | None = Field(description="The state machine execution that owns the connection.")


class LinkStateChanged(_AboutConnection):
    """The link-state watcher saw AWS report a new state for a connection."""

    awsConnectionId: str = Field(min_length=1, description="AWS Interconnect's id for the connection.")
    from_: AwsConnectionState | None = _before("The state AWS reported before; null the first time.")
    to: AwsConnectionState = Field(description="The state AWS reports now.")
    observedAt: AwareDatetime = Field(description="When the watcher saw it (ISO 8601, UTC).")


class RemediationCompleted(_AboutConnection):
    """The remediate state machine finished acting on a connection."""

    action: str = Field(
        min_length=1, description="What remediation did, e.g. failover, restore, resize, drill, escalate."
    )
    outcome: str = Field(min_length=1, description="How it ended, e.g. succeeded, failed.")


class DecommissionRequested(_Detail):
    """Asks the control plane to decommission a connection."""

    connectionId: str = Field(
        min_length=1,
        max_length=128,
        description="The connection's id (icc-...); its requestId is accepted too.",
    )


DETAIL_TYPES: dict[str, type[BaseModel]] = {
    CONNECTION_REQUESTED: ConnectionRequest,
    DECOMMISSION_REQUESTED: DecommissionRequested,
    STATUS_CHANGED: ConnectionStatusChanged,
    LINK_STATE_CHANGED: LinkStateChanged,
    REMEDIATION_COMPLETED: RemediationCompleted,
}
# Events anyone may put on the bus; the rest only the control plane publishes.
INBOUND = frozenset({CONNECTION_REQUESTED, DECOMMISSION_REQUESTED})
MEANINGS = {
    CONNECTION_REQUESTED: "Asks for a connection; the detail is the request. Starts provisioning.",
    DECOMMISSION_REQUESTED: "Asks for a connection to be decommissioned. Starts the decommission workflow.",
    STATUS_CHANGED: "A connection record changed status; published for every change, the first one included.",
    LINK_STATE_CHANGED: "The link-state watcher saw AWS report a new state for a connection; starts remediation.",
    REMEDIATION_COMPLETED: "The remediate workflow finished acting on a connection.",
}


class _WithoutFieldTitles(GenerateJsonSchema):
    """Pydantic titles every field after its name ("Connectionid"); the names say it already."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


def slug(detail_type: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", detail_type.lower()).strip("-")


def _source_schema(detail_type: str) -> dict[str, Any]:
    if detail_type in INBOUND:
        # Any source a caller chooses; EventBridge refuses custom events whose source starts "aws.".
        return {
            "type": "string",
            "minLength": 1,
            "maxLength": 256,
            "pattern": "^(?!aws\\.)",
            "description": "The sender, e.g. com.example.network.",
        }
    return {"const": SOURCE}


def schema_for(detail_type: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a whole EventBridge event of ``detail_type``."""
    model = DETAIL_TYPES[detail_type]
    detail = model.model_json_schema(
        by_alias=True, ref_template="#/$defs/{model}", schema_generator=_WithoutFieldTitles
    )
    definitions = detail.pop("$defs", {})
    schema: dict[str, Any] = {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": f"urn:interconnect-control-plane:events:{slug(detail_type)}",
        "title": detail_type,
        "description": MEANINGS[detail_type],
        "type": "object",
        "required": [
            "version",
            "id",
            "detail-type",
            "source",
            "account",
            "time",
            "region",
            "resources",
            "detail",
        ],
        "properties": {
            "version": {"type": "string"},
            "id": {"type": "string", "minLength": 1},
            "detail-type": {"const": detail_type},
            "source": _source_schema(detail_type),
            "account": {"type": "string", "pattern": "^\\d{12}$"},
            "time": {"type": "string", "format": "date-time"},
            "region": {"type": "string", "minLength": 1},
            "resources": {"type": "array", "items": {"type": "string"}},
            "detail": detail,
        },
    }
    if definitions:
        schema["$defs"] = definitions
    return schema


def render(detail_type: str) -> str:
    """The text of the schema file for ``detail_type``, exactly as committed."""
    return json.dumps(schema_for(detail_type), indent=2, ensure_ascii=False) + "\n"


def schema_files() -> dict[str, str]:
    """File name -> text, for every detail-type."""
    return {f"{slug(detail_type)}.schema.json": render(detail_type) for detail_type in DETAIL_TYPES}


def write_schemas(directory: str | Path) -> list[Path]:
    """Write one schema file per detail-type into ``directory``, and remove schema files no
    detail-type produces any more."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    files = schema_files()
    for stale in directory.glob("*.schema.json"):
        if stale.name not in files:
            stale.unlink()
    written = []
    for name, text in files.items():
        path = directory / name
        path.write_text(text)
        written.append(path)
    return written


def default_directory() -> Path:
    """events/schemas in the repository this module was installed (editable) from."""
    return Path(__file__).resolve().parents[3] / "events" / "schemas"


if __name__ == "__main__":
    for path in write_schemas(sys.argv[1] if len(sys.argv) > 1 else default_directory()):
        print(path)
