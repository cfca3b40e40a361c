"""Each Lambda task of every workflow passes what its handler's input model (icp.tasks) requires,
and nothing the model does not know (extra keys would be dropped without a word)."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from icp import tasks
from pydantic import BaseModel

ROOT = Path(__file__).resolve().parents[2]


def _task_states(states: dict) -> Iterator[tuple[str, dict]]:
    for name, state in states.items():
        yield name, state
        for inner in [*state.get("Branches", []), state.get("Iterator"), state.get("ItemProcessor")]:
            yield from _task_states(inner["States"]) if inner else ()


def _lambda_tasks() -> list[tuple[str, str, dict]]:
    """(workflow file and state, function folder, payload) of every Lambda task."""
    found = []
    for path in sorted((ROOT / "statemachines").glob("*.asl.json")):
        for name, state in _task_states(json.loads(path.read_text())["States"]):
            parameters = state.get("Parameters") or {}
            arn = re.fullmatch(r"\$\{(\w+)FunctionArn\}", str(parameters.get("FunctionName", "")))
            if state["Type"] == "Task" and arn and isinstance(parameters.get("Payload"), dict):
                # Folder and logical id share a name (Make Active -> MarkActiveFunction -> mark_active).
                folder = re.sub(r"(?<!^)(?=[A-Z])", "_", arn.group(1)).lower()
                found.append((f"{path.name}: {name}", folder, parameters["Payload"]))
    return found


def _input_model(folder: str) -> type[BaseModel]:
    source = ast.parse((ROOT / "functions" / folder / "app.py").read_text())
    for node in ast.walk(source):
        # @task_handler(Model) (icp.task_handler), or Powertools' @event_parser(model=Model)
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "task_handler" and node.args:
            return getattr(tasks, node.args[0].id)  # type: ignore[attr-defined]
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "event_parser":
            model = next(k.value for k in node.keywords if k.arg == "model")
            return getattr(tasks, model.id)  # type: ignore[attr-defined]
    raise AssertionError(f"functions/{folder}/app.py parses no input model")


LAMBDA_TASKS = _lambda_tasks()


def test_there_are_lambda_tasks_to_check() -> None:
    assert len(LAMBDA_TASKS) > 20


@pytest.mark.parametrize(("where", "folder", "payload"), LAMBDA_TASKS, ids=[t[0] for t in LAMBDA_TASKS])
def test_the_task_passes_every_field_its_model_requires_and_no_other(
    where: str, folder: str, payload: dict
) -> None:
    model = _input_model(folder)
    given = {key.removesuffix(".$") for key in payload}
    required = {name for name, field in model.model_fields.items() if field.is_required()}
    assert required <= given, (
        f"{where} does not pass {sorted(required - given)} that {model.__name__} requires"
    )
    assert given <= set(model.model_fields), (
        f"{where} passes {sorted(given - set(model.model_fields))}, which {model.__name__} does not read"
    )
