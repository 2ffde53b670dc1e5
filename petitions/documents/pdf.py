"""A generated Word document as PDF, through headless LibreOffice (issue 16 §7).

The DOCX stays the primary format (Vietnamese offices work in Word); the PDF is offered beside it
where LibreOffice is installed. Each conversion runs ``soffice`` in its own process group with a
private, throw-away profile (``-env:UserInstallation``): two conversions sharing the default
profile lock each other out, and a profile left by a crashed run must not break the next one. A
conversion that outlives its timeout is killed with its whole group (soffice forks
``soffice.bin``), so a hostile or broken document never holds a worker.
"""
from __future__ import annotations

import io
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import zipfile
from pathlib import Path

log = logging.getLogger(__name__)

# Debian's package installs /usr/bin/soffice; SOFFICE names another binary (a test's stand-in).
CANDIDATES = ("soffice", "libreoffice")
PDF_TYPE = "application/pdf"


def _binary() -> str | None:
    named = os.environ.get("SOFFICE")
    if named:
        return shutil.which(named)
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def available() -> bool:
    """Whether LibreOffice can be run here (the "Tải PDF" links are offered only then)."""
    return _binary() is not None


def to_pdf(docx_bytes: bytes, *, timeout: float = 60) -> bytes | None:
    """``docx_bytes`` converted to PDF; None when LibreOffice is absent, the conversion failed or
    took longer than ``timeout`` seconds (the reason is logged, never the document)."""
    binary = _binary()
    if binary is None or not _is_docx(docx_bytes):
        return None
    with tempfile.TemporaryDirectory(prefix="petitions-pdf-") as work:
        folder = Path(work)
        source = folder / "document.docx"
        source.write_bytes(docx_bytes)
        profile = folder / "profile"
        # The import filter is named: LibreOffice would otherwise guess from the bytes.
        command = [binary, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                   "--norestore", "--nolockcheck", "--infilter=MS Word 2007 XML",
                   "--convert-to", "pdf", "--outdir",
                   str(folder / "out"), str(source)]
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, cwd=folder, start_new_session=True,
                                   env={**os.environ, "HOME": str(folder)})
        try:
            _out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            log.warning("PDF conversion stopped after %.1f s", timeout)
            return None
        result = folder / "out" / "document.pdf"
        if process.returncode != 0 or not result.is_file():
            log.warning("PDF conversion failed (exit %s): %s", process.returncode,
                        (err or b"").decode("utf-8", "replace")[-300:])
            return None
        data = result.read_bytes()
        return data if data.startswith(b"%PDF") else None


def _is_docx(data: bytes) -> bool:
    """A Word (OOXML) package: LibreOffice would turn any other bytes into a PDF of garbage."""
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, ValueError):
        return False


def _kill_group(process: subprocess.Popen) -> None:
    """SIGKILL the conversion's process group (soffice and the soffice.bin it forked)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.communicate()
