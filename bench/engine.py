"""Decision throughput of Clearance's engine, beside moto, cedarpy and a plain evaluator.

    python bench/engine.py [--requests N] [--repeat R] [--seed S] [--json] [--out FILE]

One IAM user with ten identity policies (51 statements, see ``workload.py``) and N
requests generated from a seed. Every engine decides the same requests; each is timed
as the best of R runs over the whole list (``time.perf_counter``, one process pinned
to one core, garbage collector paused as ``timeit`` does), with policies compiled and
requests built before the clock starts, and no cache of decisions. Each engine's
decisions are compared with a reference: ``tests/spec/reference.py``'s
``reference_decide`` when it is there, else the plain evaluator in this file.

This is a measurement, not a test: nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import importlib.util
import ipaddress
import json
import os
import platform
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from workload import (
    ACCOUNT,
    CONTEXT_TYPES,
    POLICIES,
    PRINCIPAL_ARN,
    USERNAME,
    BenchRequest,
    generate_requests,
    statement_count,
    to_case,
)

ROOT = Path(__file__).resolve().parents[1]
SPEC_REFERENCE = ROOT / "tests" / "spec" / "reference.py"

ALLOWED = "allowed"
EXPLICIT_DENY = "explicit_deny"
IMPLICIT_DENY = "implicit_deny"

Document = dict[str, Any]


# =====================================================================================
# (d) The plain evaluator: the obvious way to write IAM evaluation in Python.
# It reads the policy documents as JSON values on every call, matches wildcards with
# fnmatch (whose compiled patterns the standard library caches) and shares no code with
# Clearance. It covers what this workload uses; it is the bench's fallback reference
# and the baseline that Clearance's compiled engine is compared with.
# =====================================================================================

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_NEGATED = {"StringNotEquals", "StringNotLike", "NotIpAddress", "NumericNotEquals", "DateNotEquals"}


def plain_decide(
    policies: Sequence[Document], action: str, resource: str, context: dict[str, Any]
) -> str:
    """``allowed``, ``explicit_deny`` or ``implicit_deny`` for an IAM user in its own account."""
    action = action.lower()
    if action == "sts:getcalleridentity":
        return ALLOWED  # needs no permission; not even an explicit deny blocks it
    ctx = {k.lower(): v if isinstance(v, list) else [v] for k, v in context.items()}
    allowed = False
    for document in policies:
        statements = document["Statement"]
        for statement in statements if isinstance(statements, list) else [statements]:
            if _statement_applies(statement, action, resource, ctx):
                if statement["Effect"] == "Deny":
                    return EXPLICIT_DENY
                allowed = True
    return ALLOWED if allowed else IMPLICIT_DENY


def _listed(value: Any) -> list[str]:
    return value if isinstance(value, list) else [value]


def _statement_applies(
    statement: Document, action: str, resource: str, ctx: dict[str, list[str]]
) -> bool:
    if "Action" in statement:
        if not any(_action_matches(p, action) for p in _listed(statement["Action"])):
            return False
    elif any(_action_matches(p, action) for p in _listed(statement["NotAction"])):
        return False
    if "Resource" in statement:
        if not any(_arn_matches(p, resource, ctx) for p in _listed(statement["Resource"])):
            return False
    elif "NotResource" in statement:
        for pattern in _listed(statement["NotResource"]):
            hit = _arn_matches(pattern, resource, ctx)
            if hit is None or hit:
                return False
    for operator, block in statement.get("Condition", {}).items():
        for key, values in block.items():
            if not _condition(operator, key, _listed(values), ctx):
                return False
    return True


def _action_matches(pattern: str, action: str) -> bool:
    """Actions (``action`` comes lower-cased) match without regard to case, with
    ``*`` and ``?`` wildcards."""
    return fnmatchcase(action, pattern.lower().replace("[", "[[]"))


def _literal(text: str) -> str:
    """``text`` as an fnmatch pattern that matches only itself."""
    return "".join(f"[{ch}]" if ch in "*?[" else ch for ch in text)


def _resolve(text: str, ctx: dict[str, list[str]], wildcards: bool) -> str | None:
    """Replace policy variables (None when one has no single value). With
    ``wildcards`` the result is an fnmatch pattern where only the policy's own
    ``*`` and ``?`` are wildcards: text from a variable is literal."""
    out = []
    position = 0
    for found in _VARIABLE.finditer(text):
        values = ctx.get(found.group(1).strip().lower())
        if values is None or len(values) != 1:
            return None
        before = text[position : found.start()]
        if wildcards:
            out += [before.replace("[", "[[]"), _literal(values[0])]
        else:
            out += [before, values[0]]
        position = found.end()
    rest = text[position:]
    out.append(rest.replace("[", "[[]") if wildcards else rest)
    return "".join(out)


def _arn_matches(pattern: str, resource: str, ctx: dict[str, list[str]]) -> bool | None:
    """ARN patterns match segment by segment, so a wildcard in one of the first five
    segments stays inside it. None when a variable in the pattern has no value."""
    resolved = _resolve(pattern, ctx, wildcards=True)
    if resolved is None:
        return None
    if resolved == "*":
        return True
    wanted, got = resolved.split(":", 5), resource.split(":", 5)
    if len(wanted) < 6 or len(got) < 6:
        return fnmatchcase(resource, resolved)
    return all(fnmatchcase(g, w) for w, g in zip(wanted, got, strict=True))


def _condition(
    operator: str, key: str, policy_values: list[str], ctx: dict[str, list[str]]
) -> bool:
    qualifier, _, name = operator.rpartition(":")
    if_exists = name.endswith("IfExists")
    name = name.removesuffix("IfExists")
    present = ctx.get(key.lower()) or None  # an empty list counts as absent
    if name == "Null":
        return any((present is None) == (p.lower() == "true") for p in policy_values)
    wildcards = name in ("StringLike", "StringNotLike")
    resolved = [_resolve(p, ctx, wildcards) for p in policy_values]
    wanted = [p for p in resolved if p is not None]
    if not wanted:
        return False
    negated = name in _NEGATED
    if present is None:
        if if_exists or qualifier == "ForAllValues":
            return True
        return negated and qualifier != "ForAnyValue"

    def one(value: str) -> bool:
        return any(_compare(name, p, value) for p in wanted) != negated

    if qualifier == "ForAllValues":
        return all(one(v) for v in present)
    if qualifier == "ForAnyValue":
        return any(one(v) for v in present)
    hit = any(any(_compare(name, p, v) for p in wanted) for v in present)
    return hit != negated


def _compare(name: str, policy: str, value: str) -> bool:
    base = (
        name.replace("Not", "", 1)
        if name.startswith(("StringNot", "NotIp", "NumericNot", "DateNot"))
        else name
    )
    if base == "StringEquals":
        return value == policy
    if base == "StringLike":
        return fnmatchcase(value, policy)
    if base == "Bool":
        return value.lower() == policy.lower()
    if base.startswith("Numeric"):
        return _ordered(base.removeprefix("Numeric"), float(value), float(policy))
    if base.startswith("Date"):
        return _ordered(base.removeprefix("Date"), _moment(value), _moment(policy))
    if base == "IpAddress":
        address = ipaddress.ip_address(value)
        network = ipaddress.ip_network(policy, strict=False)
        return address.version == network.version and address in network
    raise ValueError(f"the plain evaluator does not know {name}")


def _ordered(how: str, left: float, right: float) -> bool:
    return {
        "Equals": left == right,
        "LessThan": left < right,
        "LessThanEquals": left <= right,
        "GreaterThan": left > right,
        "GreaterThanEquals": left >= right,
    }[how]


def _moment(text: str) -> float:
    return dt.datetime.fromisoformat(text).timestamp()


# =====================================================================================
# Engines. Each turns the workload into its own inputs (untimed) and offers a function
# that decides a list of them (timed) and one that reads an outcome from a result.
# =====================================================================================


@dataclass
class Engine:
    name: str
    items: Sequence[Any]
    run: Callable[[Sequence[Any]], list[Any]]
    outcome: Callable[[Any], str]
    notes: list[str] = field(default_factory=list)


def _documents() -> list[Document]:
    return [document for _, document in POLICIES]


def clearance_engines(requests: Sequence[BenchRequest], slow_limit: int) -> list[Engine]:
    from clearance.engine import NamedPolicy, PolicySet, Request, evaluate, parse_principal
    from clearance.policy import parse_policy
    from clearance.simulate import run_case

    start = time.perf_counter()
    policy_set = PolicySet(identity=[NamedPolicy(pid, parse_policy(doc)) for pid, doc in POLICIES])
    compiled = time.perf_counter() - start
    principal = parse_principal(PRINCIPAL_ARN)
    items = [
        Request(
            principal=principal,
            action=r.action,
            resource=r.resource,
            # A single-valued key holds a string, a multi-valued key a tuple.
            context={
                k.lower(): v if isinstance(v, str) else tuple(v) for k, v in r.context.items()
            },
            resource_account=ACCOUNT,
        )
        for r in requests
    ]

    def fast(batch: Sequence[Any]) -> list[Any]:
        return [evaluate(request, policy_set) for request in batch]

    def explained(batch: Sequence[Any]) -> list[Any]:
        return [evaluate(request, policy_set, explain=True) for request in batch]

    def simulate(batch: Sequence[Any]) -> list[Any]:
        return [run_case(case) for case in batch]

    def outcome(decision: Any) -> str:
        return str(decision.outcome.value)

    cases = [to_case(r) for r in requests[:slow_limit]]
    compile_note = f"parsing and compiling the 10 policies once took {compiled * 1e3:.1f} ms"
    return [
        Engine("clearance evaluate()", items, fast, outcome, [compile_note]),
        Engine("clearance evaluate(explain=True)", items, explained, outcome),
        Engine(
            "clearance simulate.run_case()",
            cases,
            simulate,
            lambda result: str(result.get("decision") or result),
            ["parses and compiles the 10 policies for every case; for information"],
        ),
    ]


def moto_engines(requests: Sequence[BenchRequest], slow_limit: int) -> list[Engine]:
    from moto.iam.access_control import IAMPolicy, PermissionResult

    texts = [json.dumps(document) for document in _documents()]
    loaded = [IAMPolicy(text) for text in texts]
    denied, permitted = PermissionResult.DENIED, PermissionResult.PERMITTED

    def decide(policies: Sequence[Any], action: str, resource: str, values: dict[str, str]) -> str:
        # As IAMRequestBase.check_action_permitted does it.
        if action == "sts:GetCallerIdentity":
            return ALLOWED
        granted = False
        for policy in policies:
            result = policy.is_action_permitted(action, resource, None, values)
            if result == denied:
                return EXPLICIT_DENY
            if result == permitted:
                granted = True
        return ALLOWED if granted else IMPLICIT_DENY

    def preloaded(batch: Sequence[Any]) -> list[Any]:
        return [decide(loaded, *item) for item in batch]

    def per_request(batch: Sequence[Any]) -> list[Any]:
        return [decide([IAMPolicy(text) for text in texts], *item) for item in batch]

    # moto reads single string values by the key's exact spelling.
    items = [
        (r.action, r.resource, {k: v for k, v in r.context.items() if isinstance(v, str)})
        for r in requests
    ]
    notes = [
        "moto checks only StringEquals conditions (an absent key passes); other operators hold",
        "moto returns DENIED when any statement's conditions fail, an Allow's included",
        "moto reads a statement without Resource (NotResource) as matching, Deny or Allow",
        "moto matches actions case-sensitively, as regexes ('*' -> '.*'), without variables",
        "so here the Denies guarded by DateGreaterThan (Expiry) and NotIpAddress (DenyOutsideCorp)",
        "  hold for every request: moto allows only what its request path exempts",
        "  (sts:GetCallerIdentity)",
    ]
    return [
        Engine("moto IAMPolicy (policies pre-loaded)", items, preloaded, str, notes),
        Engine(
            "moto IAMPolicy (JSON parsed per request)",
            items[:slow_limit],
            per_request,
            str,
            ["as moto's request path does it: IAMPolicy(json) for every request"],
        ),
    ]


class CedarTranslation:
    """IAM identity policies as Cedar policies, requests as Cedar requests.

    The action and resource become Cedar entities (``Action::"s3:getobject"``,
    ``Resource::"arn:..."``) and, for ``like`` patterns, strings in the context.
    Literal actions go into the scope (``action in [...]``); wildcards become
    ``context.action like "..."``; NotAction/NotResource negate; condition keys become
    lower-cased context attributes, typed by ``CONTEXT_TYPES`` (ip, datetime, Long,
    Set). Absent keys are guarded with ``has``, following IAM's rules for absent keys,
    negated operators, ``IfExists`` and the set qualifiers.
    """

    def __init__(self) -> None:
        self.notes: list[str] = []

    def policies(self) -> str:
        out = []
        for pid, document in POLICIES:
            for index, statement in enumerate(document["Statement"]):
                sid = statement.get("Sid", str(index))
                out.append(f'@id("{pid.rsplit("/", 1)[-1]}/{sid}")\n{self.statement(statement)}')
        # AWS's own rule: sts:GetCallerIdentity needs no permission and no Deny blocks it.
        out.append(f'@id("aws/GetCallerIdentity")\npermit(principal, action == {_FREE}, resource);')
        return "\n".join(out)

    def statement(self, statement: Document) -> str:
        effect = "permit" if statement["Effect"] == "Allow" else "forbid"
        scope, action_test = self._action(statement)
        tests = [action_test, self._resource(statement)]
        for operator, block in statement.get("Condition", {}).items():
            for key, values in block.items():
                tests.append(self._condition(operator, key, _listed(values)))
        body = " &&\n  ".join(t for t in tests if t != "true")
        when = f" when {{\n  {body}\n}}" if body else ""
        unless = f" unless {{ action == {_FREE} }}" if effect == "forbid" else ""
        return f"{effect}(principal, {scope}, resource){when}{unless};"

    def _action(self, statement: Document) -> tuple[str, str]:
        """The scope's action part, and a test for the ``when`` clause ("true": none)."""
        negate = "Action" not in statement
        patterns = [p.lower() for p in _listed(statement["NotAction" if negate else "Action"])]
        literal = [p for p in patterns if "*" not in p and "?" not in p]
        wild = [p for p in patterns if p not in literal]
        if any("?" in p for p in wild):
            self._note("Cedar's like has no '?': an action pattern with '?' was not translated")
        if not negate and not wild:
            return f"action in [{_actions(literal)}]", "true"
        if "*" in wild:  # every action
            return "action", "false" if negate else "true"
        tests = [f"action in [{_actions(literal)}]"] if literal else []
        tests += [f"context.action like {_cedar_string(p)}" for p in wild]
        test = " || ".join(tests)
        return "action", f"!({test})" if negate else f"({test})"

    def _resource(self, statement: Document) -> str:
        if "Resource" not in statement and "NotResource" not in statement:
            return "true"
        negate = "Resource" not in statement
        tests = []
        for pattern in _listed(statement["NotResource" if negate else "Resource"]):
            if pattern == "*":
                return "false" if negate else "true"
            if "${" in pattern:
                # Cedar cannot build a pattern from a request value: link the variable
                # for the one principal, as a Cedar template linked per user would.
                self._note(
                    "${aws:username} in Resource: substituted when translating"
                    " (Cedar has no string concatenation)"
                )
            linked = pattern.replace("${aws:username}", USERNAME)
            if "*" in linked or "?" in linked:
                tests.append(f"context.resource like {_cedar_string(linked)}")
            else:
                tests.append(f"resource == Resource::{_cedar_string(linked)}")
        test = " || ".join(tests)
        return f"!({test})" if negate else f"({test})"

    def _condition(self, operator: str, key: str, values: list[str]) -> str:
        qualifier, _, name = operator.rpartition(":")
        if_exists = name.endswith("IfExists")
        name = name.removesuffix("IfExists")
        k = key.lower()
        has = f"context has {_cedar_string(k)}"
        attr = f"context[{_cedar_string(k)}]"
        kind = CONTEXT_TYPES.get(key, "string")
        if name == "Null":
            return f"!({has})" if values[0].lower() == "true" else has
        if kind == "set":
            strings = ", ".join(_cedar_string(v) for v in values)
            if qualifier == "ForAnyValue" and name == "StringEquals":
                return f"({has} && {attr}.containsAny([{strings}]))"
            if qualifier == "ForAllValues" and name == "StringEquals":
                return f"(!({has}) || [{strings}].containsAll({attr}))"
            self._note(
                f"{operator} on a set has no Cedar equivalent"
                " (no quantifier over a set's members): read as false"
            )
            return "false"
        negated = name in _NEGATED
        base = name.replace("Not", "", 1) if negated else name
        one = " || ".join(self._compare(base, attr, v) for v in values)
        if negated:
            return f"(!({has}) || !({one}))"
        if if_exists:
            return f"(!({has}) || {one})"
        guards = [has] + [
            f"context has {_cedar_string(v[2:-1].lower())}" for v in values if _is_variable(v)
        ]
        return f"({' && '.join(guards)} && ({one}))"

    def _compare(self, base: str, attr: str, value: str) -> str:
        if _is_variable(value):
            other = f"context[{_cedar_string(value[2:-1].lower())}]"
            if base == "StringEquals":
                return f"{attr} == {other}"
            raise ValueError(f"no translation for a variable with {base}")
        if base in ("StringEquals", "Bool"):
            return f"{attr} == {_cedar_string(value.lower() if base == 'Bool' else value)}"
        if base == "StringLike":
            return f"{attr} like {_cedar_string(value)}"
        if base == "IpAddress":
            return f"{attr}.isInRange(ip({_cedar_string(value)}))"
        ordered = {
            "LessThan": "<",
            "LessThanEquals": "<=",
            "GreaterThan": ">",
            "GreaterThanEquals": ">=",
        }
        if base.startswith("Numeric"):
            return f"{attr} {ordered[base.removeprefix('Numeric')]} {int(value)}"
        if base.startswith("Date"):
            return f"{attr} {ordered[base.removeprefix('Date')]} datetime({_cedar_string(value)})"
        raise ValueError(f"no Cedar translation for {base}")

    def _note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    @staticmethod
    def request(request: BenchRequest) -> dict[str, Any]:
        context: dict[str, Any] = {"action": request.action.lower(), "resource": request.resource}
        for key, value in request.context.items():
            kind = CONTEXT_TYPES.get(key, "string")
            if kind == "ip":
                context[key.lower()] = {"__extn": {"fn": "ip", "arg": value}}
            elif kind == "datetime":
                context[key.lower()] = {"__extn": {"fn": "datetime", "arg": value}}
            elif kind == "long":
                context[key.lower()] = int(str(value))
            else:
                context[key.lower()] = value
        return {
            "principal": {"type": "User", "id": USERNAME},
            "action": {"type": "Action", "id": request.action.lower()},
            "resource": {"type": "Resource", "id": request.resource},
            # Serialized once here, as Clearance's Request values are built once.
            "context": json.dumps(context),
        }


