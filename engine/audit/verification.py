"""Verifying the audit trail against the signed checkpoints, recording the outcome, and the
worker's schedule for both.

The outcome of the periodic verification and its alerts are files in the checkpoint directory
(``verification.json``, ``alerts/``), not database rows: whoever can rewrite the database could
otherwise delete the alert that reports them. The supervisors' dashboard reads ``status()``.
"""
from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from engine.audit import chain as audit
from engine.audit.archives import load_digests
from engine.audit.checkpoints import (events_at, fold, make_checkpoint, public_raw, read_latest,
                                      replace_file, signing_key)
from engine.settings import Settings

log = logging.getLogger(__name__)
KEPT_BREAKS = 200  # in verification.json and an alert; the CLI lists them all

# Each kind of break (engine.audit.chain and the checks below), in Vietnamese for people.
KIND_LABELS = {
    "altered": "nội dung không khớp mã băm (sự kiện bị sửa)",
    "link_broken": "mã băm nối với sự kiện trước không khớp (bị thay hoặc đảo thứ tự)",
    "missing": "thiếu sự kiện (bị xóa)",
    "reordered": "sự kiện sai thứ tự",
    "truncated": "chuỗi ngắn hơn số sự kiện ghi ở đầu chuỗi (sự kiện cuối bị xóa)",
    "head_mismatch": "đầu chuỗi không khớp sự kiện cuối",
    "head_missing": "có sự kiện nhưng mất đầu chuỗi (hồ sơ bị xóa?)",
    "chain_missing": "cả chuỗi đã có trong điểm mốc ký bị xóa khỏi cơ sở dữ liệu",
    "checkpoint_mismatch": "sự kiện khác với điểm mốc đã ký (chuỗi bị viết lại)",
    "head_behind_checkpoint": "đầu chuỗi lùi về trước điểm mốc đã ký",
    "checkpoint_missing": "thiếu tệp điểm mốc",
    "checkpoint_link": "điểm mốc không nối với điểm mốc trước",
    "checkpoint_signature": "chữ ký điểm mốc không hợp lệ với khóa này",
    "checkpoint_root": "mã gốc của điểm mốc không khớp danh sách chuỗi",
    "checkpoint_unreadable": "tệp điểm mốc không đọc được",
    "checkpoint_unverifiable": "không có khóa để kiểm tra chữ ký điểm mốc",
    "archive_signature": "bản tóm tắt lưu trữ nhật ký không đọc được hoặc chữ ký không hợp lệ",
}


@dataclass
class AuditReport:
    verification: audit.Verification
    checkpoint: int | None = None          # number of the latest checkpoint checked against
    checkpoint_at: str | None = None
    events_after_checkpoint: int = 0       # checked by the hash chain only
    chains_after_checkpoint: int = 0
    # Signed restore points (engine.audit.restore_points): events lost by going back to a
    # backup, reported as lost, not as breaks.
    restores: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.verification.ok

    def to_dict(self) -> dict:
        return {**self.verification.to_dict(), "checkpoint": self.checkpoint,
                "checkpoint_at": self.checkpoint_at,
                "events_after_checkpoint": self.events_after_checkpoint,
                "chains_after_checkpoint": self.chains_after_checkpoint,
                "restores": self.restores,
                "lost_events": sum(int(r.get("lost_events") or 0) for r in self.restores)}


def _check(result: audit.Verification, kind: str, chain: str, seq: int, reason: str) -> None:
    result.add(audit.ChainBreak(chain, seq, None, reason, kind))


