"""Micro-benchmark of the query codec: ``python -m tests.protocol.bench_codec``.

Times decode (raw form body -> DecodedRequest, validation included) and encode
(result dict -> XML bytes) for GetUser and ListUsers (100 users, tags on each).
"""

from __future__ import annotations

import timeit
from datetime import UTC, datetime, timedelta
from typing import Any

from clearance.protocol import decode_request, encode_result, warm
from clearance.wire import WireRequest

FORM = (("content-type", "application/x-www-form-urlencoded; charset=utf-8"),)
CREATED = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def _user(i: int, tags: int = 0) -> dict[str, Any]:
    return {
        "Path": "/",
        "UserName": f"user{i}",
        "UserId": f"AIDA{i:017d}",
        "Arn": f"arn:aws:iam::123456789012:user/user{i}",
        "CreateDate": CREATED + timedelta(seconds=i),
        **({"Tags": [{"Key": f"k{t}", "Value": f"v{t}"} for t in range(tags)]} if tags else {}),
    }


def _per_call(fn: Any, number: int) -> float:
    best = min(timeit.repeat(fn, number=number, repeat=5))
    return best / number * 1e6


def main() -> None:
    warm("iam")
    get_user = WireRequest.build(
        "POST", "/", "", FORM, b"Action=GetUser&Version=2010-05-08&UserName=user1"
    )
    list_users = WireRequest.build(
        "POST", "/", "", FORM, b"Action=ListUsers&Version=2010-05-08&PathPrefix=%2F&MaxItems=100"
    )
    request_id = "3f1c2d9e-1b2a-4c5d-8e9f-0a1b2c3d4e5f"
    one = {"User": _user(1, tags=2)}
    page = {"Users": [_user(i) for i in range(100)], "IsTruncated": True, "Marker": "m" * 40}
    rows = [
        ("GetUser decode", _per_call(lambda: decode_request("iam", get_user), 20000)),
        (
            "GetUser encode",
            _per_call(lambda: encode_result("iam", "GetUser", one, request_id), 20000),
        ),
        ("ListUsers decode", _per_call(lambda: decode_request("iam", list_users), 20000)),
        (
            "ListUsers(100) encode",
            _per_call(lambda: encode_result("iam", "ListUsers", page, request_id), 500),
        ),
    ]
    for name, micros in rows:
        print(f"{name:24s} {micros:8.1f} µs")


if __name__ == "__main__":
    main()
