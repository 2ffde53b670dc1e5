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
    mail_sink: str = "file"          # file | console | smtp
    mail_from: str = "don-thu@localhost"
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = True
    sweep_interval_s: float = 2.0

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
            mail_sink=env.get("MAIL_SINK", "smtp" if env.get("SMTP_HOST") else "file"),
            mail_from=env.get("MAIL_FROM", "don-thu@localhost"),
            smtp_host=env.get("SMTP_HOST", ""),
            smtp_port=int(env.get("SMTP_PORT", "587")),
            smtp_user=env.get("SMTP_USER", ""),
            smtp_password=env.get("SMTP_PASSWORD", ""),
            smtp_starttls=env.get("SMTP_STARTTLS", "1") not in ("0", "false", "no"),
            sweep_interval_s=float(env.get("SWEEP_INTERVAL_S", "2")),
        )

    @staticmethod
    def env_flag(name: str, default: bool, environ: dict | None = None) -> bool:
        value = (os.environ if environ is None else environ).get(name)
        if value is None or value == "":
            return default
        return value.strip().lower() not in ("0", "false", "no", "off")

    @property
    def mail_dir(self) -> Path:
        return self.data_dir / "mail"
