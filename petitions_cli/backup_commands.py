"""``petitions backup`` / ``petitions restore`` (petitions.backups;
docs/operations.md, "Backups")."""
from __future__ import annotations

from pathlib import Path

import click

from petitions.settings import Settings
from petitions_cli.output import json_option

CHAIN = "backups"  # the global audit chain of backups and restores


def _audit(url: str, event_type: str, actor: str, payload: dict) -> None:
    """One audit event, after the fact: a backup's own event is not in it (it is written after
    the copy); a restore's is the first event of the restored database."""
    from engine.audit.chain import PendingEvent, append_chain_event
    from petitions.wiring import context_for
    ctx = context_for(url)
    try:
        with ctx.uow() as uow:
            append_chain_event(uow.session, CHAIN, PendingEvent(event_type, actor, payload),
                               ctx.clock.now(), lock=True)
            uow.commit()
    finally:
        ctx.close()


@click.command("backup")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Tệp sao lưu sẽ tạo (.tar.gz); không ghi đè tệp đã có.")
@click.option("--user", "actor", default="cli", show_default=True)
@json_option
def backup(out, actor):
    """Sao lưu cơ sở dữ liệu, tài liệu, biểu mẫu, điểm mốc nhật ký đã ký và mã (không phải nội
    dung) các khóa vào một tệp."""
    from petitions.backups.archive import create
    settings = Settings.from_env()
    manifest = create(settings, out)
    _audit(settings.database_url, "backup_created", actor, {
        "file": out.name, "created_at": manifest["created_at"],
        "members": len(manifest["members"]),
        "audit_checkpoint": (manifest["audit_log"] or {}).get("number")})
    return {"out": str(out.resolve()), "created_at": manifest["created_at"],
            "database": manifest["database"]["backend"],
            "alembic_revision": manifest["versions"]["alembic_revision"],
            "members": len(manifest["members"]), "counts": manifest["counts"],
            "audit_checkpoint": (manifest["audit_log"] or {}).get("number"),
            "keys": manifest["keys"]}


@click.command("restore")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True,
              help="Ghi đè cơ sở dữ liệu và thư mục dữ liệu không trống (thư mục cũ được giữ "
                   "lại bên cạnh).")
@click.option("--user", "actor", default="cli", show_default=True)
@json_option
def restore(archive, force, actor):
    """Khôi phục từ tệp sao lưu vào cơ sở dữ liệu và thư mục dữ liệu trống (dừng mọi tiến trình
    web và worker trước)."""
    from petitions.backups.restore import restore as run
    settings = Settings.from_env()
    result = run(settings, archive, force=force)
    _audit(settings.database_url, "backup_restored", actor, {
        "file": archive.name, "backup_created_at": result["created_at"], "forced": force,
        "restore_point": (result["audit_log"].get("restore_point") or {}).get("number")})
    for line in result["warnings"]:
        click.echo(f"Cảnh báo: {line}", err=True)
    return result


COMMANDS = (backup, restore)