_FREE = 'Action::"sts:getcalleridentity"'


def _is_variable(value: str) -> bool:
    return value.startswith("${") and value.endswith("}") and value.count("${") == 1


def _cedar_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=True)


def _actions(names: Sequence[str]) -> str:
    return ", ".join(f"Action::{_cedar_string(n)}" for n in names)


def cedar_engines(requests: Sequence[BenchRequest], slow_limit: int) -> list[Engine]:
    import cedarpy

    translation = CedarTranslation()
    policy_set = cedarpy.PolicySet.from_str(translation.policies())
    entities = cedarpy.Entities.from_json_str("[]")
    items = [translation.request(r) for r in requests]

    def single(batch: Sequence[Any]) -> list[Any]:
        return [cedarpy.is_authorized(item, policy_set, entities) for item in batch]

    def batched(batch: Sequence[Any]) -> list[Any]:
        return cedarpy.is_authorized_batch(list(batch), policy_set, entities)

    def outcome(result: Any) -> str:
        if result.diagnostics.errors:
            return "error"
        if result.allowed:
            return ALLOWED
        return EXPLICIT_DENY if result.diagnostics.reasons else IMPLICIT_DENY

    notes = [
        *translation.notes,
        "Cedar's like '*' also spans ':' (IAM's does not inside the first five ARN segments)",
    ]
    return [
        Engine("cedarpy is_authorized (one call each)", items, single, outcome, notes),
        Engine("cedarpy is_authorized_batch (one call)", items, batched, outcome),
    ]


