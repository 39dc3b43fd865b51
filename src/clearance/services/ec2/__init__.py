"""EC2 operations (a subset: instances as records, instance profile
associations). Importing this package registers them with
:mod:`clearance.services.registry`."""

from clearance.services.ec2 import associations, instances

__all__ = ["associations", "instances"]
