"""``petitions api token …``: the REST API's machine clients (docs/api.md, "Tokens").

The token is printed once, by ``create``; only its SHA-256 is stored, so a lost token is revoked
and a new one created.
"""
from __future__ import annotations

import click

from engine.accounts import api_clients
from petitions_cli.output import json_option, open_context


@click.group("api")
def api_group():
    """API REST: mã truy cập của các ứng dụng."""


@api_group.group("token")
def token_group():
    """Mã truy cập (token) của ứng dụng: tạo, xem, thu hồi."""


@token_group.command("create")
@click.option("--name", required=True, help="Tên ứng dụng (chữ thường, số, '.', '_', '-').")
@click.option("--unit", required=True, help="Mã đơn vị mà token thuộc về.")
@click.option("--role", "roles", multiple=True, required=True, help="Vai trò (lặp lại được).")
@click.option("--expires-days", type=int, default=None, help="Hết hạn sau số ngày này.")
@click.option("--user", "actor", default="cli", show_default=True, help="Người tạo.")
@json_option
def token_create(name, unit, roles, expires_days, actor):
    """Tạo token; token chỉ hiện một lần, hãy lưu lại ngay."""
    return api_clients.create(open_context(), name, unit, roles, actor=actor,
                              expires_days=expires_days)


@token_group.command("list")
@json_option
def token_list():
    """Các ứng dụng và trạng thái token (không bao giờ hiện token)."""
    return api_clients.list_clients(open_context())


@token_group.command("revoke")
@click.argument("name")
@click.option("--user", "actor", default="cli", show_default=True, help="Người thu hồi.")
@json_option
def token_revoke(name, actor):
    """Thu hồi token của ứng dụng: dừng hiệu lực ngay."""
    return api_clients.revoke(open_context(), name, actor=actor)
