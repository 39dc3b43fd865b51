"""IAM operations, one module per resource family. Importing this package
registers every operation with :mod:`clearance.services.registry`."""

from clearance.services.iam import users

__all__ = ["users"]
