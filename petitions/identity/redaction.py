"""What a sealed (denunciation) petition never shows: the denouncer's identity.

Identity keys are dropped from workflow data and before/after values (``SENSITIVE``). Free text is
redacted when it is written (``petitions.identity.protection``); ``Redactor`` cuts the senders' strings
once more where a page shows text of a sealed petition, a second line of defence for rows written
before write-time redaction existed. Both match through ``petitions.identity.matching``: any case,
diacritics, Unicode form or digit grouping (LTC Điều 8.3, 56.2).
"""
from __future__ import annotations

from typing import Any

from petitions.identity.matching import REDACTED, Identity, IdentityMatcher

__all__ = ["REDACTED", "SENSITIVE", "Redactor"]

# Identity keys a denunciation's workflow may hold (its seal/strip scripts); never shown while sealed.
SENSITIVE = frozenset({"sender_name", "sender_id_number", "sender_phone", "sender_address",
                       "representatives", "sealed_identity", "identity_values"})


def _identity_of(secret: str) -> Identity:
    """A bare identity string as what it looks like: a number (ID or phone) or words."""
    digits = sum(c.isdigit() for c in secret)
    if digits >= 6 and digits >= len(secret.replace(" ", "")) * 0.6:
        return Identity(id_number=secret, phone=secret)
    return Identity(name=secret)


class Redactor:
    """Replaces a sealed petition's identity strings in free text; a no-op when nothing is sealed."""

    def __init__(self, secrets: list[str]):
        self._matcher = IdentityMatcher(_identity_of(s.strip()) for s in secrets
                                        if s and s.strip())
        self.secrets = bool(self._matcher)

    def text(self, value: str) -> str:
        return self._matcher.redact(value) if value else value

    def value(self, value: Any) -> Any:
        return self._matcher.redact_value(value)
