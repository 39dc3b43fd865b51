"""Form encoding (``application/x-www-form-urlencoded``) read safely into a parameter tree.

``Tags.member.1.Key=k&Tags.member.1.Value=v`` becomes
``{"Tags": {"member": {"1": {"Key": "k", "Value": "v"}}}}``: keys are split on
``.``, the first of repeated parameters wins, and a node that is both a value
and a parent (``Tags=`` beside ``Tags.member.1.Key``) keeps the value under
``""``. Bodies over :attr:`Limits.max_body_bytes`, more than
:attr:`Limits.max_params` parameters, bad percent-encoding and invalid UTF-8
are refused with AWS-style 4xx errors before any decoding starts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias
from urllib.parse import unquote_plus

from clearance.protocol.errors import MalformedQueryString, RequestEntityTooLarge

__all__ = [
    "DEFAULT_LIMITS",
    "Limits",
    "Raw",
    "form_pairs",
    "form_tree",
    "parse_form",
    "scalar",
    "tree_from_mapping",
]

Raw: TypeAlias = str | dict[str, "Raw"]


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on what one request may make the decoder do."""

    max_body_bytes: int = 1 << 20
    max_params: int = 10_000


DEFAULT_LIMITS = Limits()

_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _unquote(text: str) -> str:
    if "%" in text or "+" in text:
        return unquote_plus(text, errors="strict")
    return text


def form_pairs(data: str | bytes, limits: Limits) -> list[tuple[str, str]]:
    if len(data) > limits.max_body_bytes:
        raise RequestEntityTooLarge(
            f"Request of {len(data)} bytes exceeds the limit of {limits.max_body_bytes} bytes."
        )
    if isinstance(data, bytes | bytearray | memoryview):
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedQueryString(
                f"The request is not valid UTF-8 (byte {exc.start})."
            ) from None
    if not data:
        return []
    if data.count("&") >= limits.max_params:
        raise MalformedQueryString(f"The request has more than {limits.max_params} parameters.")
    if "%" in data:
        bad = _BAD_PERCENT.search(data)
        if bad is not None:
            raise MalformedQueryString(
                f"Malformed percent-encoding at character {bad.start()} of the request."
            )
    pairs = []
    try:
        for part in data.split("&"):
            if part:
                key, _, value = part.partition("=")
                pairs.append((_unquote(key), _unquote(value)))
    except UnicodeDecodeError:
        raise MalformedQueryString("Percent-encoded bytes are not valid UTF-8.") from None
    return pairs


def _put(node: dict[str, Raw], key: str, value: str) -> None:
    current = node.get(key)
    if current is None:
        node[key] = value
    elif type(current) is dict and "" not in current:
        current[""] = value


def form_tree(pairs: Sequence[tuple[str, str]]) -> dict[str, Raw]:
    root: dict[str, Raw] = {}
    for key, value in pairs:
        if "." not in key:
            _put(root, key, value)
            continue
        *parents, last = key.split(".")
        node = root
        for part in parents:
            child = node.get(part)
            if type(child) is not dict:
                new: dict[str, Raw] = {}
                if child is not None:
                    new[""] = child
                node[part] = new
                child = new
            node = child
        _put(node, last, value)
    return root


def parse_form(data: str | bytes, limits: Limits = DEFAULT_LIMITS) -> dict[str, Raw]:
    """A form-encoded body or query string as a tree of first-wins values."""
    return form_tree(form_pairs(data, limits))


def tree_from_mapping(form: Mapping[str, Any], limits: Limits) -> dict[str, Raw]:
    if len(form) > limits.max_params:
        raise MalformedQueryString(f"The request has more than {limits.max_params} parameters.")
    pairs = []
    for key, value in form.items():
        if isinstance(value, str):
            pairs.append((key, value))
        elif value:
            pairs.append((key, value[0]))
    return form_tree(pairs)


def scalar(node: Raw | None) -> str | None:
    if node is None or isinstance(node, str):
        return node
    inner = node.get("")
    return inner if isinstance(inner, str) else None
