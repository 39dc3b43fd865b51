"""Console passwords: CreateLoginProfile, GetLoginProfile, UpdateLoginProfile,
DeleteLoginProfile, ChangePassword, and the account's password policy
(UpdateAccountPasswordPolicy, GetAccountPasswordPolicy, DeleteAccountPasswordPolicy).

New passwords must satisfy the account's password policy, or AWS's default
policy when the account has none (at least 8 characters, three of the four
character types, not the account's name). ``AllowUsersToChangePassword`` in
the policy lets every IAM user call ChangePassword for themselves and read the
policy without an identity policy that allows it (an explicit deny still wins).
"""

from __future__ import annotations

from typing import Any

from clearance.engine import Outcome
from clearance.errors import InvalidInput
from clearance.services.context import CallContext
from clearance.services.errors import AccessDenied, InvalidUserType, PasswordPolicyViolation
from clearance.services.iam.common import require_as
from clearance.services.iam.users import caller_user_name, user_target
from clearance.services.registry import operation
from clearance.store import NoSuchEntity, PasswordPolicy

__all__ = ["DEFAULT_MINIMUM_LENGTH", "SYMBOLS", "password_problems"]

# UpdateAccountPasswordPolicy's documented default when MinimumPasswordLength is omitted.
DEFAULT_MINIMUM_LENGTH = 6
# "at least one of the following non-alphanumeric characters" (UpdateAccountPasswordPolicy).
SYMBOLS = frozenset("!@#$%^&*()_+-=[]{}|'")
# AWS's default password policy, for accounts without one (id_credentials_passwords_account-policy).
_DEFAULT_POLICY_LENGTH = 8
_DEFAULT_POLICY_TYPES = 3
REUSE_MESSAGE = "Policy constraint violation with password reuse prevention during password change"


def _types(password: str) -> dict[str, bool]:
    return {
        "uppercase": any("A" <= c <= "Z" for c in password),
        "lowercase": any("a" <= c <= "z" for c in password),
        "number": any("0" <= c <= "9" for c in password),
        "symbol": any(c in SYMBOLS for c in password),
    }


def password_problems(
    password: str, policy: PasswordPolicy | None, account_names: tuple[str, ...] = ()
) -> list[str]:
    """Why ``password`` breaks ``policy`` (AWS's default policy when None), in AWS's words."""
    present = _types(password)
    if policy is None:
        problems = []
        if len(password) < _DEFAULT_POLICY_LENGTH:
            problems.append(f"Password should have a minimum length of {_DEFAULT_POLICY_LENGTH}")
        if sum(present.values()) < _DEFAULT_POLICY_TYPES:
            problems.append(
                "Password should have at least three of the following: uppercase letters,"
                " lowercase letters, numbers and symbols"
            )
        if any(password.lower() == name.lower() for name in account_names if name):
            problems.append("Password should not be identical to the account name")
        return problems
    problems = []
    if len(password) < policy.minimum_password_length:
        minimum = policy.minimum_password_length
        problems.append(f"Password should have a minimum length of {minimum}")
    required = (
        ("uppercase", policy.require_uppercase_characters, "uppercase letter"),
        ("lowercase", policy.require_lowercase_characters, "lowercase letter"),
        ("number", policy.require_numbers, "number"),
        ("symbol", policy.require_symbols, "symbol"),
    )
    for kind, wanted, words in required:
        if wanted and not present[kind]:
            problems.append(f"Password should have at least one {words}")
    return problems


def _policy(ctx: CallContext) -> PasswordPolicy | None:
    try:
        return ctx.store.get_account_password_policy(ctx.account_id)
    except NoSuchEntity:
        return None


def _enforce(ctx: CallContext, password: str, policy: PasswordPolicy | None) -> None:
    names = (ctx.account_id, ctx.store.get_account(ctx.account_id).alias or "")
    problems = password_problems(password, policy, names)
    if problems:
        raise PasswordPolicyViolation("; ".join(problems))


def _require_or_granted(
    ctx: CallContext, action: str, resource: str, shown_as: str, granted: bool
) -> None:
    """Authorize; an implicit deny is overridden when the password policy grants it."""
    try:
        require_as(ctx, action, resource, shown_as)
    except AccessDenied:
        decision = ctx.decisions[-1] if ctx.decisions else None
        if not granted or decision is None or decision.outcome is not Outcome.IMPLICIT_DENY:
            raise


def _profile_shape(user_name: str, created: Any, reset_required: bool) -> dict[str, Any]:
    return {
        "LoginProfile": {
            "UserName": user_name,
            "CreateDate": created,
            "PasswordResetRequired": reset_required,
        }
    }


# -- login profiles --------------------------------------------------------------------


