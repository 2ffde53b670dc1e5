"""Cursor pagination: an opaque ``cursor`` query argument and a ``next`` link.

The cursor is the position in the list the domain query already pages (its page number), in
base64url JSON: a client treats it as opaque, and the server may change what it holds.
"""
from __future__ import annotations

import base64
import binascii
import json

from flask import request, url_for
from flask_babel import gettext as _

from engine.errors import InvalidInput

MAX_PAGE = 100_000


def encode(page: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"p": page}).encode()).decode().rstrip("=")


def decode(cursor: str | None) -> int:
    """The page a cursor points at (1 without a cursor)."""
    if not cursor:
        return 1
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        page = json.loads(raw)["p"]
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        page = None
    if not isinstance(page, int) or isinstance(page, bool) or not 1 <= page <= MAX_PAGE:
        raise InvalidInput(_("Con trỏ trang (cursor) không hợp lệ; dùng đúng giá trị 'next' "
                             "mà API đã trả về."))
    return page


def page_of(items: list, *, page: int, has_next: bool, **extra) -> tuple[dict, dict]:
    """The body ``{items, next, …}`` and the ``Link`` header of one page."""
    next_url = None
    if has_next:
        args = {k: v for k, v in request.args.items() if k != "cursor"}
        next_url = url_for(request.endpoint, **(request.view_args or {}), **args,
                           cursor=encode(page + 1))
    headers = {"Link": f'<{next_url}>; rel="next"'} if next_url else {}
    return {"items": items, "next": next_url, **extra}, headers
