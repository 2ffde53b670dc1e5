"""``petitions forms``: the legal forms (issue 16), listed and filled for a registered petition.

``render`` is a preview: it takes no outgoing number (only issuing at the step does), and shows
the senders' identity only as far as ``--user`` may read it (hidden without ``--user``). An unknown
form, petition or user is a usage error: one line on stderr, exit status 2.
"""
from __future__ import annotations

import os
from pathlib import Path

import click

from engine.accounts import users
from engine.errors import NotFound
from petitions.documents import catalogue, issuing
from petitions_cli.output import json_option, open_context


@click.group()
def forms():
    """Biểu mẫu văn bản: danh mục, điền thử cho một đơn."""


@forms.command("list")
@json_option
def forms_list():
    """Danh mục biểu mẫu: mã, tên, căn cứ pháp lý, các bước ban hành."""
    return catalogue.listing()


@forms.command("render")
@click.argument("code")
@click.option("--petition", "petition_number", required=True, help="Số đơn (ví dụ 2026-000001).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False),
              help="Tệp .docx ghi ra.")
@click.option("--user", "username", help="Điền theo quyền của người dùng này (danh tính).")
@json_option
def forms_render(code, petition_number, out, username):
    """Điền thử biểu mẫu CODE cho đơn (không lấy số văn bản đi)."""
    if catalogue.get(code) is None:
        raise click.UsageError(f"không có biểu mẫu mã '{code}' (xem 'petitions forms list')")
    ctx = open_context()
    actor = None
    if username:
        try:
            actor = users.actor_for(ctx, username)
        except NotFound:
            raise click.UsageError(f"không có người dùng '{username}'") from None
    try:
        rendered = issuing.preview(ctx, code, petition_number, actor)
    except NotFound as err:
        raise click.UsageError(err.message) from None
    target = Path(out)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # identities inside
    with os.fdopen(fd, "wb") as handle:
        handle.write(rendered.content)
    return {"code": catalogue.get(code).code, "petition": petition_number, "out": str(target),
            "template_version": rendered.template_version, "bytes": len(rendered.content)}
