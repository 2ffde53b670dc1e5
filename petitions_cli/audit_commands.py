"""``petitions audit``: verify the audit trail against the signed checkpoints; make a checkpoint."""
from __future__ import annotations

import json
from datetime import timezone
from pathlib import Path

import click

from engine.audit.checkpoints import make_checkpoint
from engine.audit.verification import KIND_LABELS, verify_all
from petitions.settings import Settings
from petitions_cli.output import json_option, open_context


@click.group("audit")
def audit_group():
    """Nhật ký kiểm tra."""


@audit_group.command("verify")
@click.option("--instance", "instance_id", type=int, help="Chỉ kiểm tra một hồ sơ.")
@json_option
def audit_verify(instance_id):
    """Kiểm tra chuỗi băm và các điểm mốc đã ký; liệt kê mọi chỗ hỏng, mã thoát 1 nếu có."""
    as_json = click.get_current_context().params.get("as_json", False)
    report = verify_all(open_context(), Settings.from_env(), instance_id)
    shown = report.to_dict()
    if as_json:
        click.echo(json.dumps(shown, ensure_ascii=False, indent=2))
    else:
        click.echo(f"Đã kiểm tra {shown['chains']} chuỗi, {shown['events']} sự kiện.")
        if report.checkpoint:
            click.echo(f"Đối chiếu với điểm mốc đã ký số {report.checkpoint} "
                       f"({report.checkpoint_at}); {report.events_after_checkpoint} sự kiện của "
                       f"{report.chains_after_checkpoint} chuỗi ghi sau điểm mốc này chỉ được "
                       "kiểm tra bằng chuỗi băm.")
        else:
            click.echo("Chưa có điểm mốc đã ký: chỉ kiểm tra bằng chuỗi băm (không phát hiện được "
                       "chuỗi bị viết lại hay bị xóa cả chuỗi).")
        if report.verification.archived_chains:
            click.echo(f"{report.verification.archived_chains} chuỗi đã lưu trữ ra ngoài cơ sở dữ "
                       "liệu, khớp bản tóm tắt đã ký (đã lưu trữ, không phải bị xóa).")
        for point in report.restores:
            click.echo(f"Điểm mốc số {point['number']}: cơ sở dữ liệu được khôi phục từ bản sao "
                       f"lưu ({point.get('backup_created_at')}); {point.get('lost_events')} sự "
                       f"kiện của {point.get('lost_chains')} chuỗi sau điểm mốc "
                       f"{point.get('checkpoint')} không có trong bản sao lưu (bị mất khi khôi "
                       "phục, không phải bị sửa hay xóa).")
        if report.ok:
            click.echo("Toàn vẹn: không có chỗ nào bị sửa, xóa hay viết lại.")
    if not report.ok:
        for b in report.verification.breaks:
            where = f" (id {b.event_id})" if b.event_id else ""
            click.echo(f"Lỗi: chuỗi {b.chain} hỏng tại sự kiện số {b.seq}{where}: "
                       f"{KIND_LABELS.get(b.kind, b.reason)}", err=True)
        hidden = report.verification.break_count - len(report.verification.breaks)
        if hidden:
            click.echo(f"… và {hidden} chỗ hỏng khác không liệt kê.", err=True)
        click.echo(f"Tổng cộng {report.verification.break_count} chỗ hỏng.", err=True)
        raise SystemExit(1)


@audit_group.command("checkpoint")
@json_option
def audit_checkpoint():
    """Ký một điểm mốc mới cho đầu mọi chuỗi nhật ký (tiến trình nền làm việc này định kỳ)."""
    made = make_checkpoint(open_context(), Settings.from_env())
    if made["refused"]:
        click.echo(f"Cảnh báo: {len(made['refused'])} chuỗi không được ký vì đã bị thay đổi "
                   "so với điểm mốc trước; chạy 'petitions audit verify'.", err=True)
    return made


@audit_group.command("archive")
@click.option("--before", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="Lưu trữ chuỗi của hồ sơ đã kết thúc có mọi sự kiện trước ngày này (UTC).")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Tệp lưu trữ (.jsonl.gz) sẽ tạo; bản tóm tắt đã ký ghi cạnh nó.")
@json_option
def audit_archive(before, out):
    """Chuyển nhật ký của hồ sơ đã kết thúc ra tệp lưu trữ có bản tóm tắt ký số, rồi xóa khỏi cơ
    sở dữ liệu; 'audit verify' phân biệt được "đã lưu trữ" với "bị xóa"."""
    from engine.audit.archives import archive
    return archive(open_context(), Settings.from_env(), before.replace(tzinfo=timezone.utc), out)
