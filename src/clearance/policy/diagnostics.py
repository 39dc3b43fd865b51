"""Problems found in a policy document: code, message, where, how bad."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = ["Diagnostic", "Severity"]


class Severity(Enum):
    """Access Analyzer's finding types; ERROR also covers grammar errors."""

    ERROR = "ERROR"
    SECURITY_WARNING = "SECURITY_WARNING"
    WARNING = "WARNING"
    SUGGESTION = "SUGGESTION"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem. ``pointer`` is a JSON pointer (RFC 6901) into the document."""

    code: str
    message: str
    pointer: str = ""
    severity: Severity = Severity.ERROR

    def to_json(self) -> dict[str, str]:
        return {
            "code": self.code,
            "message": self.message,
            "pointer": self.pointer,
            "severity": self.severity.value,
        }
