"""AWS Organizations operations (JSON 1.1, ``X-Amz-Target: AWSOrganizationsV20161128.*``).
Importing this package registers every operation with :mod:`clearance.services.registry`."""

from clearance.services.organizations import accounts, organization, policies, units

__all__ = ["accounts", "organization", "policies", "units"]
