"""The policy grammar, per policy kind, with AWS's messages in AWS's order.

:func:`validate` walks the decoded JSON document once and reports *every*
problem as a :class:`~clearance.policy.diagnostics.Diagnostic` with a JSON
pointer (RFC 6901). AWS itself stops at the first problem; the diagnostics
are sorted so that the first one is the message AWS returns (the order is
:mod:`.order`'s).

What AWS accepts, from moto's table of malformed documents: a null among
Resource values, JSON numbers and booleans as condition values, an empty
condition block under any name (``{"x": {}}``), condition keys without a vendor
(``"a"``), any action name after a valid vendor (``iam: asdf safdsf af``).
Beyond the table: IAM resource ``*`` and ``root``
(``arn:aws:iam::123456789012:root``), the S3 resource types whose ARNs carry a
Region (access points, Batch Operations jobs, Storage Lens, Access Grants,
Multi-Region Access Point requests), and every AWS partition.

Wording. Where AWS has a message for a problem, it is AWS's, taken from
IAM (``CreatePolicy``, ``CreateRole``) and, for resource policies, from
S3's ``PutBucketPolicy`` (``Invalid Condition type : X``, ``Missing required
field Principal``, ``Invalid principal in policy``). AWS Organizations answers
every SCP/RCP problem with one message, "The provided policy document does not
meet the requirements of the specified policy type."; the SCP/RCP rules here
say which requirement instead.

The modules, by what they check:

- :mod:`.document` — :func:`validate`, top-level elements, Statement, Version
- :mod:`.statement` — statement elements and types, Effect, Sids
- :mod:`.principals`, :mod:`.actions`, :mod:`.resources`, :mod:`.conditions`
  (with :mod:`.dates`) — one element each
- :mod:`.kinds` — phase 8, the rules of the kind; :mod:`.rules` — the table of them
- :mod:`.notes` — warnings; :mod:`.order` — AWS's order; :mod:`.messages` — AWS's words
- :mod:`.elements` — JSON pointers and element values
"""

from clearance.policy.validation.actions import action_format_error
from clearance.policy.validation.document import validate
from clearance.policy.validation.elements import pointer
from clearance.policy.validation.messages import (
    CODE,
    LEGACY_PARSING,
    SYNTAX_ERROR,
    VERSION_REQUIRED,
)
from clearance.policy.validation.resources import resource_format_error

__all__ = [
    "CODE",
    "LEGACY_PARSING",
    "SYNTAX_ERROR",
    "VERSION_REQUIRED",
    "action_format_error",
    "pointer",
    "resource_format_error",
    "validate",
]
