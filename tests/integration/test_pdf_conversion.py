"""PDF conversion of a real Word document through headless LibreOffice (petitions/documents/pdf.py).

Skipped loudly where LibreOffice is not installed (``apt-get install libreoffice-writer-nogui``);
the "absent" and "hung" cases run everywhere, with stand-ins named by SOFFICE.
"""
from __future__ import annotations

import io
import shutil
import subprocess
import threading
import time

import pytest
from docx import Document

from petitions.documents import pdf

TITLE = "Thông báo thụ lý giải quyết tố cáo"
BODY = "Ủy ban nhân dân xã An Phú, ngày 05 tháng 02 năm 2027: đơn của ông Nguyễn Văn Đức."

needs_soffice = pytest.mark.skipif(
    not (shutil.which("soffice") or shutil.which("libreoffice")),
    reason="!!! LIBREOFFICE NOT INSTALLED — PDF conversion not tested "
           "(apt-get install libreoffice-writer-nogui)")


def _docx() -> bytes:
    document = Document()
    document.core_properties.title = TITLE
    document.add_heading(TITLE, level=1)
    document.add_paragraph(BODY)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _text_of(data: bytes, tmp_path) -> str | None:
    """The PDF's text through pdftotext (poppler-utils), None where it is not installed."""
    if not shutil.which("pdftotext"):
        return None
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True).stdout.decode("utf-8")


def _title_of(data: bytes) -> str:
    from pyhanko.pdf_utils.reader import PdfFileReader
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    return str(reader.trailer_view["/Info"]["/Title"])


@needs_soffice
def test_a_vietnamese_docx_becomes_a_pdf_with_its_text(tmp_path):
    assert pdf.available() is True
    result = pdf.to_pdf(_docx(), timeout=120)
    assert result is not None and result.startswith(b"%PDF-")
    assert _title_of(result) == TITLE          # the document's own Vietnamese, read back
    text = _text_of(result, tmp_path)
    if text is None:
        pytest.skip("!!! pdftotext (poppler-utils) not installed — body text not checked")
    flat = " ".join(text.split())
    assert TITLE in flat
    assert BODY in flat


@needs_soffice
def test_two_conversions_at_once_do_not_collide():
    results: list[bytes | None] = []
    threads = [threading.Thread(target=lambda: results.append(pdf.to_pdf(_docx(), timeout=120)))
               for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 2
    assert all(r is not None and r.startswith(b"%PDF-") for r in results)


@needs_soffice
def test_garbage_gives_none_not_an_exception():
    assert pdf.to_pdf(b"this is not a word document", timeout=120) is None


def test_absent_libreoffice_gives_none(monkeypatch):
    monkeypatch.setenv("SOFFICE", "no-such-office-binary")
    assert pdf.available() is False
    assert pdf.to_pdf(_docx()) is None


def test_a_hung_conversion_is_killed_at_the_timeout(monkeypatch, tmp_path):
    """A stand-in soffice that forks a child and never returns: both die at the timeout."""
    marker = tmp_path / "child.pid"
    hung = tmp_path / "soffice"
    hung.write_text(f"#!/bin/sh\nsleep 300 &\necho $! > {marker}\nwait\n")
    hung.chmod(0o755)
    monkeypatch.setenv("SOFFICE", str(hung))
    started = time.monotonic()
    assert pdf.to_pdf(_docx(), timeout=0.5) is None
    assert time.monotonic() - started < 10
    child = int(marker.read_text())
    # The forked child was in the killed group: gone (or a zombie reaped by init) shortly after.
    for _ in range(50):
        if not _alive(child):
            break
        time.sleep(0.1)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except FileNotFoundError:
        return False
