"""``petitions keys``: the identity encryption keys (docs/security-keys.md) — status and rotation."""
from __future__ import annotations

import click

from petitions.persistence import key_rotation, vault as identity_vault
from petitions_cli.output import json_option, open_context


@click.group("keys")
def keys():
    """Khóa mã hóa danh tính người gửi đơn."""


@keys.command("status")
@json_option
def keys_status():
    """Các khóa đang có và số giá trị mã hóa theo từng khóa."""
    ctx = open_context()
    keyring = identity_vault.keyring(reload=True)
    usage = key_rotation.usage(ctx)
    return {
        "source": str(keyring.source) if keyring.source else "IDENTITY_KEYS (biến môi trường)",
        "active_key": keyring.active_id, "index_key": keyring.index_id,
        "keys": [{"id": key_id, "active": key_id == keyring.active_id,
                  "added": keyring.added.get(key_id) or None,
                  "values": sum(usage.get(key_id, {}).values())} for key_id in keyring.keys],
        "index_keys": list(keyring.index_keys),
        "other": {label: sum(cols.values()) for label, cols in usage.items()
                  if label not in keyring.keys},
    }


@keys.command("rotate")
@click.option("--index-key", is_flag=True,
              help="Đổi cả khóa chỉ mục (HMAC) và tính lại mã băm số định danh, số điện thoại.")
@click.option("--batch-size", type=click.IntRange(10, 10_000), default=key_rotation.BATCH_SIZE,
              show_default=True, help="Số dòng mỗi lô (mỗi lô ghi riêng, chạy lại được).")
@json_option
def keys_rotate(index_key, batch_size):
    """Thêm khóa mới, mã hóa lại mọi giá trị theo lô, gỡ khóa cũ khi không còn dòng nào dùng.

    Nếu lần trước bị dừng giữa chừng, lệnh chạy tiếp lần đó thay vì thêm khóa nữa.
    """
    ctx = open_context()
    result = key_rotation.rotate(ctx, index_key=index_key, batch_size=batch_size,
                                 progress=lambda line: click.echo(line, err=True))
    if result.get("retry_later"):
        click.echo("Khóa mới vừa được thêm: các tiến trình khác cần vài giây để nạp lại; chạy lại "
                   "'petitions keys rotate' sau ít giây để gỡ khóa cũ.", err=True)
    return result
