"""The instance metadata service (IMDSv1 and IMDSv2) of each EC2 instance
record, served at ``/imds/<instance-id>/`` on the main endpoint, unsigned.

A program started with ``AWS_EC2_METADATA_SERVICE_ENDPOINT=
http://HOST:PORT/imds/<instance-id>/`` finds the instance's role credentials
through the SDK's ordinary credential chain (:mod:`.credentials`)."""

from clearance.services.imds.service import IMDS_PREFIX, MetadataService, is_metadata_request

__all__ = ["IMDS_PREFIX", "MetadataService", "is_metadata_request"]
