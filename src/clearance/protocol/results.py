"""A check for operation authors: does a result dict fit the operation's output shape?

The encoder is lenient by design (absent and ``None`` members are left out,
unknown keys ignored), so a misspelt key would silently vanish from the
response. Service tests call :func:`result_problems` on what their operations
return to catch that early; nothing on the request path calls it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from clearance.protocol.models import ListShape, MapShape, Shape, StructureShape, service_spec

__all__ = ["result_problems"]

_TYPES: Mapping[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "long": (int,),
    "boolean": (bool,),
    "float": (int, float),
    "double": (int, float),
    "timestamp": (datetime, int, float),
    "blob": (bytes, bytearray, memoryview),
}


def result_problems(service: str, operation: str, result: Mapping[str, Any] | None) -> list[str]:
    """Every way ``result`` departs from the output shape, as ``path: problem`` lines."""
    shape = service_spec(service).operations[operation].output_shape
    if shape is None:
        return [] if not result else [f"{operation} has no output, got {sorted(result)}"]
    problems: list[str] = []
    _walk(result or {}, shape, operation, problems)
    return problems


def _walk(value: Any, shape: Shape, path: str, problems: list[str]) -> None:
    if isinstance(shape, StructureShape):
        _walk_structure(value, shape, path, problems)
    elif isinstance(shape, ListShape):
        if not isinstance(value, list | tuple):
            problems.append(f"{path}: expected a list, got {type(value).__name__}")
            return
        for index, item in enumerate(value):
            _walk(item, shape.member, f"{path}[{index}]", problems)
    elif isinstance(shape, MapShape):
        if not isinstance(value, Mapping):
            problems.append(f"{path}: expected a dict, got {type(value).__name__}")
            return
        for key, item in value.items():
            _walk(key, shape.key, f"{path}<key>", problems)
            _walk(item, shape.value, f"{path}[{key!r}]", problems)
    else:
        expected = _TYPES.get(shape.type_name, (object,))
        is_bool = isinstance(value, bool)
        if not isinstance(value, expected) or (is_bool and shape.type_name != "boolean"):
            problems.append(f"{path}: expected {shape.type_name}, got {type(value).__name__}")


def _walk_structure(value: Any, shape: Shape, path: str, problems: list[str]) -> None:
    if not isinstance(value, Mapping):
        problems.append(f"{path}: expected a dict for {shape.name}, got {type(value).__name__}")
        return
    for name in shape.required_members:
        if value.get(name) is None:
            problems.append(f"{path}.{name}: required member missing")
    for name, item in value.items():
        member = shape.members.get(name)
        if member is None:
            problems.append(f"{path}.{name}: not a member of {shape.name}")
        elif item is not None:
            _walk(item, member, f"{path}.{name}", problems)
