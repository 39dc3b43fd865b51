"""The shared policy-validation corpora, every case as it is, plus Clearance's own table.

``../shared/conformance/policy_validation``:

* ``moto_create_policy.json`` — documents sent to IAM ``CreatePolicy`` and AWS's exact
  ``MalformedPolicyDocument`` message (recorded by moto). An invalid case must produce
  AWS's message as the *first* diagnostic, i.e. as :class:`PolicyError`'s message; a
  valid case must produce no error.
* ``iam_policy_validate.json`` — a linter's cases per policy kind. Valid ⇔ no
  diagnostic at all; for an invalid case every expected problem must be reported at
  the same place (the linter's path converted to a JSON pointer). The wording is the
  linter's, ours is AWS's, so only the place is compared. ``policy_type: any`` is
  checked with the lenient :func:`check_grammar`.

Cases that contradict AWS's documented or recorded behaviour are skipped, with the reason
and the citation, in ``CONTRADICTS_AWS``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from clearance.errors import MalformedPolicyDocument
from clearance.policy import PolicyKind, check_policy, parse_policy
from clearance.policy.diagnostics import Severity
from clearance.policy.parser import PolicyError, check_grammar
from clearance.policy.validation import pointer
from tests.conftest import shared_dir

FOLDER = "policy_validation"

SID_DOC = (
    "reference_policies_elements_sid.html: 'The Sid element supports ASCII uppercase letters "
    "(A-Z), lowercase letters (a-z), and numbers (0-9).' CreatePolicy rejects an underscore: "
    "CloudTrail records of CreatePolicy with Sid 'Atomic_Red_Team' carry AWS's "
    "MalformedPolicyDocument 'Statement IDs (SID) must be alpha-numeric. Check that your input "
    "satisfies the regular expression [0-9A-Za-z]*' (splunk/attack_data, T1580 "
    "aws_iam_assume_role_policy_brute_force). moto's table has this document as valid but moto "
    "does not check Sid characters."
)

# Shared cases that contradict AWS's documentation or AWS's recorded answers:
# name -> what AWS does, with the citation.
CONTRADICTS_AWS: dict[str, str] = {
    "moto/valid/039": "Sid 'BooleanConditionOperations_Strings_And_Booleans'. " + SID_DOC,
    "moto/valid/040": "Sid 'NullConditionOperator_Strings_And_Booleans'. " + SID_DOC,
    "iam-policy/validateTypeTests/identityPolicy/Valid Identity Policy": (
        "The document has no Version. An identity policy is created with CreatePolicy, which "
        "answers 'Policy document must be version 2012-10-17 or greater.' for a document without "
        "one (moto/invalid/001 and /060 in the other shared file record AWS's message)."
    ),
    "iam-policy/validateTypeTests/resourcePolicy/Principal or NotPrincipal is not required": (
        "reference_policies_elements_principal.html: 'You must use the Principal element in "
        "resource-based policies.' S3 answers 'Missing required field Principal'."
    ),
}

KINDS = {
    "identity": PolicyKind.IDENTITY,
    "resource": PolicyKind.RESOURCE,
    "trust": PolicyKind.TRUST,
    "scp": PolicyKind.SCP,
    "rcp": PolicyKind.RCP,
    "session": PolicyKind.SESSION,
    "endpoint": PolicyKind.VPC_ENDPOINT,
    "boundary": PolicyKind.PERMISSIONS_BOUNDARY,
    "permissions_boundary": PolicyKind.PERMISSIONS_BOUNDARY,
}


def _cases(name: str) -> list[Any]:
    path = shared_dir() / "conformance" / FOLDER / name
    if not path.exists():
        return [pytest.param(None, id="shared-data-missing")]
    cases = json.loads(path.read_text(encoding="utf-8"))["cases"]
    return [pytest.param(case, id=case["name"]) for case in cases]


def _skip_if_missing_or_contradicting(case: dict[str, Any] | None) -> dict[str, Any]:
    if case is None:
        pytest.skip(f"shared conformance data not found in {shared_dir()}")
    if case["name"] in CONTRADICTS_AWS:
        pytest.skip("contradicts AWS: " + CONTRADICTS_AWS[case["name"]])
    return case


@pytest.mark.parametrize("case", _cases("moto_create_policy.json"))
def test_moto_create_policy(case: dict[str, Any] | None) -> None:
    case = _skip_if_missing_or_contradicting(case)
    text = case["document_text"]
    result = check_policy(text, PolicyKind.IDENTITY)
    expected = case["expected"]
    if expected["valid"]:
        assert result.errors == [], [d.to_json() for d in result.errors]
        assert parse_policy(text, PolicyKind.IDENTITY) == result.policy
        return
    message = expected["error_message"]
    assert result.diagnostics, "no problem found"
    assert result.diagnostics[0].message == message, [d.to_json() for d in result.diagnostics]
    assert all(d.code == expected["error_code"] for d in result.errors)
    with pytest.raises(PolicyError) as raised:
        parse_policy(text, PolicyKind.IDENTITY)
    assert isinstance(raised.value, MalformedPolicyDocument)
    assert raised.value.message == message
    assert raised.value.code == expected["error_code"]
    assert raised.value.http_status == expected["http_status"]
    assert raised.value.diagnostics == result.diagnostics


def linter_pointer(path: str) -> str:
    """The linter's ``Statement[0].Condition.#Key`` as a JSON pointer.

    ``#`` marks a key named as such (it may contain dots) and is always last.
    """
    head, _, key = path.partition("#")
    head = head.removesuffix(".")
    parts: list[str | int] = []
    for segment in head.split(".") if head else []:
        name, indexes = re.fullmatch(r"([^\[]*)((?:\[\d+\])*)", segment).groups()  # type: ignore[union-attr]
        parts.append(name)
        parts.extend(int(i) for i in re.findall(r"\[(\d+)\]", indexes))
    if key:
        parts.append(key)
    return pointer("", *parts)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("", ""),
        ("Version", "/Version"),
        ("Statement[0]", "/Statement/0"),
        ("Statement[0].Resource[1]", "/Statement/0/Resource/1"),
        ("Statement[0].#Principal", "/Statement/0/Principal"),
        (
            "Statement.Condition.#ForAllValues.StringEquals",
            "/Statement/Condition/ForAllValues.StringEquals",
        ),
        (
            "Statement.Condition.StringEquals.aws:Username",
            "/Statement/Condition/StringEquals/aws:Username",
        ),
    ],
)
def test_linter_pointer(path: str, expected: str) -> None:
    assert linter_pointer(path) == expected


@pytest.mark.parametrize("case", _cases("iam_policy_validate.json"))
def test_iam_policy_validate(case: dict[str, Any] | None) -> None:
    case = _skip_if_missing_or_contradicting(case)
    kind = case["policy_type"]
    text = case["document_text"]
    result = check_grammar(text) if kind == "any" else check_policy(text, KINDS[kind])
    found = [d.to_json() for d in result.diagnostics]
    if case["expected"]["valid"]:
        assert found == []
        return
    assert result.errors, "no problem found"
    places = {d.pointer for d in result.diagnostics}
    for error in case["expected"]["errors"]:
        assert linter_pointer(error["path"]) in places, (error, found)


def test_skip_table_names_real_cases() -> None:
    names = set()
    for file in ("moto_create_policy.json", "iam_policy_validate.json"):
        path = shared_dir() / "conformance" / FOLDER / file
        if not path.exists():
            pytest.skip("shared conformance data not found")
        names |= {case["name"] for case in json.loads(Path(path).read_text())["cases"]}
    assert set(CONTRADICTS_AWS) <= names


# -- Clearance's own cases: a rule per line, AWS's message where AWS has one --------------

V = "2012-10-17"


def _doc(*statements: dict[str, Any], version: str | None = V) -> dict[str, Any]:
    out: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        out["Version"] = version
    return out


S3 = {"Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/*"}
ASSUME = {"Action": "sts:AssumeRole"}
ACCOUNT = {"AWS": "arn:aws:iam::111122223333:root"}
FULL_ACCESS = {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}

# (name, kind, document, first message or None when valid, pointer of the first message)
OWN_CASES: list[tuple[str, PolicyKind, dict[str, Any], str | None, str]] = [
    # identity / boundary / session
    ("identity: NotPrincipal", PolicyKind.IDENTITY,
     _doc({"Effect": "Deny", "NotPrincipal": ACCOUNT, **S3}),
     "Policy document should not specify a principal.", "/Statement/0/NotPrincipal"),
    ("identity: Sid with a hyphen", PolicyKind.IDENTITY,
     _doc({"Sid": "read-only", "Effect": "Allow", **S3}),
     "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular "
     "expression [0-9A-Za-z]*", "/Statement/0/Sid"),
    ("identity: duplicate Sid", PolicyKind.IDENTITY,
     _doc({"Sid": "A", "Effect": "Allow", **S3}, {"Sid": "A", "Effect": "Deny", **S3}),
     "Statement IDs (SID) in a single policy must be unique.", "/Statement/1/Sid"),
    ("identity: NullIfExists is no operator", PolicyKind.IDENTITY,
     _doc({"Effect": "Allow", **S3, "Condition": {"NullIfExists": {"aws:TagKeys": "true"}}}),
     "Syntax errors in policy.", "/Statement/0/Condition/NullIfExists"),
    ("identity: unknown top-level element", PolicyKind.IDENTITY,
     {**_doc({"Effect": "Allow", **S3}), "Comment": "x"},
     "Syntax errors in policy.", "/Comment"),
    ("identity: Principal and NotPrincipal", PolicyKind.IDENTITY,
     _doc({"Effect": "Deny", "Principal": "*", "NotPrincipal": "*", **S3}),
     "Syntax errors in policy.", "/Statement/0"),
    ("identity: Condition value null", PolicyKind.IDENTITY,
     _doc({"Effect": "Allow", **S3, "Condition": {"StringEquals": {"aws:username": None}}}),
     "Syntax errors in policy.", "/Statement/0/Condition/StringEquals/aws:username"),
    ("identity: key with a slash in the pointer", PolicyKind.IDENTITY,
     _doc({"Effect": "Allow", **S3, "Condition": {"StringEquals": {"aws:PrincipalTag/a~b": {}}}}),
     "Syntax errors in policy.", "/Statement/0/Condition/StringEquals/aws:PrincipalTag~1a~0b"),
    ("identity: JSON numbers and booleans in conditions", PolicyKind.IDENTITY,
     _doc({"Effect": "Allow", **S3, "Condition": {"NumericLessThan": {"s3:max-keys": 10},
                                                  "Bool": {"aws:SecureTransport": [True]}}}),
     None, ""),
    ("identity: negative time zone fails legacy parsing", PolicyKind.IDENTITY,
     _doc({"Effect": "Allow", **S3,
           "Condition": {"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00-05:00"}}}),
     "The policy failed legacy parsing",
     "/Statement/0/Condition/DateLessThan/aws:CurrentTime"),
    ("identity: epoch seconds as a JSON number", PolicyKind.IDENTITY,
     _doc({"Effect": "Allow", **S3, "Condition": {"DateLessThan": {"aws:EpochTime": 1700000000}}}),
     None, ""),
    ("identity: IAM root and S3 access point ARNs", PolicyKind.IDENTITY,
     _doc({"Effect": "Allow", "Action": "s3:*",
           "Resource": ["arn:aws:iam::111122223333:root",
                        "arn:aws:s3:us-east-1:111122223333:job/*",
                        "arn:aws-cn:s3:::bucket"]}),
     None, ""),
    ("boundary: Version required", PolicyKind.PERMISSIONS_BOUNDARY,
     _doc({"Effect": "Allow", **S3}, version="2008-10-17"),
     "Policy document must be version 2012-10-17 or greater.", "/Version"),
    ("session: no Version needed", PolicyKind.SESSION,
     _doc({"Effect": "Allow", **S3}, version=None), None, ""),
    ("session: Principal", PolicyKind.SESSION, _doc({"Effect": "Allow", "Principal": "*", **S3}),
     "Policy document should not specify a principal.", "/Statement/0/Principal"),
    # trust
    ("trust: valid", PolicyKind.TRUST,
     _doc({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
           "Action": ["sts:AssumeRole", "sts:TagSession"]}), None, ""),
    ("trust: Resource", PolicyKind.TRUST,
     _doc({"Effect": "Allow", "Principal": ACCOUNT, **ASSUME, "Resource": "*"}),
     "Has prohibited field Resource", "/Statement/0/Resource"),
    ("trust: non-STS action", PolicyKind.TRUST,
     _doc({"Effect": "Allow", "Principal": ACCOUNT, "Action": ["sts:AssumeRole", "s3:GetObject"]}),
     "AssumeRole policy may only specify STS AssumeRole actions.", "/Statement/0/Action/1"),
    ("trust: missing Principal", PolicyKind.TRUST, _doc({"Effect": "Allow", **ASSUME}),
     "Missing required field Principal", "/Statement/0"),
    ("trust: NotPrincipal", PolicyKind.TRUST,
     _doc({"Effect": "Deny", "NotPrincipal": ACCOUNT, **ASSUME}),
     "Missing required field Principal", "/Statement/0"),
    ("trust: wildcard inside an account ARN", PolicyKind.TRUST,
     _doc({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::*:root"}, **ASSUME}),
     'Invalid principal in policy: "AWS":"arn:aws:iam::*:root"', "/Statement/0/Principal/AWS"),
    ("trust: unknown principal type", PolicyKind.TRUST,
     _doc({"Effect": "Allow", "Principal": {"User": "alice"}, **ASSUME}),
     'Invalid principal in policy: "User":"alice"', "/Statement/0/Principal/User"),
    # resource
    ("resource: unknown operator, S3's words", PolicyKind.RESOURCE,
     _doc({"Effect": "Allow", "Principal": "*", **S3, "Condition": {"FakeOperator": {"a": "b"}}}),
     "Invalid Condition type : FakeOperator", "/Statement/0/Condition/FakeOperator"),
    ("resource: Principal as a bare ARN", PolicyKind.RESOURCE,
     _doc({"Effect": "Allow", "Principal": "arn:aws:iam::111122223333:root", **S3}),
     "Invalid principal in policy", "/Statement/0/Principal"),
    ("resource: no Resource (an ECR repository policy)", PolicyKind.RESOURCE,
     _doc({"Effect": "Allow", "Principal": ACCOUNT, "Action": "ecr:BatchGetImage"}), None, ""),
    ("resource: principal forms", PolicyKind.RESOURCE,
     _doc({"Effect": "Allow", **S3, "Principal": {
         "AWS": ["111122223333", "arn:aws:sts::111122223333:assumed-role/r/s",
                 "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E1",
                 "AROAEXAMPLEID1234567"],
         "CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}}),
     None, ""),
    # vpc endpoint
    ("vpc_endpoint: missing Principal", PolicyKind.VPC_ENDPOINT, _doc({"Effect": "Allow", **S3}),
     "Missing required field Principal", "/Statement/0"),
    # scp
    ("scp: full language in Allow", PolicyKind.SCP,
     _doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "arn:aws:s3:::b",
           "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}), None, ""),
    ("scp: Principal", PolicyKind.SCP, _doc({"Effect": "Deny", "Principal": "*", **S3}),
     "Principal is not supported in a service control policy.", "/Statement/0/Principal"),
    ("scp: no Resource", PolicyKind.SCP, _doc({"Effect": "Deny", "Action": "s3:*"}),
     "Policy statement must contain resources.", "/Statement/0"),
    # rcp
    ("rcp: RCPFullAWSAccess", PolicyKind.RCP, _doc(FULL_ACCESS), None, ""),
    ("rcp: Allow other than RCPFullAWSAccess", PolicyKind.RCP,
     _doc({**FULL_ACCESS, "Condition": {"Bool": {"aws:SecureTransport": "true"}}}),
     'A resource control policy may Allow only as RCPFullAWSAccess does: Principal, Action and '
     'Resource all "*", without a Condition.', "/Statement/0/Effect"),
    ("rcp: Version required", PolicyKind.RCP, _doc(FULL_ACCESS, version=None),
     "Policy document must be version 2012-10-17 or greater.", ""),
    ("rcp: Principal as a map", PolicyKind.RCP,
     _doc({"Effect": "Deny", "Principal": {"AWS": "*"}, **S3}),
     'Principal must be "*" in a resource control policy.', "/Statement/0/Principal"),
    ("rcp: deny every action", PolicyKind.RCP,
     _doc({"Effect": "Deny", "Principal": "*", "Action": ["*"], "Resource": "*"}),
     'A resource control policy cannot deny every action with "*"; name the service.',
     "/Statement/0/Action/0"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "document", "message", "where"),
    [pytest.param(*case[1:], id=case[0]) for case in OWN_CASES],
)
def test_own_case(
    kind: PolicyKind, document: dict[str, Any], message: str | None, where: str
) -> None:
    result = check_policy(json.dumps(document), kind)
    if message is None:
        assert result.diagnostics == []
        return
    first = result.diagnostics[0]
    assert (first.message, first.pointer, first.severity) == (message, where, Severity.ERROR)
