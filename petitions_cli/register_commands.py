"""``petitions register``: the register's exchanges (issue 20 §6–7): the national export of a
period and the import of the register an office kept before this system (docs/api.md)."""
from __future__ import annotations

import os
from datetime import date

import click

from engine.errors import InvalidInput
from petitions_cli.output import json_option, open_context


def _date(value: str, hint: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"ngày không hợp lệ '{value}' (cần YYYY-MM-DD)",
                                 param_hint=hint) from None


def _write(path: str, data: bytes) -> None:
    """Written whole or not at all: a half file is never left under the asked name."""
    partial = f"{path}.partial"
    with open(partial, "wb") as out:
        out.write(data)
    os.replace(partial, path)


@click.group("register")
def register_group():
    """Sổ đơn: xuất dữ liệu lên cơ sở dữ liệu quốc gia, nhập sổ theo dõi đơn đã có."""


@register_group.command("export")
@click.option("--from", "start", help="Từ ngày nhận đơn (YYYY-MM-DD), tính cả ngày này.")
@click.option("--to", "end", help="Đến ngày nhận đơn (YYYY-MM-DD), tính cả ngày này.")
@click.option("--unit", help="Mã đơn vị (mặc định: mọi đơn vị của hệ thống).")
@click.option("--out", "out", type=click.Path(dir_okay=False), help="Tệp JSON ghi ra.")
@click.option("--schema", "schema", type=click.Path(dir_okay=False),
              help="Ghi JSON Schema của định dạng xuất ra tệp này.")
@json_option
def register_export(start, end, unit, out, schema):
    """Xuất sổ đơn của một kỳ (JSON theo định dạng phiên bản 1, đã kiểm tra theo JSON Schema).
    Danh tính người tố cáo không bao giờ có trong tệp: chỉ có dấu niêm phong."""
    from petitions.interop import national_export
    if schema:
        _write(schema, national_export.schema_bytes())
    if not (start or end or out):
        if schema:
            return {"schema": schema, "version": national_export.VERSION}
        raise click.UsageError("thiếu tùy chọn --from, --to và --out (hoặc --schema)")
    for value, hint in ((start, "--from"), (end, "--to"), (out, "--out")):
        if not value:
            raise click.UsageError(f"thiếu tùy chọn {hint}")
    start_day, end_day = _date(start, "--from"), _date(end, "--to")
    if start_day > end_day:
        raise click.UsageError(f"--from {start_day.isoformat()} sau --to {end_day.isoformat()}")
    document = national_export.build(open_context(), start_day, end_day, unit=unit)
    _write(out, national_export.dump(document))
    return {"file": out, "version": document["version"], "letters": len(document["letters"]),
            "sealed": sum(1 for item in document["letters"] if item["identity_sealed"])}


@register_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--unit", required=True, help="Mã đơn vị nhận các đơn này.")
@click.option("--dry-run/--apply", "dry_run", default=True, show_default=True,
              help="Mặc định chỉ chạy thử (không ghi gì); --apply để vào sổ thật.")
@click.option("--user", default="cli", show_default=True, help="Người nhập (ghi nhật ký).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False),
              help="Ghi các dòng không vào sổ (lý do) ra tệp .xlsx hoặc .csv.")
@json_option
def register_import(path, unit, dry_run, user, report_path):
    """Nhập sổ theo dõi đơn (XLSX/CSV) của đơn vị: mỗi dòng một đơn, kiểm tra như khi vào sổ tại
    bộ phận tiếp công dân; dòng sai được báo lý do, không ảnh hưởng dòng khác."""
    from petitions.interop import register_import as importer
    if report_path and not report_path.lower().endswith((".xlsx", ".csv")):
        raise InvalidInput("Tệp báo cáo phải là .xlsx hoặc .csv")
    with open(path, "rb") as source:
        data = source.read()
    report = importer.import_register(open_context(), os.path.basename(path), data, unit=unit,
                                      user=user, dry_run=dry_run)
    if report_path:
        _write(report_path, importer.report_file(report, report_path))
    result = report.as_dict()
    if click.get_current_context().params.get("as_json"):
        return result
    return _readable(result)


def _readable(result: dict) -> str:
    mode = "CHẠY THỬ: chưa ghi gì; chạy lại với --apply để vào sổ" if result["dry_run"] \
        else "Đã nhập"
    lines = [f"{mode}. Tệp {result['file']}, đơn vị {result['unit']}: {result['rows']} dòng.",
             f"Đã vào sổ: {result['registered']}; sẽ vào sổ: {result['would_register']}; "
             f"bỏ qua (đã nhập): {result['skipped']}; từ chối: {result['refused']}."]
    for item in result["details"]:
        lines.append(f"  dòng {item['row']} (số {item['origin_number'] or '—'}): "
                     f"{'bỏ qua' if item['status'] == 'skipped' else 'từ chối'} — {item['reason']}")
    return "\n".join(lines)
