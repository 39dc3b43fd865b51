"""Reasoning about wildcard patterns as sets of strings.

``*`` stands for any run of characters and ``?`` for one, as in IAM. The
linter asks two questions of patterns: could two patterns match a common
string (an ARN pattern in a policy against a resource type's ARN format), and
does one pattern match everything another does (a redundant entry). The
first is decided exactly; the second is a sound test (it may miss an
inclusion, never invent one).

In a policy's ARN, as in :mod:`clearance.policy.resource`, a ``*`` in one of
the first five parts stays inside it (:data:`NO_COLON`) and a ``*`` in the
resource part spans the rest; a policy variable may become any text.

An ARN format's variables become stars: most names may hold ``/`` (log
groups, secrets and parameters do) but not ``:`` unless they end the ARN
(:data:`NO_COLON`, or ``*`` at the end); the few that AWS documents as free of
``/`` (:data:`_SLASH_FREE`: partitions, Regions, accounts, bucket, function,
queue, topic and table names) become :data:`SEGMENT` (neither ``/`` nor ``:``)
or, at the end, :data:`NO_SLASH` — so ``s3:ListBucket`` on ``bucket/*`` is a
mismatch while ``lambda:InvokeFunction`` on ``function:name:alias`` is not.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = [
    "NO_COLON",
    "NO_SLASH",
    "SEGMENT",
    "arn_format_glob",
    "glob_covers",
    "globs_intersect",
    "policy_glob",
]

SEGMENT = "\x01"
NO_SLASH = "\x02"
NO_COLON = "\x03"
_SLASH_FREE = frozenset(
    {
        "Partition",
        "Region",
        "Account",
        "BucketName",
        "FunctionName",
        "QueueName",
        "TopicName",
        "TableName",
    }
)
_EXCLUDED = {"*": "", SEGMENT: "/:", NO_SLASH: "/", NO_COLON: ":"}
_VARIABLE = re.compile(r"\$\{[^}]*\}")


@lru_cache(maxsize=8192)
def arn_format_glob(arn_format: str) -> str:
    """``arn:${Partition}:s3:::${BucketName}/${ObjectName}`` → ``arn:⟨seg⟩:s3:::⟨seg⟩/*``."""
    out: list[str] = []
    position = 0
    for found in _VARIABLE.finditer(arn_format):
        out.append(arn_format[position : found.start()])
        position = found.end()
        name, last = found.group()[2:-1], position == len(arn_format)
        if name in _SLASH_FREE:
            out.append(NO_SLASH if last else SEGMENT)
        else:
            out.append("*" if last or "Path" in name else NO_COLON)
    out.append(arn_format[position:])
    return "".join(out)


@lru_cache(maxsize=8192)
def policy_glob(value: str) -> str:
    """A policy value as a pattern: a policy variable may become any text."""
    text = _VARIABLE.sub("*", value) if "${" in value else value
    parts = text.split(":", 5)
    if len(parts) < 6:
        return text
    return ":".join([*(part.replace("*", NO_COLON) for part in parts[:5]), parts[5]])


@lru_cache(maxsize=65536)
def globs_intersect(first: str, second: str) -> bool:
    """Whether some string matches both patterns."""
    end = (len(first), len(second))
    pending = [(0, 0)]
    seen: set[tuple[int, int]] = set()
    while pending:
        state = pending.pop()
        if state in seen:
            continue
        seen.add(state)
        if state == end:
            return True
        i, j = state
        a = first[i] if i < len(first) else None
        b = second[j] if j < len(second) else None
        if a in _EXCLUDED:
            pending.append((i + 1, j))  # the star ends here
            if b is not None and b not in _EXCLUDED[a]:
                pending.append((i, j + 1))  # or takes b (b's star, or one character)
        elif b in _EXCLUDED:
            pending.append((i, j + 1))
            if a is not None and a not in _EXCLUDED[b]:
                pending.append((i + 1, j))
        elif a is not None and b is not None and (a == b or a == "?" or b == "?"):
            pending.append((i + 1, j + 1))
    return False


@lru_cache(maxsize=65536)
def glob_covers(general: str, specific: str) -> bool:
    """Whether every string matching ``specific`` matches ``general`` (sound, not complete)."""
    end = (len(general), len(specific))
    pending = [(0, 0)]
    seen: set[tuple[int, int]] = set()
    while pending:
        state = pending.pop()
        if state in seen:
            continue
        seen.add(state)
        if state == end:
            return True
        i, j = state
        g = general[i] if i < len(general) else None
        s = specific[j] if j < len(specific) else None
        if g == "*":
            pending.append((i + 1, j))
            if s is not None:
                pending.append((i, j + 1))
        elif s is not None and ((g == "?" and s != "*") or g == s):
            pending.append((i + 1, j + 1))
    return False
