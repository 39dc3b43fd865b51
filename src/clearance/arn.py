"""Amazon Resource Names: parse once into a value, compare by fields.

Format: ``arn:partition:service:region:account-id:resource`` where the
resource part may itself contain colons.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Arn", "account_of", "parse_arn"]


@dataclass(frozen=True, slots=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"


def parse_arn(text: str) -> Arn | None:
    """The ARN's fields, or None when ``text`` is not shaped like an ARN."""
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or not parts[1] or not parts[2]:
        return None
    return Arn(parts[1], parts[2], parts[3], parts[4], parts[5])


def account_of(text: str) -> str | None:
    """The account id embedded in an ARN, if any."""
    arn = parse_arn(text)
    return arn.account if arn is not None and arn.account else None
