"""IAM operations, one module per resource family. Importing this package
registers every operation with :mod:`clearance.services.registry`."""

from clearance.services.iam import (
    access_keys,
    account,
    groups,
    instance_profiles,
    login_profiles,
    mfa,
    policies,
    providers,
    role_policies,
    roles,
    simulate,
    users,
)

__all__ = [
    "access_keys",
    "account",
    "groups",
    "instance_profiles",
    "login_profiles",
    "mfa",
    "policies",
    "providers",
    "role_policies",
    "roles",
    "simulate",
    "users",
]