@operation("iam", "CreateLoginProfile")
def create_login_profile(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    name = caller_user_name(ctx, params)
    target = user_target(ctx, name)
    target.require(ctx, "iam:CreateLoginProfile")
    user = target.existing()
    password = params.get("Password")
    if not password:
        raise InvalidInput("Password is required to create a login profile.")
    _enforce(ctx, password, _policy(ctx))
    profile = ctx.store.create_login_profile(
        ctx.account_id,
        user.name,
        password,
        password_reset_required=bool(params.get("PasswordResetRequired")),
    )
    return _profile_shape(profile.user_name, profile.created, profile.password_reset_required)


@operation("iam", "GetLoginProfile")
def get_login_profile(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    name = caller_user_name(ctx, params)
    target = user_target(ctx, name)
    target.require(ctx, "iam:GetLoginProfile")
    profile = ctx.store.get_login_profile(ctx.account_id, target.existing().name)
    return _profile_shape(profile.user_name, profile.created, profile.password_reset_required)


@operation("iam", "UpdateLoginProfile")
def update_login_profile(ctx: CallContext, params: dict[str, Any]) -> None:
    name = params["UserName"]
    target = user_target(ctx, name)
    target.require(ctx, "iam:UpdateLoginProfile")
    user = target.existing()
    password = params.get("Password")
    if password is not None:
        ctx.store.get_login_profile(ctx.account_id, user.name)  # NoSuchEntity first
        _enforce(ctx, password, _policy(ctx))
    ctx.store.update_login_profile(
        ctx.account_id,
        user.name,
        password=password,
        password_reset_required=params.get("PasswordResetRequired"),
    )
    return None


@operation("iam", "DeleteLoginProfile")
def delete_login_profile(ctx: CallContext, params: dict[str, Any]) -> None:
    name = caller_user_name(ctx, params)
    target = user_target(ctx, name)
    target.require(ctx, "iam:DeleteLoginProfile")
    ctx.store.delete_login_profile(ctx.account_id, target.existing().name)
    return None


@operation("iam", "ChangePassword")
def change_password(ctx: CallContext, params: dict[str, Any]) -> None:
    caller = ctx.caller
    if caller.kind != "user" or caller.user_name is None:
        raise InvalidUserType("Only IAM users can change their own password with ChangePassword.")
    name = caller.user_name
    policy = _policy(ctx)
    granted = policy is not None and policy.allow_users_to_change_password
    _require_or_granted(ctx, "iam:ChangePassword", caller.arn, f"user {name}", granted)
    ctx.store.get_login_profile(ctx.account_id, name)  # NoSuchEntity without a password
    if not ctx.store.check_password(ctx.account_id, name, params["OldPassword"]):
        raise AccessDenied("The old password is incorrect.")
    new_password = params["NewPassword"]
    _enforce(ctx, new_password, policy)
    reuse_prevented = policy is not None and bool(policy.password_reuse_prevention)
    if reuse_prevented and new_password == params["OldPassword"]:
        raise PasswordPolicyViolation(REUSE_MESSAGE)
    ctx.store.update_login_profile(
        ctx.account_id, name, password=new_password, password_reset_required=False
    )
    return None


# -- the account's password policy -----------------------------------------------------


@operation("iam", "UpdateAccountPasswordPolicy")
def update_account_password_policy(ctx: CallContext, params: dict[str, Any]) -> None:
    ctx.require("iam:UpdateAccountPasswordPolicy", "*")
    policy = PasswordPolicy(
        minimum_password_length=params.get("MinimumPasswordLength") or DEFAULT_MINIMUM_LENGTH,
        require_symbols=bool(params.get("RequireSymbols")),
        require_numbers=bool(params.get("RequireNumbers")),
        require_uppercase_characters=bool(params.get("RequireUppercaseCharacters")),
        require_lowercase_characters=bool(params.get("RequireLowercaseCharacters")),
        allow_users_to_change_password=bool(params.get("AllowUsersToChangePassword")),
        max_password_age=params.get("MaxPasswordAge") or None,
        password_reuse_prevention=params.get("PasswordReusePrevention") or None,
        hard_expiry=params.get("HardExpiry"),
    )
    ctx.store.update_account_password_policy(ctx.account_id, policy)
    return None


@operation("iam", "GetAccountPasswordPolicy")
def get_account_password_policy(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    policy = _policy(ctx)
    granted = policy is not None and policy.allow_users_to_change_password
    granted = granted and ctx.caller.kind == "user"
    _require_or_granted(ctx, "iam:GetAccountPasswordPolicy", "*", "*", granted)
    if policy is None:
        raise NoSuchEntity(
            f"The Password Policy with domain name {ctx.account_id} cannot be found."
        )
    shape: dict[str, Any] = {
        "MinimumPasswordLength": policy.minimum_password_length,
        "RequireSymbols": policy.require_symbols,
        "RequireNumbers": policy.require_numbers,
        "RequireUppercaseCharacters": policy.require_uppercase_characters,
        "RequireLowercaseCharacters": policy.require_lowercase_characters,
        "AllowUsersToChangePassword": policy.allow_users_to_change_password,
        "ExpirePasswords": bool(policy.max_password_age),
    }
    if policy.max_password_age:
        shape["MaxPasswordAge"] = policy.max_password_age
    if policy.password_reuse_prevention:
        shape["PasswordReusePrevention"] = policy.password_reuse_prevention
    if policy.hard_expiry is not None:
        shape["HardExpiry"] = policy.hard_expiry
    return {"PasswordPolicy": shape}


@operation("iam", "DeleteAccountPasswordPolicy")
def delete_account_password_policy(ctx: CallContext, params: dict[str, Any]) -> None:
    ctx.require("iam:DeleteAccountPasswordPolicy", "*")
    try:
        ctx.store.delete_account_password_policy(ctx.account_id)
    except NoSuchEntity:
        raise NoSuchEntity("The account policy with name PasswordPolicy cannot be found.") from None
    return None