def plain_engines(requests: Sequence[BenchRequest], slow_limit: int) -> list[Engine]:
    documents = _documents()
    items = [(r.action, r.resource, r.context) for r in requests]

    def run(batch: Sequence[Any]) -> list[Any]:
        return [plain_decide(documents, *item) for item in batch]

    return [Engine("plain pure-Python evaluator", items, run, str)]


ENGINE_FAMILIES: dict[str, Callable[[Sequence[BenchRequest], int], list[Engine]]] = {
    "clearance": clearance_engines,
    "moto": moto_engines,
    "cedar": cedar_engines,
    "plain": plain_engines,
}


# =====================================================================================
# The reference
# =====================================================================================


def load_spec_reference() -> Callable[[dict[str, Any]], Any] | None:
    """``tests/spec/reference.py``'s ``reference_decide``, when it exists and loads."""
    if not SPEC_REFERENCE.exists():
        return None
    spec = importlib.util.spec_from_file_location("clearance_spec_reference", SPEC_REFERENCE)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
    except Exception:  # a reference under construction must not break the bench
        del sys.modules[spec.name]
        return None
    decide = getattr(module, "reference_decide", None)
    return decide if callable(decide) else None


def outcome_text(value: Any) -> str:
    """A reference's answer as ``allowed`` / ``explicit_deny`` / ``implicit_deny``."""
    if isinstance(value, dict):
        value = value.get("decision")
    value = getattr(value, "outcome", value)
    value = getattr(value, "value", value)
    if isinstance(value, bool):
        return ALLOWED if value else "denied"
    return str(value)


