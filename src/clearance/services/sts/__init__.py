"""STS operations."""

from clearance.services.sts import identity

__all__ = ["identity"]
