"""Clearance: an AWS-compatible IAM service that explains every decision.

The pure library lives in :mod:`clearance.policy` (the language) and
:mod:`clearance.engine` (evaluation); everything else builds on them.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
