"""Strict shape validation for the emulators (icp_local.emulators.botocore_hooks): every answer
is checked against the operation's output shape, with the maximums, enums and patterns that
botocore's ParamValidator ignores, so an emulator bug fails the test that caused it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Any

from botocore.model import Shape

# Smithy patterns are ECMA-262 regexes; Python's ``re`` lacks Unicode property classes.
# These stand-ins work inside and outside a character class (slightly wider, never narrower).
_UNICODE_CLASSES = {r"\p{L}": r"\w", r"\p{N}": r"\d", r"\p{Z}": r"\s"}


@cache
def _compiled(pattern: str) -> re.Pattern[str] | None:
    for prop, stand_in in _UNICODE_CLASSES.items():
        pattern = pattern.replace(prop, stand_in)
    try:
        return re.compile(pattern)
    except re.error:
        return None  # a pattern Python cannot read is not checked rather than guessed at


def shape_errors(value: Any, shape: Shape, path: str = "") -> list[str]:
    """Every way ``value`` departs from ``shape``: unknown or missing members, wrong types,
    lengths and ranges (min and max), enums, patterns (matched whole, as the services apply them),
    and unions with other than one member set."""
    errors: list[str] = []
    _check(value, shape, path or shape.name, errors)
    return errors


def assert_matches_shape(value: Any, shape: Shape, what: str) -> None:
    errors = shape_errors(value, shape)
    if errors:
        raise AssertionError(f"{what} does not match shape {shape.name}: " + "; ".join(errors))


def _check(value: Any, shape: Shape, path: str, errors: list[str]) -> None:
    checker = _CHECKERS.get(shape.type_name)
    if checker is None:
        errors.append(f"{path}: no check for shape type {shape.type_name}")
        return
    checker(value, shape, path, errors)


def _check_structure(value: Any, shape: Shape, path: str, errors: list[str]) -> None:
    if not isinstance(value, dict):
        errors.append(f"{path}: expected a structure (dict), got {type(value).__name__}")
        return
    members = shape.members  # type: ignore[attr-defined]
    for name in value:
        if name not in members:
            errors.append(f"{path}: unknown member {name!r}")
    for name in shape.metadata.get("required", []):
        if value.get(name) is None:
            errors.append(f"{path}: missing required member {name!r}")
    set_members = [name for name in value if name in members and value[name] is not None]
    if shape.metadata.get("union") and len(set_members) != 1:
        errors.append(f"{path}: a union needs exactly one member set, got {sorted(set_members)}")
    for name in set_members:
        _check(value[name], members[name], f"{path}.{name}", errors)


def _is(value: Any, kind: type, what: str, path: str, errors: list[str]) -> bool:
    if isinstance(value, kind):
        return True
    errors.append(f"{path}: expected {what}, got {type(value).__name__}")
    return False


def _check_list(value: Any, shape: Shape, path: str, errors: list[str]) -> None:
    if not _is(value, list, "a list", path, errors):
        return
    _check_range(len(value), shape, path, "length", errors)
    for index, item in enumerate(value):
        _check(item, shape.member, f"{path}[{index}]", errors)  # type: ignore[attr-defined]


def _check_map(value: Any, shape: Shape, path: str, errors: list[str]) -> None:
    if not _is(value, dict, "a map (dict)", path, errors):
        return
    _check_range(len(value), shape, path, "size", errors)
    for key, item in value.items():
        _check(key, shape.key, f"{path} key {key!r}", errors)  # type: ignore[attr-defined]
        _check(item, shape.value, f"{path}[{key!r}]", errors)  # type: ignore[attr-defined]


def _check_string(value: Any, shape: Shape, path: str, errors: list[str]) -> None:
    if not isinstance(value, str):
        errors.append(f"{path}: expected a string, got {type(value).__name__}")
        return
    _check_range(len(value), shape, path, "length", errors)
    enum = shape.metadata.get("enum")
    if enum and value not in enum:
        errors.append(f"{path}: {value!r} is not one of {enum}")
    pattern = shape.metadata.get("pattern")
    regex = _compiled(pattern) if pattern else None
    # Matched whole, stricter than Smithy's unanchored reading on purpose: every published id
    # (mcc-12345678, docs/conformance.md) is the whole pattern, and unanchored an invented id of
    # 17 characters passed `(mcc|lmcc)-[a-z0-9]{8}`.
    if regex is not None and not regex.fullmatch(value):
        errors.append(f"{path}: does not match pattern {pattern}")


def _check_integer(value: Any, shape: Shape, path: str, errors: list[str]) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        errors.append(f"{path}: expected an integer, got {type(value).__name__}")
        return
    _check_range(value, shape, path, "value", errors)


def _check_float(value: Any, shape: Shape, path: str, errors: list[str]) -> None:
    if not isinstance(value, int | float) or isinstance(value, bool):
        errors.append(f"{path}: expected a number, got {type(value).__name__}")
        return
    _check_range(value, shape, path, "value", errors)


def _check_boolean(value: Any, shape: Shape, path: str, errors: list[str]) -> None:
    if not isinstance(value, bool):
        errors.append(f"{path}: expected a boolean, got {type(value).__name__}")


def _check_timestamp(value: Any, shape: Shape, path: str, errors: list[str]) -> None:
    if not isinstance(value, datetime):
        errors.append(f"{path}: expected a datetime, got {type(value).__name__}")


def _check_blob(value: Any, shape: Shape, path: str, errors: list[str]) -> None:
    if not isinstance(value, bytes | bytearray):
        errors.append(f"{path}: expected bytes, got {type(value).__name__}")


def _check_range(measure: float, shape: Shape, path: str, what: str, errors: list[str]) -> None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and measure < low:
        errors.append(f"{path}: {what} {measure} is below the minimum {low}")
    if high is not None and measure > high:
        errors.append(f"{path}: {what} {measure} is above the maximum {high}")


_CHECKERS: dict[str, Callable[[Any, Shape, str, list[str]], None]] = {
    "structure": _check_structure,
    "list": _check_list,
    "map": _check_map,
    "string": _check_string,
    "integer": _check_integer,
    "long": _check_integer,
    "float": _check_float,
    "double": _check_float,
    "boolean": _check_boolean,
    "timestamp": _check_timestamp,
    "blob": _check_blob,
}
