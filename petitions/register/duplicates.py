"""Suggest earlier petitions that may be the same matter, while the letter is being registered.

Duplicates are linked to the earlier case, not processed again (LTCD Điều 9.3; LTC Điều 24.3;
domain spec §6). Two signals:

* the same sender ID number (căn cước / CMND) on an earlier petition: score 1.0 (matched by its
  keyed hash, ``identity_vault.blind_indexes``: the number is stored encrypted);
* a similar text: TF-IDF over diacritic-free Vietnamese (``text_search.fold``) with word unigrams
  and bigrams — Vietnamese words are mostly two syllables ("đất đai", "thu hồi"), so the bigrams
  carry the compounds — sublinear term frequency, smoothed IDF, L2 norm and cosine similarity
  (the formulas of scikit-learn's ``TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)``,
  written out here so no numeric stack is needed for a few thousand short texts).

The candidate set is bounded: the latest ``RECENT_CANDIDATES`` petitions by received date plus the
latest ``FIELD_CANDIDATES`` of the same field, each text cut to ``MAX_TEXT_CHARS``. Results carry
the petition's number, date, type, status and a short summary, never a sender's identity (sealed
denunciations included: the officer only learns that an earlier letter exists).
"""
from __future__ import annotations

import math
import re
from collections import Counter
from typing import TYPE_CHECKING, Iterable, Mapping

from sqlalchemy import select

from engine.accounts.access import units_condition
from engine.persistence.models import HumanTask, ProcessInstance
from engine.text_search import fold
from petitions.persistence.models import Petition, PetitionSender
from petitions.persistence.vault import blind_indexes

if TYPE_CHECKING:
    from engine.context import EngineContext

THRESHOLD = 0.35
RECENT_CANDIDATES = 5000
FIELD_CANDIDATES = 20000
MAX_TEXT_CHARS = 3000
SUMMARY_CHARS = 240
SAME_ID_REASON = "Cùng số định danh"
SIMILAR_REASON = "Nội dung tương tự"
STATUS_LABELS = {"running": "Đang xử lý", "waiting": "Đang xử lý", "completed": "Đã kết thúc",
                 "suspended": "Tạm đình chỉ", "terminated": "Đã chấm dứt",
                 "error": "Lỗi quy trình (chờ quản trị xử lý)"}
_ID_NUMBER = re.compile(r"[0-9]{9}|[0-9]{12}")

# Function syllables (after folding) that every letter contains, and the words of a letter's
# framing ("kính gửi", "đơn đề nghị", dates). Dropping them keeps two letters about different
# matters from looking alike just because both are petitions.
STOP_WORDS = frozenset("""
a ai ay ba bi boi cac cai chi cho chu chung co cua da dang de den di do duoc gi gui hay hoac
khi kinh la lai luc ma moi mot nam nay neu ngay nhu nhung o ong rang ra roi sau se tai thang
the theo thi toi tren trong tu va vao ve vi voi xin don
""".split())


def terms(folded: str) -> Counter:
    """Unigrams and bigrams of an already folded text (``text_search.fold``), stop words dropped."""
    words = [w for w in folded[:MAX_TEXT_CHARS].split() if w not in STOP_WORDS]
    counts = Counter(words)
    counts.update(f"{a} {b}" for a, b in zip(words, words[1:]))
    return counts


def _query_weights(counts: Mapping[str, int], idf: Mapping[str, float]) -> dict[str, float]:
    weights = {t: (1.0 + math.log(c)) * idf[t] for t, c in counts.items()}
    norm = math.sqrt(sum(w * w for w in weights.values()))
    return {t: w / norm for t, w in weights.items()} if norm else {}


def folded_similarities(query: str, documents: Mapping[int, str]) -> dict[int, float]:
    """Cosine similarity of a folded ``query`` with each folded document, by key.

    The query is part of the corpus for the IDF, so its own rare words count as rare. Documents
    sharing no term with the query are skipped (their cosine is 0).
    """
    query_terms = terms(query)
    if not query_terms:
        return {}
    doc_terms = {key: terms(text) for key, text in documents.items()}
    df: Counter = Counter(query_terms.keys())
    for counts in doc_terms.values():
        df.update(counts.keys())
    n = len(doc_terms) + 1
    idf = {t: math.log((1 + n) / (1 + d)) + 1.0 for t, d in df.items()}
    q = _query_weights(query_terms, idf)
    scores = {}
    for key, counts in doc_terms.items():
        if counts.keys().isdisjoint(q):
            continue
        dot = norm2 = 0.0
        for t, c in counts.items():
            w = (1.0 + math.log(c)) * idf[t]
            norm2 += w * w
            if t in q:
                dot += q[t] * w
        scores[key] = dot / math.sqrt(norm2)
    return scores


