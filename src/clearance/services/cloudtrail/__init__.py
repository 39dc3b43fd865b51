"""CloudTrail: ``LookupEvents`` over the audit trail Clearance records."""

from clearance.services.cloudtrail import lookup_events  # noqa: F401  (registers the operation)
