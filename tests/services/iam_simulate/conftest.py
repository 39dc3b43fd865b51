"""The policy simulator's handlers in process: the role/policy harness (a
SQLite store with one account and the AWS managed policies)."""

from tests.services.iam_roles.conftest import ACCOUNT, Harness, harness, store

__all__ = ["ACCOUNT", "Harness", "harness", "store"]
