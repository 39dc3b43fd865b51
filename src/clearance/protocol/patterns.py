"""The models' ``pattern`` constraints (Java regular expressions) compiled for Python.

AWS checks these patterns in Java, so the translation keeps Java's meaning:

* a whole-value match (Java's ``matches``), hence :meth:`re.Pattern.fullmatch`;
* ``\\w``, ``\\d`` and ``\\s`` are ASCII-only (Java's default), hence ``re.ASCII``;
* ``\\uXXXX`` takes exactly four hex digits in both languages, so the models'
  ``\\u10000-\\u10FFFF`` means ``\\u1000``, ``0-\\u10FF``, ``F``, ``F`` in both, and
  AWS really does refuse supplementary characters there;
* ``\\p{L}``-style Unicode categories, which Python's ``re`` lacks, become
  explicit code point ranges computed from :mod:`unicodedata` (once, lazily).

A pattern that does not translate yields ``None``: the constraint is then not
checked, rather than checked wrongly.
"""

from __future__ import annotations

import functools
import re
import unicodedata

__all__ = ["compile_pattern"]

_CATEGORY = re.compile(r"\\([pP])\{(?:Is)?([A-Za-z]{1,2})\}")


@functools.cache
def _category_ranges() -> dict[str, list[tuple[int, int]]]:
    """Code point ranges per general category ("Lu") and major class ("L")."""
    ranges: dict[str, list[tuple[int, int]]] = {}
    category = unicodedata.category
    current: dict[str, tuple[int, int]] = {}
    for cp in range(0x110000):
        cat = category(chr(cp))
        for key in (cat, cat[0]):
            run = current.get(key)
            if run is not None and run[1] == cp - 1:
                current[key] = (run[0], cp)
            else:
                if run is not None:
                    ranges.setdefault(key, []).append(run)
                current[key] = (cp, cp)
    for key, run in current.items():
        ranges.setdefault(key, []).append(run)
    return ranges


def _class_body(name: str) -> str | None:
    runs = _category_ranges().get(name)
    if runs is None:
        return None
    parts = []
    for start, end in runs:
        if start == end:
            parts.append(f"\\U{start:08x}")
        else:
            parts.append(f"\\U{start:08x}-\\U{end:08x}")
    return "".join(parts)


def _translate(pattern: str) -> str | None:
    out: list[str] = []
    in_class = False
    i = 0
    n = len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            match = _CATEGORY.match(pattern, i)
            if match is None:
                out.append(pattern[i : i + 2])
                i += 2
                continue
            body = _class_body(match.group(2))
            negated = match.group(1) == "P"
            if body is None or (negated and in_class):
                return None
            if in_class:
                out.append(body)
            else:
                out.append(f"[{'^' if negated else ''}{body}]")
            i = match.end()
            continue
        if ch == "[" and not in_class:
            in_class = True
        elif ch == "]" and in_class:
            in_class = False
        out.append(ch)
        i += 1
    return "".join(out)


@functools.cache
def compile_pattern(pattern: str) -> re.Pattern[str] | None:
    """The Python equivalent of a model pattern, for ``fullmatch``; None if untranslatable."""
    translated = _translate(pattern)
    if translated is None:
        return None
    try:
        return re.compile(translated, re.ASCII)
    except re.error:
        return None
