"""STS operations. Importing this package registers them with
:mod:`clearance.services.registry`."""

from clearance.services.sts import (
    access_key_info,
    assume_role,
    decode_message,
    federation,
    identity,
    restrictions,
    session_token,
)

__all__ = [
    "access_key_info",
    "assume_role",
    "decode_message",
    "federation",
    "identity",
    "restrictions",
    "session_token",
]

# AssumeRoleWithWebIdentity / AssumeRoleWithSAML (federation by identity providers).
from clearance.services.sts import saml, web_identity

__all__ += ["saml", "web_identity"]
