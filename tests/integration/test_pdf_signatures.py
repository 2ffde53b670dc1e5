"""Signed PDFs (petitions/documents/signatures.py): real certificates, real pyHanko signatures.

A self-signed certificate is made with ``cryptography``, a PDF is signed with pyHanko's
SimpleSigner, and ``describe`` must tell the signer, the time, intact or not, trusted or not.
"""
from __future__ import annotations

import io
import logging
from datetime import datetime, timedelta, timezone

import pytest
from asn1crypto import keys as asn1_keys, x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from petitions.documents import signatures
from petitions.documents.signatures import MODIFIED, UNREADABLE, UNTRUSTED, VALID

SIGNER = "Nguyễn Văn Ký"


def _certificate(common_name: str):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "UBND xã An Phú")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=True, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    return key, cert


@pytest.fixture(scope="module")
def credentials():
    key, cert = _certificate(SIGNER)
    return key, cert, asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _blank_pdf() -> bytes:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.writer import PdfFileWriter
    writer = PdfFileWriter()
    writer.insert_page(generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Page"),
        generic.NameObject("/MediaBox"): generic.ArrayObject(
            [generic.NumberObject(n) for n in (0, 0, 595, 842)])}))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _signed(credentials, pdf: bytes | None = None, field: str = "ChuKy1") -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore
    key, _cert, asn1_cert = credentials
    signer = signers.SimpleSigner(
        signing_cert=asn1_cert, cert_registry=SimpleCertificateStore.from_certs([asn1_cert]),
        signing_key=asn1_keys.PrivateKeyInfo.load(key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())))
    out = io.BytesIO()
    # Signing calls asyncio.run as validation does: after the browser tests the thread's loop
    # is still running (Playwright's sync API), so sign the way describe() validates.
    signatures._outside_any_event_loop(
        lambda: signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf or _blank_pdf())),
                                 signers.PdfSignatureMetadata(field_name=field), signer=signer,
                                 output=out))
    return out.getvalue()


def test_a_signature_from_a_configured_root_is_valid(credentials, tmp_path):
    _key, cert, _ = credentials
    roots = tmp_path / "trust-roots"
    roots.mkdir()
    (roots / "ubnd-an-phu.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    before = datetime.now(timezone.utc) - timedelta(seconds=5)
    [info] = signatures.describe(_signed(credentials), trust_roots=roots)
    assert (info.field, info.signer, info.intact, info.trusted, info.status) == \
        ("ChuKy1", SIGNER, True, True, VALID)
    assert info.valid is True and info.covers_whole_file is True
    assert before <= info.signed_at <= datetime.now(timezone.utc) + timedelta(seconds=5)


def test_a_der_root_file_is_read_too(credentials, tmp_path):
    _key, cert, _ = credentials
    root = tmp_path / "root.cer"
    root.write_bytes(cert.public_bytes(serialization.Encoding.DER))
    assert [i.status for i in signatures.describe(_signed(credentials), trust_roots=root)] == \
        [VALID]


def test_a_certificate_outside_the_trust_roots_is_intact_but_not_trusted(credentials, tmp_path):
    _other_key, other_cert = _certificate("Một CA khác")
    roots = tmp_path / "roots"
    roots.mkdir()
    (roots / "other.pem").write_bytes(other_cert.public_bytes(serialization.Encoding.PEM))
    (roots / "broken.pem").write_bytes(b"-----BEGIN CERTIFICATE-----\nnot base64\n")
    for trust in (roots, None, tmp_path / "no-such-folder"):
        [info] = signatures.describe(_signed(credentials), trust_roots=trust)
        assert (info.signer, info.intact, info.trusted, info.status) == \
            (SIGNER, True, False, UNTRUSTED)


def test_a_tampered_signed_pdf_is_reported_modified(credentials):
    signed = bytearray(_signed(credentials))
    at = signed.find(b"/MediaBox [ 0 0 595 842 ]")
    assert at > 0
    signed[at:at + 25] = b"/MediaBox [ 0 0 597 842 ]"   # inside the signed byte range
    [info] = signatures.describe(bytes(signed), trust_roots=[credentials[2]])
    assert (info.signer, info.intact, info.trusted, info.status) == \
        (SIGNER, False, False, MODIFIED)


def test_unsigned_garbage_and_truncated_files_never_raise(credentials):
    assert signatures.describe(_blank_pdf()) == []
    for data in (b"", b"garbage bytes", b"%PDF-1.7\n1 0 obj <<", _signed(credentials)[:900],
                 b"%PDF-1.4\n" + b"\x00\xff" * 5000):
        result = signatures.describe(data, trust_roots=[credentials[2]])
        assert [r.status for r in result] in ([], [UNREADABLE]), data[:20]
        assert all(r.intact is False and r.trusted is False for r in result)


def test_two_signatures_are_both_listed(credentials):
    twice = _signed(credentials, _signed(credentials), field="ChuKy2")
    result = signatures.describe(twice, trust_roots=[credentials[2]])
    assert [(r.field, r.status) for r in result] == [("ChuKy1", VALID), ("ChuKy2", VALID)]
    assert [r.covers_whole_file for r in result] == [False, True]   # the first was signed over


def test_the_signer_never_reaches_the_logs(credentials, caplog):
    with caplog.at_level(logging.DEBUG):
        signatures.describe(_signed(credentials))
    assert SIGNER not in caplog.text


def test_trust_roots_location_from_the_environment(tmp_path):
    assert signatures.trust_roots_location(tmp_path, {}) == tmp_path / "trust-roots"
    assert signatures.trust_roots_location(tmp_path, {"PDF_TRUST_ROOTS": "/etc/ca"}) == \
        signatures.Path("/etc/ca")


def test_described_inside_a_running_event_loop(credentials, tmp_path):
    """pyHanko calls asyncio.run: inside a running loop (an async server; Playwright in the browser
    tests) the signature is still checked, not reported unreadable."""
    import asyncio
    _key, cert, _ = credentials
    root = tmp_path / "root.cer"
    root.write_bytes(cert.public_bytes(serialization.Encoding.DER))
    signed = _signed(credentials)

    async def inside():
        asyncio.get_running_loop()  # raises unless a loop is running here
        return signatures.describe(signed, trust_roots=root)
    # A thread of its own: this test's thread may already hold Playwright's running loop.
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=1) as pool:
        infos = pool.submit(asyncio.run, inside()).result()
    assert [i.status for i in infos] == [VALID]
