"""AWS Organizations' errors: its codes (botocore's ``organizations`` model), HTTP
status 400 as the model declares, and AWS's wording where it is known.

The service layer raises them too (``AccessDeniedException`` for a member
account calling a management-only operation). ``ConstraintViolationException``
keeps its ``reason`` (AWS's ``Reason`` enum) in the message and as an attribute.
"""

from __future__ import annotations

from clearance.errors import ClearanceError

__all__ = [
    "AWSOrganizationsNotInUse",
    "AccessDeniedException",
    "AccountAlreadyClosed",
    "AccountNotFound",
    "AlreadyInOrganization",
    "ConstraintViolation",
    "CreateAccountStatusNotFound",
    "DestinationParentNotFound",
    "DuplicateAccount",
    "DuplicateOrganizationalUnit",
    "DuplicatePolicy",
    "DuplicatePolicyAttachment",
    "InvalidInputException",
    "MalformedPolicyDocumentException",
    "MasterCannotLeaveOrganization",
    "OrgError",
    "OrganizationNotEmpty",
    "OrganizationalUnitNotEmpty",
    "OrganizationalUnitNotFound",
    "ParentNotFound",
    "PolicyInUse",
    "PolicyNotAttached",
    "PolicyNotFound",
    "PolicyTypeAlreadyEnabled",
    "PolicyTypeNotEnabled",
    "RootNotFound",
    "SourceParentNotFound",
    "TargetNotFound",
]


class OrgError(ClearanceError):
    http_status = 400
    default_message = ""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message)


def _error(code: str, message: str) -> type[OrgError]:
    return type(code, (OrgError,), {"code": code, "default_message": message})


AccessDeniedException = _error(
    "AccessDeniedException", "You don't have permissions to access this resource."
)
AWSOrganizationsNotInUse = _error(
    "AWSOrganizationsNotInUseException", "Your account is not a member of an organization."
)
AlreadyInOrganization = _error(
    "AlreadyInOrganizationException", "The provided account is already a member of an organization."
)
AccountNotFound = _error("AccountNotFoundException", "You specified an account that doesn't exist.")
AccountAlreadyClosed = _error(
    "AccountAlreadyClosedException", "You attempted to close an account that is already closed."
)
CreateAccountStatusNotFound = _error(
    "CreateAccountStatusNotFoundException",
    "We can't find a create account request with the CreateAccountRequestId that you specified.",
)
OrganizationalUnitNotFound = _error(
    "OrganizationalUnitNotFoundException",
    "You specified an organizational unit that doesn't exist.",
)
ParentNotFound = _error("ParentNotFoundException", "You specified a parent that doesn't exist.")
SourceParentNotFound = _error(
    "SourceParentNotFoundException", "You specified a source parent that doesn't exist."
)
DestinationParentNotFound = _error(
    "DestinationParentNotFoundException", "You specified a destination parent that doesn't exist."
)
RootNotFound = _error("RootNotFoundException", "You specified a root that doesn't exist.")
PolicyNotFound = _error("PolicyNotFoundException", "You specified a policy that doesn't exist.")
TargetNotFound = _error("TargetNotFoundException", "You specified a target that doesn't exist.")
DuplicateOrganizationalUnit = _error(
    "DuplicateOrganizationalUnitException", "An OU with the same name already exists."
)
DuplicatePolicy = _error("DuplicatePolicyException", "A policy with the same name already exists.")
DuplicatePolicyAttachment = _error(
    "DuplicatePolicyAttachmentException",
    "The selected policy is already attached to the specified target.",
)
DuplicateAccount = _error(
    "DuplicateAccountException", "That account is already present in the specified destination."
)
PolicyNotAttached = _error(
    "PolicyNotAttachedException", "The policy isn't attached to the specified target."
)
PolicyInUse = _error(
    "PolicyInUseException",
    "The policy is attached to one or more entities. You must detach it from all roots, OUs, "
    "and accounts before performing this operation.",
)
OrganizationalUnitNotEmpty = _error(
    "OrganizationalUnitNotEmptyException",
    "The specified OU is not empty. Move all accounts to another root or to other OUs, "
    "remove all child OUs, and try the operation again.",
)
OrganizationNotEmpty = _error(
    "OrganizationNotEmptyException",
    "To delete an organization you must first remove all member accounts (except the "
    "management account).",
)
PolicyTypeAlreadyEnabled = _error(
    "PolicyTypeAlreadyEnabledException", "The specified policy type is already enabled."
)
PolicyTypeNotEnabled = _error(
    "PolicyTypeNotEnabledException",
    "This operation can be performed only for enabled policy types.",
)
MasterCannotLeaveOrganization = _error(
    "MasterCannotLeaveOrganizationException",
    "You can't remove a management account from an organization. If you want the management "
    "account to become a member account in another organization, you must first delete the "
    "current organization of the management account.",
)
InvalidInputException = _error("InvalidInputException", "The requested operation is invalid.")
MalformedPolicyDocumentException = _error(
    "MalformedPolicyDocumentException",
    "The provided policy document doesn't meet the requirements.",
)


class ConstraintViolation(OrgError):
    """``ConstraintViolationException`` with AWS's ``Reason``."""

    code = "ConstraintViolationException"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
