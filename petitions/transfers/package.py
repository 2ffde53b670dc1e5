"""The case package that travels between agencies (issue 20 §4): format, signature, sealing.

A package is JSON: ``{"format": 1, "body": {...}, "signature": base64}``. The signature is the
sending agency's Ed25519 signature over the body's canonical JSON (sorted keys, no spaces,
UTF-8). The body holds the register line (already cut of identities), the documents (base64
content with their SHA-256), the transfer slip, the origin's agency id, number and tracking code,
the history summary, the receiving agency's id, and the senders' identities **sealed** to the
receiving agency only: an ephemeral X25519 key agreed with the receiver's public key, HKDF-SHA256,
AES-256-GCM (the body's origin and number as associated data). Only the receiver's private key
opens them; a reader of the package on the way sees no name, ID number or phone.

``open_package`` verifies everything before anything is stored and refuses with one clear
Vietnamese reason: unknown agency, bad signature, not addressed here, a document that does not
match its digest, or sealed identities that do not open. Transport, trust configuration and the
API route are not built yet (docs/api.md).
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from typing import Any, Mapping

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from engine.errors import InvalidInput

FORMAT = 1
_INFO = b"petitions-transfer-v1 sealed identities"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    try:
        return base64.b64decode(str(text), validate=True)
    except (ValueError, TypeError):
        raise InvalidInput("Gói hồ sơ chuyển không hợp lệ: dữ liệu base64 hỏng") from None


def canonical(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def raw_public(key: Ed25519PublicKey | X25519PublicKey) -> str:
    """A public key as the administrator configures it: base64 of its 32 raw bytes."""
    return _b64(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def _key(shared: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(shared)


def seal(senders: list[dict], recipient: X25519PublicKey, aad: bytes) -> dict:
    ephemeral = X25519PrivateKey.generate()
    nonce = os.urandom(12)
    text = AESGCM(_key(ephemeral.exchange(recipient))).encrypt(
        nonce, json.dumps(senders, ensure_ascii=False).encode(), aad)
    return {"alg": "X25519-HKDF-SHA256-AES256GCM", "ephemeral": raw_public(ephemeral.public_key()),
            "nonce": _b64(nonce), "ciphertext": _b64(text)}


def unseal(sealed: Mapping[str, Any], own: X25519PrivateKey, aad: bytes) -> list[dict]:
    try:
        peer = X25519PublicKey.from_public_bytes(_unb64(sealed["ephemeral"]))
        plain = AESGCM(_key(own.exchange(peer))).decrypt(
            _unb64(sealed["nonce"]), _unb64(sealed["ciphertext"]), aad)
        return json.loads(plain)
    except (KeyError, TypeError, ValueError, InvalidTag):
        raise InvalidInput("Gói hồ sơ chuyển bị từ chối: không mở được danh tính người gửi "
                           "(không gửi cho cơ quan này hoặc đã bị sửa)") from None


@dataclass
class OpenedPackage:
    body: dict
    senders: list[dict]
    documents: list[tuple[str, str, bytes]]      # (file name, content type, content)


def build(*, origin_agency: str, origin_number: str, tracking_code: str, to_agency: str,
          register: dict, slip: dict, history: list[dict], senders: list[dict],
          documents: list[tuple[str, str, bytes]], signing_key: Ed25519PrivateKey,
          recipient: X25519PublicKey) -> dict:
    """A signed package for ``to_agency``; the senders sealed to ``recipient`` only."""
    aad = f"{origin_agency}|{origin_number}".encode()
    body = {"origin": {"agency": origin_agency, "number": origin_number,
                       "tracking_code": tracking_code},
            "to_agency": to_agency, "register": register, "slip": slip, "history": history,
            "documents": [{"file_name": name, "content_type": kind, "sha256":
                           hashlib.sha256(content).hexdigest(), "content_base64": _b64(content)}
                          for name, kind, content in documents],
            "senders_sealed": seal(senders, recipient, aad)}
    return {"format": FORMAT, "body": body,
            "signature": _b64(signing_key.sign(canonical(body)))}


def open_package(package: Any, *, own_agency: str, trusted: Mapping[str, Ed25519PublicKey],
                 own_key: X25519PrivateKey) -> OpenedPackage:
    """Verify and open ``package``; any failure raises InvalidInput with the reason."""
    if not isinstance(package, Mapping) or package.get("format") != FORMAT \
            or not isinstance(package.get("body"), Mapping):
        raise InvalidInput("Gói hồ sơ chuyển không đúng định dạng (phiên bản 1)")
    body = package["body"]
    origin = body.get("origin") if isinstance(body.get("origin"), Mapping) else {}
    agency = origin.get("agency")
    if not isinstance(agency, str) or agency not in trusted:
        raise InvalidInput(f"Gói hồ sơ chuyển bị từ chối: cơ quan gửi «{agency}» chưa được "
                           "cấu hình tin cậy")
    try:
        trusted[agency].verify(_unb64(package.get("signature")), canonical(body))
    except InvalidSignature:
        raise InvalidInput("Gói hồ sơ chuyển bị từ chối: chữ ký số không đúng (gói đã bị sửa "
                           "hoặc không do cơ quan gửi ký)") from None
    if body.get("to_agency") != own_agency:
        raise InvalidInput("Gói hồ sơ chuyển bị từ chối: gói không gửi cho cơ quan này")
    _check_shape(body, origin)
    documents = []
    for doc in body.get("documents") or []:
        content = _unb64(doc.get("content_base64"))
        if hashlib.sha256(content).hexdigest() != doc.get("sha256"):
            raise InvalidInput(f"Gói hồ sơ chuyển bị từ chối: tài liệu «{doc.get('file_name')}» "
                               "không khớp mã băm")
        documents.append((str(doc.get("file_name")), str(doc.get("content_type")), content))
    aad = f"{agency}|{origin.get('number')}".encode()
    senders = unseal(body.get("senders_sealed") or {}, own_key, aad)
    return OpenedPackage(body=dict(body), senders=senders, documents=documents)


def _check_shape(body: Mapping[str, Any], origin: Mapping[str, Any]) -> None:
    """A signed body can still be malformed (a sender's bug): refused with one line, not a crash."""
    documents = body.get("documents") or []
    well_formed = (
        all(isinstance(origin.get(k), str) and origin.get(k) for k in ("number", "tracking_code"))
        and isinstance(body.get("register"), Mapping)
        and isinstance(body.get("slip") or {}, Mapping)
        and isinstance(body.get("history") or [], list)
        and isinstance(documents, list) and all(isinstance(d, Mapping) for d in documents)
        and isinstance(body.get("senders_sealed"), Mapping))
    if not well_formed:
        raise InvalidInput("Gói hồ sơ chuyển không đúng định dạng (phiên bản 1)")
