"""``petitions agencies trust …``: the agencies whose case packages are accepted (issue 20 §4).

Keys are base64 of their 32 raw bytes (docs/api.md, "Trust configuration").
"""
from __future__ import annotations

import click

from petitions.transfers import trust
from petitions_cli.output import json_option, open_context


@click.group("agencies")
def agencies_group():
    """Cơ quan khác dùng hệ thống: cấu hình tin cậy để nhận đơn chuyển."""


@agencies_group.group("trust")
def trust_group():
    """Cơ quan tin cậy: thêm, xem, gỡ."""


@trust_group.command("add")
@click.argument("agency_id")
@click.option("--name", required=True, help="Tên cơ quan.")
@click.option("--signing-key", required=True, help="Khóa công khai ký số Ed25519 (base64).")
@click.option("--sealing-key", default=None, help="Khóa công khai X25519 (base64) để mã hóa danh tính gửi đến cơ quan này.")
@click.option("--user", "actor", default="cli", show_default=True, help="Người thêm.")
@json_option
def trust_add(agency_id, name, signing_key, sealing_key, actor):
    """Tin cậy một cơ quan: nhận gói hồ sơ chuyển có chữ ký của cơ quan đó."""
    return trust.add(open_context(), agency_id, name, signing_key, sealing_key, actor=actor)


@trust_group.command("list")
@json_option
def trust_list():
    """Các cơ quan tin cậy (cả cơ quan đã gỡ)."""
    return trust.list_trusted(open_context())


@trust_group.command("remove")
@click.argument("agency_id")
@click.option("--user", "actor", default="cli", show_default=True, help="Người gỡ.")
@json_option
def trust_remove(agency_id, actor):
    """Gỡ tin cậy: từ nay gói hồ sơ của cơ quan này bị từ chối."""
    return trust.remove(open_context(), agency_id, actor=actor)
