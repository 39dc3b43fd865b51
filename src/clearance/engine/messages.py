"""AWS's access-denied message for a decision.

Shapes, as AWS documents them:
  User: ARN is not authorized to perform: ACTION on resource: RESOURCE
      because no identity-based policy allows the ACTION action
  User: ARN is not authorized to perform: ACTION on resource: RESOURCE
      with an explicit deny in a service control policy[: POLICY-ARN]
AWS now appends the policy's ARN for explicit denies in identity-based
policies and SCPs/RCPs when the policy is in the caller's account or
organization; Clearance does so whenever the policy id is an ARN.
https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
"""

from __future__ import annotations

from clearance.engine.decision import Decision, Outcome, PolicyType
from clearance.engine.request import Request

__all__ = ["denial_message"]

_CITES_POLICY = frozenset({PolicyType.IDENTITY, PolicyType.SCP, PolicyType.RCP})


def denial_message(request: Request, decision: Decision) -> str | None:
    """The message AWS would return, or None for an allowed request."""
    if decision.outcome is Outcome.ALLOWED:
        return None
    head = f"User: {request.principal.arn} is not authorized to perform: {request.action}"
    if request.resource and request.resource != "*":
        head += f" on resource: {request.resource}"
    policy_type = decision.denied_by
    if policy_type is None:
        return f"{head} because {decision.note or 'no policy allows it'}"
    if decision.outcome is Outcome.EXPLICIT_DENY:
        tail = f" with an explicit deny in {policy_type.article} {policy_type.value}"
        cited = decision.determining[0].policy_id if decision.determining else ""
        if policy_type in _CITES_POLICY and cited.startswith("arn:"):
            tail += f": {cited}"
        return head + tail
    return head + f" because no {policy_type.value} allows the {request.action} action"