def verify_all(ctx, settings: Settings, instance_id: int | None = None) -> AuditReport:
    """The hash chains (``engine.audit.chain.verify``) plus every checkpointed head: each chain a
    checkpoint recorded must still exist with exactly that hash at that seq. Every break of
    either kind is listed."""
    key = signing_key(settings, create=False)
    log_state = fold(settings.audit_checkpoint_path, public_raw(key) if key else None)
    archived = load_digests(settings, public_raw(key) if key else None)
    with ctx.uow(write=False) as uow:
        result = audit.verify(uow.session, instance_id, archived.chains)
        for problem in log_state.problems:
            _check(result, problem.kind, "checkpoints", problem.number, problem.reason)
        for problem in archived.problems:
            _check(result, "archive_signature", "archives", 0, problem)
        heads = audit.chain_heads(uow.session, instance_id)
        signed = log_state.state
        if instance_id is not None:
            chain = audit.instance_chain(instance_id)
            signed = {chain: signed[chain]} if chain in signed else {}
        stored = events_at(uow.session, [(c, s) for c, (s, _h) in signed.items()])
    for chain in sorted(signed):
        seq, head = signed[chain]
        db_seq = heads.get(chain, (0, ""))[0]
        found = stored.get((chain, seq))
        if found is None and archived.chains.get(chain) == (seq, head) == heads.get(chain):
            continue  # archived whole at the signed head: "đã lưu trữ", not deleted
        if chain not in heads and found is None:
            _check(result, "chain_missing", chain, seq,
                   f"chain signed at event {seq} is missing from the database")
        elif found is None:
            _check(result, "missing", chain, seq,
                   f"event {seq} of the signed checkpoint is missing")
        elif found != head:
            _check(result, "checkpoint_mismatch", chain, seq,
                   f"event {seq} differs from the signed checkpoint (chain rewritten)")
        if chain in heads and db_seq < seq:
            _check(result, "head_behind_checkpoint", chain, seq,
                   f"head says {db_seq} events but the signed checkpoint has {seq}")
    report = AuditReport(result, log_state.number or None, log_state.created_at,
                         restores=log_state.restores)
    for chain, (db_seq, _h) in heads.items():
        after = db_seq - signed.get(chain, (0, ""))[0]
        if after > 0:
            report.events_after_checkpoint += after
            report.chains_after_checkpoint += 1
    return report


# ------------------------------------------------------------------- outcome and alerts