@dataclass
class Reference:
    name: str
    outcomes: list[str]
    notes: list[str]


def reference_outcomes(requests: Sequence[BenchRequest], which: str) -> Reference:
    documents = _documents()
    plain = [plain_decide(documents, r.action, r.resource, r.context) for r in requests]
    spec = load_spec_reference() if which in ("auto", "spec") else None
    if spec is None:
        if which == "spec":
            raise SystemExit(f"{SPEC_REFERENCE} is missing or does not load")
        return Reference("the plain evaluator in bench/engine.py", plain, [])
    try:
        outcomes = [outcome_text(spec(to_case(r))) for r in requests]
    except Exception as error:
        if which == "spec":
            raise
        note = f"tests/spec/reference.py failed ({type(error).__name__}: {error}); fell back"
        return Reference("the plain evaluator in bench/engine.py", plain, [note])
    same = sum(a == b for a, b in zip(outcomes, plain, strict=True))
    note = f"the plain evaluator agrees with it on {_percent(same, len(plain))} of requests"
    return Reference("tests/spec/reference.py reference_decide()", outcomes, [note])


# =====================================================================================
# Measuring and reporting
# =====================================================================================


@dataclass
class Result:
    engine: str
    requests: int
    seconds: float
    per_second: float
    microseconds: float
    agreement: float
    allow_agreement: float
    outcomes: dict[str, int]
    mismatches: dict[str, int]
    examples: list[str]
    notes: list[str]


