"""Digital signatures embedded in an uploaded PDF, as a reader checks them (issue 16 §8).

Vietnamese offices sign with certificates (chữ ký số). For each embedded signature this reports
who signed (the certificate subject's common name), when (the time the signer's software wrote
into the signature), whether the signed bytes are intact, and whether the certificate chains to
one of the configured trust roots. Checked with pyHanko; nothing is fetched from the network
(no OCSP/CRL requests from the server), so revocation is not checked and the page says so.

Trust roots: a folder (or one file) of PEM or DER certificates, ``PDF_TRUST_ROOTS`` or else
``<data dir>/trust-roots`` (docs/operations.md). An unsigned PDF is an ordinary scan: ``[]``.
A broken or hostile file never raises: it gives one entry with the status ``unreadable``.
"""
from __future__ import annotations

import io
import logging
import os
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterable

from engine.working_days import VN_TZ

log = logging.getLogger(__name__)

# Status of one signature, most trusted first; labels in webapp/templates/documents/_signatures.html.
VALID = "valid"              # intact, and the certificate chains to a configured trust root
UNTRUSTED = "not_trusted"    # intact, but the certificate is not from a configured trust root
MODIFIED = "modified"        # the signed bytes changed, or the signature does not match them
UNREADABLE = "unreadable"    # the file or the signature could not be read at all
CERT_SUFFIXES = (".pem", ".crt", ".cer", ".der")
MAX_ROOT_FILES = 200


@dataclass(frozen=True)
class SignatureInfo:
    field: str                        # the signature field's name in the PDF
    signer: str                       # certificate subject CN ("" when unknown)
    signed_at: datetime | None        # the signing time the signer's software reported
    intact: bool                      # the signed byte ranges hash to the signed digest
    trusted: bool                     # the certificate chains to a configured trust root
    status: str                       # VALID | UNTRUSTED | MODIFIED | UNREADABLE
    covers_whole_file: bool = False   # False: content was added after signing (incremental)
    detail: str = ""                  # a short reason for UNREADABLE / MODIFIED

    @property
    def valid(self) -> bool:
        return self.status == VALID

    @property
    def signed_at_text(self) -> str:
        """The signing time in Vietnam time, as pages print it ("" when unknown)."""
        return self.signed_at.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M") if self.signed_at else ""


def trust_roots_location(data_dir: Path, environ: dict | None = None) -> Path:
    """Where the trust roots are: ``PDF_TRUST_ROOTS`` or ``<data dir>/trust-roots``."""
    env = os.environ if environ is None else environ
    return Path(env["PDF_TRUST_ROOTS"]) if env.get("PDF_TRUST_ROOTS") else data_dir / "trust-roots"


def load_trust_roots(location: Path | None) -> list:
    """The certificates (asn1crypto) of a folder or a file; unreadable files are skipped, logged."""
    if location is None or not location.exists():
        return []
    files = [location] if location.is_file() else sorted(
        p for p in location.iterdir() if p.is_file() and p.suffix.lower() in CERT_SUFFIXES)
    roots = []
    for path in files[:MAX_ROOT_FILES]:
        roots.extend(_certificates(path))
    return roots


def _certificates(path: Path) -> Iterable:
    from asn1crypto import pem, x509
    try:
        data = path.read_bytes()
        if pem.detect(data):
            return [x509.Certificate.load(der) for _kind, _headers, der in pem.unarmor(data, True)]
        return [x509.Certificate.load(data)]
    except Exception as err:  # a bad root file must not stop every verification
        log.warning("trust root %s unreadable: %s", path.name, err)
        return []


def describe(pdf_bytes: bytes, *, trust_roots: list | Path | None = None) -> list[SignatureInfo]:
    """The embedded signatures of ``pdf_bytes``; ``[]`` for an unsigned PDF. Never raises."""
    roots = load_trust_roots(trust_roots) if isinstance(trust_roots, Path) else (trust_roots or [])
    _quiet_library_logs()
    try:
        with warnings.catch_warnings():
            # pyHanko warns on sloppy but common PDFs (and on its own deprecations): the status
            # below is what matters, and pytest's filterwarnings=error must not turn it into a crash.
            warnings.simplefilter("ignore")
            return _outside_any_event_loop(_describe, pdf_bytes, roots)
    except Exception as err:  # hostile input: anything pyHanko raises is a status, not a 500
        log.info("PDF signatures unreadable: %s", type(err).__name__)
        return [SignatureInfo(field="", signer="", signed_at=None, intact=False, trusted=False,
                              status=UNREADABLE, detail=_reason(err))]


def _outside_any_event_loop(func, *args):
    """pyHanko's synchronous validation calls ``asyncio.run``, which refuses to run in a thread
    whose event loop is running (an async server, or Playwright's in the browser tests): there,
    validate in a short-lived thread of its own."""
    import asyncio
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return func(*args)
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(func, *args).result()


def _quiet_library_logs() -> None:
    """pyHanko logs each failed check with the certificate's subject: a signer's name (perhaps a
    denouncer's) must not reach the logs (docs/security.md). The status carries the outcome."""
    for name in ("pyhanko", "pyhanko_certvalidator"):
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)


def _describe(pdf_bytes: bytes, roots: list) -> list[SignatureInfo]:
    from pyhanko.pdf_utils.reader import PdfFileReader
    if not pdf_bytes.lstrip()[:5].startswith(b"%PDF"):
        raise ValueError("not a PDF file")
    reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
    return [_one(signature, roots) for signature in reader.embedded_signatures]


def _one(signature, roots: list) -> SignatureInfo:
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext
    name = str(signature.field_name or "")
    try:
        signer = _common_name(signature.signer_cert)
        signed_at = signature.self_reported_timestamp
    except Exception as err:
        return SignatureInfo(name, "", None, False, False, UNREADABLE, detail=_reason(err))
    try:
        context = ValidationContext(trust_roots=roots, allow_fetching=False,
                                    revocation_mode="soft-fail")
        status = validate_pdf_signature(signature, context)
    except Exception as err:
        return SignatureInfo(name, signer, signed_at, False, False, MODIFIED, detail=_reason(err))
    intact = bool(status.intact and status.valid)
    trusted = bool(intact and status.trusted and roots)
    whole = str(getattr(status.coverage, "name", "")) == "ENTIRE_FILE"
    state = VALID if trusted else UNTRUSTED if intact else MODIFIED
    return SignatureInfo(name, signer, status.signer_reported_dt or signed_at, intact, trusted,
                         state, covers_whole_file=whole,
                         detail="" if intact else "nội dung đã bị thay đổi sau khi ký")


def _common_name(certificate) -> str:
    if certificate is None:
        return ""
    names = certificate.subject.native
    return str(names.get("common_name") or names.get("organization_name") or "")


def _reason(err: Exception) -> str:
    text = str(err).splitlines()[0] if str(err) else type(err).__name__
    return text[:200]