def record(settings: Settings, report: AuditReport, now: datetime) -> dict:
    """Keep the outcome for the dashboard; a failure also leaves an alert file (never removed)."""
    directory = settings.audit_checkpoint_path
    directory.mkdir(parents=True, exist_ok=True)
    full = report.to_dict()
    outcome = {"at": now.astimezone(timezone.utc).isoformat(timespec="seconds"), "ok": report.ok,
               "break_count": full["break_count"], "breaks": full["breaks"][:KEPT_BREAKS],
               "checkpoint": report.checkpoint, "chains": full["chains"],
               "events": full["events"]}
    replace_file(directory / "verification.json", outcome)
    if not report.ok:
        alerts = directory / "alerts"
        alerts.mkdir(exist_ok=True)
        stem = now.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%S")
        for suffix in [""] + [f"-{n}" for n in range(1, 100)]:
            try:
                fd = os.open(alerts / f"{stem}{suffix}.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                             0o644)
            except FileExistsError:
                continue
            with os.fdopen(fd, "w") as handle:
                json.dump(outcome, handle, ensure_ascii=False, indent=1)
            break
    return outcome


def _read(path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return None


def _age_s(stamp: str | None, now: datetime) -> float | None:
    if not stamp:
        return None
    try:
        return (now - datetime.fromisoformat(stamp)).total_seconds()
    except (TypeError, ValueError):
        return None


def status(settings: Settings, now: datetime) -> dict:
    """For the supervisors' dashboard: the latest checkpoint and verification, and the alerts
    (Vietnamese sentences) when verification failed or checkpoints stopped being made."""
    latest = read_latest(settings)
    outcome = _read(settings.audit_checkpoint_path / "verification.json")
    alerts = []
    if outcome and not outcome.get("ok"):
        alerts.append(f"Lần kiểm tra nhật ký gần nhất ({outcome.get('at')}) phát hiện "
                      f"{outcome.get('break_count')} chỗ sai lệch: nhật ký kiểm tra có thể đã bị "
                      "sửa, xóa hoặc viết lại trực tiếp trong cơ sở dữ liệu.")
    interval = settings.audit_checkpoint_interval_s
    age = _age_s(latest and latest.get("created_at"), now)
    if latest is None:
        alerts.append("Chưa có điểm mốc nhật ký nào được ký: nhật ký chưa được bảo vệ trước người "
                      "có quyền ghi trực tiếp vào cơ sở dữ liệu (tiến trình nền có đang chạy?).")
    elif interval > 0 and (age is None or age > 2 * interval):
        alerts.append(f"Không có điểm mốc nhật ký mới từ {latest.get('created_at')} (quá hai chu "
                      "kỳ): tiến trình nền có thể đã dừng.")
    first_breaks = [{**b, "label": KIND_LABELS.get(b.get("kind"), b.get("reason"))}
                    for b in (outcome or {}).get("breaks", [])[:20]]
    return {"alert": bool(alerts), "alerts": alerts, "latest": latest and {
        "number": latest.get("number"), "created_at": latest.get("created_at"),
        "chains": latest.get("chain_count"), "root": latest.get("root")},
        "verification": outcome and {k: outcome.get(k) for k in ("at", "ok", "break_count")},
        "breaks": first_breaks}


# ------------------------------------------------------------------------- the schedule

class AuditSchedule:
    """Called on every sweep round: a checkpoint every ``audit_checkpoint_interval_s``, a full
    verification every ``audit_verify_interval_s`` (0 turns either off). Both run on a background
    thread so a long verification never delays timers; ``background=False`` runs them inline."""

    def __init__(self, settings: Settings, *, background: bool = True):
        self.settings, self.background = settings, background
        self.next_checkpoint: datetime | None = None
        self.next_verify: datetime | None = None
        self._thread: threading.Thread | None = None

    def _first_due(self, stamp: str | None, interval: float, now: datetime) -> datetime:
        age = _age_s(stamp, now)  # a restarted worker keeps the cadence instead of re-running
        return now if age is None else now + timedelta(seconds=max(0.0, interval - age))

    def tick(self, ctx, now: datetime) -> None:
        """Start what is due; nothing when the previous run is still going. Never raises: the
        sweep it is called from must go on firing timers whatever happens here."""
        if self._thread is not None and self._thread.is_alive():
            return
        try:
            self._start_due(ctx, now)
        except Exception:
            log.exception("audit checkpoint schedule failed")

    def _start_due(self, ctx, now: datetime) -> None:
        s = self.settings
        if self.next_checkpoint is None:
            latest = read_latest(s)
            self.next_checkpoint = self._first_due(latest and latest.get("created_at"),
                                                   s.audit_checkpoint_interval_s, now)
            done = _read(s.audit_checkpoint_path / "verification.json")
            self.next_verify = self._first_due(done and done.get("at"),
                                               s.audit_verify_interval_s, now)
        checkpoint = s.audit_checkpoint_interval_s > 0 and now >= self.next_checkpoint
        verify = s.audit_verify_interval_s > 0 and now >= self.next_verify
        if checkpoint:
            self.next_checkpoint = now + timedelta(seconds=s.audit_checkpoint_interval_s)
        if verify:
            self.next_verify = now + timedelta(seconds=s.audit_verify_interval_s)
        if not (checkpoint or verify):
            return
        if self.background:
            self._thread = threading.Thread(target=self.run, args=(ctx, now, checkpoint, verify),
                                            name="audit-checkpoints", daemon=True)
            self._thread.start()
        else:
            self.run(ctx, now, checkpoint, verify)

    def run(self, ctx, now: datetime, checkpoint: bool, verify: bool) -> None:
        """One round; failures are logged (and retried next interval), never raised."""
        try:
            if checkpoint:
                made = make_checkpoint(ctx, self.settings,
                                       min_age_s=self.settings.audit_checkpoint_interval_s / 2)
                if made and made["refused"]:
                    log.error("audit checkpoint %s refused %s tampered chain(s)", made["number"],
                              len(made["refused"]))
            if verify:
                report = verify_all(ctx, self.settings)
                record(self.settings, report, now)
                if not report.ok:
                    log.error("audit verification found %s break(s)",
                              report.verification.break_count)
        except Exception:
            log.exception("audit checkpoint/verification round failed")