def best_time(
    run: Callable[[Sequence[Any]], list[Any]], items: Sequence[Any], repeat: int
) -> tuple[float, list[Any]]:
    """The fastest of ``repeat`` runs, with the garbage collector paused as timeit does."""
    best, results = float("inf"), []
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        for _ in range(repeat):
            start = time.perf_counter()
            results = run(items)
            best = min(best, time.perf_counter() - start)
    finally:
        if enabled:
            gc.enable()
    return best, results


def measure(
    engine: Engine, repeat: int, reference: Sequence[str], requests: Sequence[BenchRequest]
) -> Result:
    seconds, results = best_time(engine.run, engine.items, repeat)
    count = len(engine.items)
    outcomes = [engine.outcome(r) for r in results]
    expected = reference[:count]
    same = sum(a == b for a, b in zip(outcomes, expected, strict=True))
    same_bit = sum(
        (a == ALLOWED) == (b == ALLOWED) for a, b in zip(outcomes, expected, strict=True)
    )
    mismatches = Counter(f"{b} -> {a}" for a, b in zip(outcomes, expected, strict=True) if a != b)
    examples = [
        f"{requests[i].action} {requests[i].resource}: reference {expected[i]}, got {outcomes[i]}"
        for i in range(count)
        if outcomes[i] != expected[i]
    ][:3]
    return Result(
        engine=engine.name,
        requests=count,
        seconds=seconds,
        per_second=count / seconds,
        microseconds=seconds / count * 1e6,
        agreement=100.0 * same / count,
        allow_agreement=100.0 * same_bit / count,
        outcomes=dict(Counter(outcomes).most_common()),
        mismatches=dict(mismatches.most_common()),
        examples=examples,
        notes=engine.notes,
    )


