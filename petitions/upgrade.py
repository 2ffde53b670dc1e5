"""Upgrading a database: the migrations, then what they cannot do (they see no key).

Above the domain's storage, because encrypting identities left in clear by older versions also
redacts their texts (``petitions.identity``).
"""
from __future__ import annotations

from engine.context import EngineContext
from engine.persistence.database import make_engine, make_session_factory
from petitions.identity.protection import redact_legacy
from petitions.persistence.key_rotation import encrypt_legacy
from petitions.persistence.schema import migrate
from petitions.persistence.vault import load_keyring
from petitions.settings import Settings


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision``. Then encrypts identities left in clear by
    older versions."""
    migrate(url, revision)
    if revision == "head":
        encrypt_legacy_identities(url)


def encrypt_legacy_identities(url: str) -> int:
    """Encrypt sender identities stored in clear before migration 0007 and fill their keyed
    hashes (a migration cannot see the key). Idempotent; the key is read only when needed: the
    installed keyring, else the one of the environment's settings."""
    engine = make_engine(url)
    try:
        ctx = EngineContext(session_factory=make_session_factory(engine))
        done = encrypt_legacy(ctx, load=lambda: load_keyring(Settings.from_env()))
        if done:  # letters of a version without write-time redaction: cut their texts too
            redact_legacy(ctx)
        return done
    finally:
        engine.dispose()
