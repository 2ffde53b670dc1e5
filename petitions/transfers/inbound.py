"""Receiving a case package from another agency (issue 20 §4): verify, then register once.

Everything is checked before anything is written: the signature against the agencies this one
trusts, the addressee, the documents' digests and upload rules, the sealed identities. A refused
package leaves no row and no file. A repeated package (same origin agency and number) registers
nothing new and is acknowledged with the first registration. The API route, the trust
configuration and the outbound job that will call this are not built yet (docs/api.md).
"""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, Mapping

from sqlalchemy import select

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from engine.errors import InvalidInput
from petitions.persistence.models import Petition
from petitions.persistence.transfer_models import CaseTransfer
from petitions.register.documents import FolderDocumentStore
from petitions.transfers.package import open_package
from petitions.transfers.receiving import CasePackage, receive_case

if TYPE_CHECKING:
    from engine.context import EngineContext

RECEIVER = "chuyen-don-lien-co-quan"   # the audit's actor for letters received by package


def receive_package(ctx: "EngineContext", package: Any, *, own_agency: str, to_unit: str,
                    trusted: Mapping[str, Ed25519PublicKey], own_key: X25519PrivateKey,
                    store: FolderDocumentStore) -> dict:
    """The acknowledgement ``{transfer_id, number, tracking_code, repeated}``."""
    opened = open_package(package, own_agency=own_agency, trusted=trusted, own_key=own_key)
    body = opened.body
    origin, slip = body["origin"], body.get("slip") or {}
    try:
        slip_on = date.fromisoformat(str(slip["on"])) if slip.get("on") else None
    except ValueError:
        raise InvalidInput("Gói hồ sơ chuyển bị từ chối: ngày chuyển không hợp lệ") from None
    with ctx.uow() as uow:
        earlier = uow.session.scalars(select(CaseTransfer).where(
            CaseTransfer.origin_agency == origin["agency"],
            CaseTransfer.origin_number == origin["number"])).first()
        if earlier is not None:
            return _ack(uow.session, earlier, repeated=True)
    stored = store.put_all([(name, content, kind) for name, kind, content in opened.documents])
    try:
        with ctx.uow() as uow:
            transfer = receive_case(ctx, uow, CasePackage(
                origin_agency=origin["agency"], origin_number=origin["number"],
                tracking_code=origin["tracking_code"], to_unit=to_unit,
                slip_number=str(slip.get("number") or ""),
                slip_on=slip_on,
                step=str(slip.get("step") or ""), sent_by=RECEIVER, register=body["register"],
                history=list(body.get("history") or []), senders=opened.senders,
                stored_documents=stored, from_agency_name=origin["agency"]))
            uow.commit()
            return _ack(uow.session, transfer, repeated=False)
    except BaseException:
        store.delete_all(doc.stored_name for doc in stored)   # a refused package keeps no file
        raise


def _ack(session, transfer: CaseTransfer, *, repeated: bool) -> dict:
    petition = session.get(Petition, transfer.petition_id)
    return {"transfer_id": transfer.id, "number": petition.number,
            "tracking_code": petition.tracking_code, "repeated": repeated}
