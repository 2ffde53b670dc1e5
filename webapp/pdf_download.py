"""A generated Word document offered as PDF ("Tải PDF", issue 16 §7).

The DOCX stays the primary format; where LibreOffice is installed the same document is converted
on request (``petitions.documents.pdf``). Pages show the link only when ``pdf_available()``.
"""
from __future__ import annotations

import re

from flask import Response, make_response
from flask_babel import gettext as _

from petitions.documents import pdf
from webapp.errors import error_response

PDF_TIMEOUT_S = 60


def pdf_available() -> bool:
    """Whether to offer "Tải PDF" beside a Word document."""
    return pdf.available()


def pdf_download(docx_bytes: bytes, filename: str) -> Response:
    """``docx_bytes`` as a PDF attachment named after ``filename`` (its .docx suffix replaced);
    503 with one clear line when LibreOffice is missing or the conversion fails."""
    data = pdf.to_pdf(docx_bytes, timeout=PDF_TIMEOUT_S)
    if data is None:
        message = (_("Không chuyển được văn bản sang PDF; vui lòng tải bản Word (.docx).")
                   if pdf.available() else
                   _("Máy chủ chưa cài LibreOffice nên chưa tạo được bản PDF; vui lòng tải bản "
                     "Word (.docx)."))
        return make_response(error_response(503, message))
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", re.sub(r"\.docx$", "", filename, flags=re.I))
    response = Response(data, mimetype=pdf.PDF_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{stem[:120] or "van-ban"}.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response