def similarities(query: str, documents: Mapping[int, str]) -> dict[int, float]:
    """Cosine similarity (0–1) of a Vietnamese ``query`` with each document; diacritics ignored."""
    return folded_similarities(fold(query), {k: fold(v) for k, v in documents.items()})


def _clean_ids(id_numbers: Iterable[str | None]) -> list[str]:
    cleaned = {(n or "").strip() for n in id_numbers}
    return sorted(n for n in cleaned if _ID_NUMBER.fullmatch(n))


def _candidates(session, field: str | None, exclude_id: int | None) -> dict[int, str]:
    newest = (Petition.received_on.desc(), Petition.id.desc())
    rows = list(session.execute(select(Petition.id, Petition.search_text)
                                .order_by(*newest).limit(RECENT_CANDIDATES)))
    if field:
        rows += session.execute(select(Petition.id, Petition.search_text)
                                .where(Petition.field == field)
                                .order_by(*newest).limit(FIELD_CANDIDATES)).all()
    return {pid: (text or "")[:MAX_TEXT_CHARS] for pid, text in rows if pid != exclude_id}


def _short(summary: str) -> str:
    text = " ".join((summary or "").split())
    return text if len(text) <= SUMMARY_CHARS else text[:SUMMARY_CHARS - 1].rstrip() + "…"


def _describe(session, hits: dict[int, tuple[float, list[str]]]) -> list[dict]:
    rows = session.execute(select(Petition, ProcessInstance.status)
                           .outerjoin(ProcessInstance, ProcessInstance.id == Petition.instance_id)
                           .where(Petition.id.in_(hits))).all()
    steps: dict[int, list[str]] = {}
    instance_ids = [p.instance_id for p, _ in rows if p.instance_id]
    if instance_ids:
        for instance_id, name in session.execute(
                select(HumanTask.instance_id, HumanTask.name)
                .where(HumanTask.instance_id.in_(instance_ids), HumanTask.status == "ready")
                .order_by(HumanTask.id)):
            steps.setdefault(instance_id, []).append(name)
    result = []
    for petition, status in rows:
        score, reasons = hits[petition.id]
        result.append({
            "petition_id": petition.id, "number": petition.number,
            "received_on": petition.received_on.isoformat(),
            "petition_type": petition.petition_type, "field": petition.field,
            "status": status or "unknown",
            "status_label": STATUS_LABELS.get(status or "", "Chưa rõ"),
            "current_steps": steps.get(petition.instance_id, []),
            "summary": _short(petition.summary), "sealed": petition.identity_sealed,
            "score": round(score, 3), "reasons": reasons, "reason": "; ".join(reasons)})
    return result


def find_similar(ctx: "EngineContext", summary: str, id_numbers: list[str], *, limit: int = 5,
                 exclude_id: int | None = None, field: str | None = None,
                 threshold: float = THRESHOLD, units: frozenset[str] | None = None) -> list[dict]:
    """Earlier petitions that may be the same matter, best first (at most ``limit``).

    Each: ``petition_id, number, received_on, petition_type, field, status, status_label,
    current_steps, summary, sealed, score, reasons, reason``. Same ID number → score 1.0.
    ``units``: only petitions of these units (the reader's; another unit's letters do not
    exist for them). A sealed petition is never matched by ID number: that match would tell
    the reader who the denouncer is (LTC Điều 8); its redacted text may still match.
    """
    ids = _clean_ids(id_numbers)
    with ctx.uow(write=False) as uow:
        session = uow.session
        same_id: set[int] = set()
        if ids:
            hashes = [h for number in ids for h in blind_indexes("id_number", number)]
            same_id = set(session.scalars(
                select(PetitionSender.petition_id)
                .join(Petition, Petition.id == PetitionSender.petition_id)
                .where(PetitionSender.id_number_hash.in_(hashes),
                       Petition.identity_sealed.is_(False))))
            same_id.discard(exclude_id)
        text_scores = folded_similarities(fold(summary or ""),
                                          _candidates(session, field, exclude_id))
        hits: dict[int, tuple[float, list[str]]] = {}
        for pid in same_id:
            reasons = [SAME_ID_REASON]
            if text_scores.get(pid, 0.0) >= threshold:
                reasons.append(f"{SIMILAR_REASON} ({text_scores[pid]:.0%})")
            hits[pid] = (1.0, reasons)
        for pid, score in text_scores.items():
            if score >= threshold and pid not in hits:
                hits[pid] = (score, [SIMILAR_REASON])
        if units is not None and hits:
            allowed = set(session.scalars(select(Petition.id).where(
                Petition.id.in_(list(hits)), units_condition(Petition.unit_code, units))))
            hits = {pid: hit for pid, hit in hits.items() if pid in allowed}
        best = dict(sorted(hits.items(), key=lambda item: (-item[1][0], -item[0]))[:limit])
        if not best:
            return []
        described = _describe(session, best)
    return sorted(described, key=lambda r: (-r["score"], -r["petition_id"]))
