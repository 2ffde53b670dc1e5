"""What a sealed (denunciation) petition never shows: the denouncer's identity.

Identity keys are dropped from workflow data and before/after values (``SENSITIVE``), and any text
that quotes a sender's name, ID number, phone or address is redacted (``Redactor``; LTC Điều 8.3,
56.2).
"""
from __future__ import annotations

from typing import Any

REDACTED = "[thông tin được bảo mật]"
# Identity keys a denunciation's workflow may hold (its seal/strip scripts); never shown while sealed.
SENSITIVE = frozenset({"sender_name", "sender_id_number", "sender_phone", "sender_address",
                       "representatives", "sealed_identity", "identity_values"})


class Redactor:
    """Replaces a sealed petition's identity strings in free text; a no-op when nothing is sealed."""

    def __init__(self, secrets: list[str]):
        # Longest first so a full name is replaced before a part of it; very short strings would
        # garble ordinary words.
        self.secrets = sorted({s.strip() for s in secrets if s and len(s.strip()) >= 5},
                              key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self.secrets:
            value = value.replace(secret, REDACTED)
        return value

    def value(self, value: Any) -> Any:
        if not self.secrets:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        return value