def pin_to_one_core() -> str:
    """Run on one core, so that the numbers mean one core."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned"
    cores = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cores[-1]})
    return f"pinned to core {cores[-1]}"


def machine_info(pinning: str) -> dict[str, Any]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "pinning": pinning,
        "loadavg": _loadavg(),
        "versions": _versions(),
        "commit": _commit(),
    }


def _loadavg() -> str:
    """The 1/5/15-minute load: other work on the machine shows up in the numbers."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("clearance", "moto", "cedarpy"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def _commit() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head}{' (src modified)' if dirty else ''}"


def _percent(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.2f}%" if whole else "n/a"


def run_benchmark(
    count: int, repeat: int, seed: int, families: Sequence[str], slow_limit: int, reference: str
) -> dict[str, Any]:
    requests = generate_requests(count, seed)
    ref = reference_outcomes(requests, reference)
    results: list[Result] = []
    skipped: dict[str, str] = {}
    for family in families:
        try:
            engines = ENGINE_FAMILIES[family](requests, slow_limit)
        except ImportError as error:
            skipped[family] = f"not installed ({error.name})"
            continue
        results.extend(measure(engine, repeat, ref.outcomes, requests) for engine in engines)
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "workload": {
            "seed": seed,
            "requests": count,
            "repeat": repeat,
            "principal": PRINCIPAL_ARN,
            "policies": len(POLICIES),
            "statements": statement_count(),
            "outcomes": dict(Counter(ref.outcomes).most_common()),
        },
        "reference": {"name": ref.name, "notes": ref.notes},
        "results": [asdict(r) for r in results],
        "skipped": skipped,
    }


