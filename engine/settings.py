"""Every setting the system reads from the environment, in one typed object built once."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _default_data_dir() -> Path:
    return Path(os.environ.get("PETITIONS_DATA_DIR", "var")).resolve()


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(default_factory=_default_data_dir)
    database_url: str = ""
    redis_url: str = ""
    secret_key: str = ""
    processes_dir: Path = Path(__file__).resolve().parent.parent / "processes"

    @classmethod
    def from_env(cls, environ: dict | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        data_dir = Path(env.get("PETITIONS_DATA_DIR", "var")).resolve()
        return cls(
            data_dir=data_dir,
            database_url=env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'petitions.sqlite3'}",
            redis_url=env.get("REDIS_URL", ""),
            secret_key=env.get("SECRET_KEY", ""),
            processes_dir=Path(env.get("PETITIONS_PROCESSES_DIR",
                                       Path(__file__).resolve().parent.parent / "processes")),
        )
