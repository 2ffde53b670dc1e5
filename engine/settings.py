"""Every setting the system reads from the environment, in one typed object built once."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar


class DataDirError(Exception):
    """PETITIONS_DATA_DIR cannot be used; the message is one line naming the setting and path."""


def _default_data_dir() -> Path:
    return Path(os.environ.get("PETITIONS_DATA_DIR", "var")).resolve()


@dataclass(frozen=True)
class Settings:
    # What an application names for itself (its Settings subclass): the SQLite file's name
    # and the tag written in signed audit checkpoints.
    default_database_file: ClassVar[str] = "engine.sqlite3"
    checkpoint_format: ClassVar[str] = "audit-checkpoint/1"

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
    script_cpu_budget_s: float = 3.0   # CPU seconds the scripts of one unit of work may use
    step_budget: int = 250             # engine steps one workflow advance may run (0 = no limit)
    memory_limit_mb: int = 1024        # address-space limit of web and worker processes; 0 = off
    trusted_proxies: int = 0           # reverse proxies in front of the web app (X-Forwarded-*)
    # Identity encryption keys (the application's vault, docs/security-keys.md): from the
    # environment ('id:base64,…', the last one is active) or else from the key file.
    identity_keys: str = ""
    identity_index_keys: str = ""
    identity_key_file: Path | None = None
    # Audit checkpoints (engine/audit/checkpoints.py): the Ed25519 signing key from the
    # environment (base64 of 32 raw bytes) or else the key file; both dirs outside the database.
    audit_signing_key: str = ""
    audit_signing_key_file: Path | None = None
    audit_checkpoint_dir: Path | None = None
    audit_checkpoint_interval_s: float = 300.0
    audit_verify_interval_s: float = 3600.0

    @classmethod
    def from_env(cls, environ: dict | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        data_dir = Path(env.get("PETITIONS_DATA_DIR", "var")).resolve()
        return cls(
            data_dir=data_dir,
            database_url=env.get("DATABASE_URL") or f"sqlite:///{data_dir / cls.default_database_file}",
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
            script_cpu_budget_s=float(env.get("SCRIPT_CPU_BUDGET_S") or "3"),
            step_budget=int(env.get("ENGINE_STEP_BUDGET") or "250"),
            memory_limit_mb=int(env.get("MEMORY_LIMIT_MB") or "1024"),
            trusted_proxies=int(env.get("TRUSTED_PROXIES") or "0"),
            identity_keys=env.get("IDENTITY_KEYS", ""),
            identity_index_keys=env.get("IDENTITY_INDEX_KEYS", ""),
            identity_key_file=Path(env["IDENTITY_KEY_FILE"]) if env.get("IDENTITY_KEY_FILE") else None,
            audit_signing_key=env.get("AUDIT_SIGNING_KEY", ""),
            audit_signing_key_file=(Path(env["AUDIT_SIGNING_KEY_FILE"])
                                    if env.get("AUDIT_SIGNING_KEY_FILE") else None),
            audit_checkpoint_dir=(Path(env["AUDIT_CHECKPOINT_DIR"])
                                  if env.get("AUDIT_CHECKPOINT_DIR") else None),
            audit_checkpoint_interval_s=float(env.get("AUDIT_CHECKPOINT_INTERVAL_S", "300")),
            audit_verify_interval_s=float(env.get("AUDIT_VERIFY_INTERVAL_S", "3600")),
        )

    @staticmethod
    def env_flag(name: str, default: bool, environ: dict | None = None) -> bool:
        value = (os.environ if environ is None else environ).get(name)
        if value is None or value == "":
            return default
        return value.strip().lower() not in ("0", "false", "no", "off")

    def check_data_dir(self) -> None:
        """Refuse a data directory that is a file or cannot be written, before anything is read
        or written there. A missing one is fine when it can be created (nothing is created here)."""
        path = self.data_dir
        problem = None
        if path.exists():
            if not path.is_dir():
                problem = "không phải là thư mục"
            elif not os.access(path, os.W_OK | os.X_OK):
                problem = "không ghi được (không có quyền)"
        else:
            parent = path.parent
            while not parent.exists() and parent != parent.parent:
                parent = parent.parent
            if not parent.is_dir():
                problem = f"không tạo được: {parent} không phải là thư mục"
            elif not os.access(parent, os.W_OK | os.X_OK):
                problem = f"không tạo được: không có quyền ghi vào {parent}"
        if problem:
            raise DataDirError(f"PETITIONS_DATA_DIR={path}: {problem}")

    @property
    def mail_dir(self) -> Path:
        return self.data_dir / "mail"

    @property
    def identity_key_path(self) -> Path:
        return self.identity_key_file or self.data_dir / "keys" / "identity.keys"

    @property
    def audit_signing_key_path(self) -> Path:
        return self.audit_signing_key_file or self.data_dir / "keys" / "audit-signing.key"

    @property
    def audit_checkpoint_path(self) -> Path:
        return self.audit_checkpoint_dir or self.data_dir / "audit-checkpoints"