def render(report: dict[str, Any], machine: dict[str, Any]) -> str:
    w = report["workload"]
    lines = [
        f"Clearance engine benchmark, {report['date']}",
        f"workload: 1 principal, {w['policies']} identity policies, {w['statements']} statements; "
        f"{w['requests']} requests (seed {w['seed']}); best of {w['repeat']} runs",
        f"reference outcomes: {', '.join(f'{k} {v}' for k, v in w['outcomes'].items())}",
        f"reference: {report['reference']['name']}",
        *(f"  {note}" for note in report["reference"]["notes"]),
        "",
        f"{'engine':<42}{'requests':>9}{'decisions/s':>13}{'µs/decision':>13}"
        f"{'agree %':>9}{'allow/deny agree %':>20}",
    ]
    for r in report["results"]:
        lines.append(
            f"{r['engine']:<42}{r['requests']:>9}{r['per_second']:>13,.0f}{r['microseconds']:>13.2f}"
            f"{r['agreement']:>9.2f}{r['allow_agreement']:>20.2f}"
        )
    fast = {r["engine"]: r["microseconds"] for r in report["results"]}
    base = fast.get("clearance evaluate()")
    if base:
        ratios = [
            f"{name} {us / base:.1f}x"
            for name, us in fast.items()
            if name != "clearance evaluate()"
        ]
        lines += ["", "time per decision relative to clearance evaluate(): " + "; ".join(ratios)]
    for family, why in report["skipped"].items():
        lines.append(f"skipped {family}: {why}")
    lines += ["", "disagreements with the reference:"]
    for r in report["results"]:
        if r["mismatches"]:
            lines += [
                f"  {r['engine']}",
                "    decided: " + ", ".join(f"{k} {v}" for k, v in r["outcomes"].items()),
                "    reference -> engine: "
                + ", ".join(f"{k}: {v}" for k, v in r["mismatches"].items()),
                *(f"    e.g. {example}" for example in r["examples"]),
            ]
    if all(not r["mismatches"] for r in report["results"]):
        lines.append("  none")
    lines += ["", "notes:"]
    for r in report["results"]:
        lines += [f"  {r['engine']}: {note}" for note in r["notes"]]
    lines += [
        "",
        f"machine: nproc {machine['nproc']}, {machine['cpu']}, {machine['python']},"
        f" {machine['platform']}",
        f"         {machine['pinning']}; load average before {machine['loadavg_before']},"
        f" after {machine['loadavg']}; commit {machine['commit']}; "
        + ", ".join(f"{k} {v}" for k, v in machine["versions"].items()),
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=10_000, help="requests to decide (10000)")
    parser.add_argument(
        "--repeat", type=int, default=5, help="runs per engine; the best counts (5)"
    )
    parser.add_argument("--seed", type=int, default=2026, help="workload seed (2026)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--out", type=Path, help="also write the text report to this file")
    parser.add_argument(
        "--engines",
        default=",".join(ENGINE_FAMILIES),
        help="families to run: clearance,moto,cedar,plain",
    )
    parser.add_argument(
        "--slow-limit",
        type=int,
        default=1000,
        help="requests for the per-case parsing paths (1000)",
    )
    parser.add_argument("--reference", choices=("auto", "spec", "plain"), default="auto")
    parser.add_argument("--no-pin", action="store_true", help="do not pin the process to one core")
    args = parser.parse_args(argv)

    families = [f.strip() for f in args.engines.split(",") if f.strip()]
    unknown = [f for f in families if f not in ENGINE_FAMILIES]
    if unknown:
        parser.error(f"unknown engines: {', '.join(unknown)}")
    pinning = "not pinned" if args.no_pin else pin_to_one_core()
    load_before = _loadavg()
    report = run_benchmark(
        args.requests, args.repeat, args.seed, families, args.slow_limit, args.reference
    )
    machine = {**machine_info(pinning), "loadavg_before": load_before}
    text = render(report, machine)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    if args.json:
        print(json.dumps({**report, "machine": machine}, indent=2))
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
