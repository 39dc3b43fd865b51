"""S3 operations over REST-XML (a subset), one module per resource family.
Importing this package registers them with :mod:`clearance.services.registry`.

Object bytes live under ``<data dir>/s3`` (:mod:`.files`); replicas sharing a
PostgreSQL store must share the data directory."""

from clearance.services.s3 import account, buckets, listing, multipart, objects, settings
from clearance.services.s3.call import CALL, S3Call
from clearance.services.s3.files import ObjectFiles

__all__ = [
    "CALL",
    "ObjectFiles",
    "S3Call",
    "account",
    "buckets",
    "listing",
    "multipart",
    "objects",
    "settings",
]
