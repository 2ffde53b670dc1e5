"""The application's settings: the kernel's one typed object, with this application's names."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from engine.settings import Settings as KernelSettings


@dataclass(frozen=True)
class Settings(KernelSettings):
    default_database_file: ClassVar[str] = "petitions.sqlite3"
    checkpoint_format: ClassVar[str] = "petitions-audit-checkpoint/1"
