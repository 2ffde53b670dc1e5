"""The rows of ``bench.scale_data``: a province's units and officers, and each petition's rows.

Everything about petition n is drawn from the batch's random generator in petition order, and
its dates from n alone (``Province.received``), so a batch loads the same rows whenever it runs.
"""
from __future__ import annotations

import bisect
import json
import math
import random
import uuid
from datetime import date, datetime, timedelta, timezone

from bench.search_bench import Vocabulary, tracking_code
from engine.audit.chain import GENESIS, event_hash, instance_chain
from petitions.persistence import vault

UTC = timezone.utc
NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)        # Monday 09:00 in Hà Nội
FIRST_DAY = date(2016, 12, 1)
LONG_EVERY = 50_000                                     # one petition in this many has 500 events
LONG_EVENTS = 500
TYPES = [("complaint", 42), ("denunciation", 5), ("recommendation", 25), ("feedback", 25),
         ("mixed", 3)]
FIELDS = [("land_housing", 40), ("policy", 18), ("civil_service", 12), ("justice", 8),
          ("party_mass", 3), ("corruption", 7), ("other", 12)]
CHANNELS = [("direct", 40), ("post", 25), ("online", 20), ("forwarded", 10),
            ("reception_session", 4), ("suggestion_box", 1)]
# Month weights: few letters around Tết (late Jan - Feb), more in spring and before year end.
MONTHS = [0.85, 0.55, 1.1, 1.15, 1.1, 1.05, 1.0, 0.95, 1.0, 1.05, 1.1, 1.0]
WEEKDAYS = [1.0, 1.0, 1.0, 1.0, 0.95, 0.15, 0.05]
SURNAMES = [("Nguyễn", 38), ("Trần", 11), ("Lê", 9.5), ("Phạm", 7), ("Hoàng", 5), ("Huỳnh", 4),
            ("Phan", 4.5), ("Vũ", 4), ("Võ", 4), ("Đặng", 2.1), ("Bùi", 2), ("Đỗ", 1.4),
            ("Hồ", 1.3), ("Ngô", 1.3), ("Dương", 1), ("Lý", 0.5), ("Lò", 0.3), ("Hà", 0.6)]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quốc", "Thu", "Xuân", "Công"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hạnh", "Hoa", "Hùng", "Hương", "Lan",
         "Linh", "Long", "Mai", "Nam", "Ngân", "Phúc", "Quang", "Sơn", "Tâm", "Thảo", "Thắng",
         "Trang", "Tuấn", "Vân", "Yến", "Khoa", "Nga", "Thủy", "Đông"]
STREETS = ["đường Trần Phú", "đường Lê Lợi", "ngõ 12 phố Chợ", "đường Hùng Vương", "tổ 3",
           "đường Nguyễn Huệ", "xóm Bãi", "ấp Tân Lập"]
PROVINCE_CODE = "019"                                    # Thái Nguyên's code in ID numbers
STEP_NAMES = {
    "Task_register": ("Vào sổ, tiếp nhận đơn", "reception_officer", "Lane_reception"),
    "Task_classify": ("Phân loại, đề xuất xử lý đơn", "handling_officer", "Lane_handling"),
    "Task_approve_route": ("Duyệt đề xuất xử lý đơn", "head_of_unit", "Lane_head"),
    "Task_intake_transfer": ("Chuyển đơn đến cơ quan có thẩm quyền", "handling_officer",
                             "Lane_handling"),
    "Task_intake_guide": ("Hướng dẫn người gửi đến cơ quan có thẩm quyền", "handling_officer",
                          "Lane_handling"),
    "Task_intake_store": ("Lưu đơn, liên kết hồ sơ đã xử lý", "handling_officer",
                          "Lane_handling"),
    "Task_kn_accept": ("Thụ lý, thông báo thụ lý", "handling_officer", "Lane_handling"),
    "Task_den_accept": ("Quyết định thụ lý tố cáo (Mẫu 04)", "head_of_unit", "Lane_head"),
    "Task_pakn_consider": ("Thủ trưởng xem xét, giao xử lý", "head_of_unit", "Lane_head"),
    "Task_kn_decide": ("Quyết định giải quyết khiếu nại", "head_of_unit", "Lane_head"),
    "Task_den_conclusion": ("Kết luận nội dung tố cáo", "head_of_unit", "Lane_head"),
    "Task_pakn_answer": ("Ký, gửi văn bản trả lời người gửi", "head_of_unit", "Lane_head"),
    "Task_notify_citizen": ("Thông báo kết quả xử lý đơn cho người gửi", "handling_officer",
                            "Lane_handling"),
    "Task_kn_verify": ("Xác minh, lập báo cáo kết quả xác minh", "verification_team",
                       "Lane_verification"),
}
ACCEPT = {"complaint": ("Task_kn_accept", "Task_kn_decide", "decision_result"),
          "denunciation": ("Task_den_accept", "Task_den_conclusion", "conclusion_outcome"),
          "recommendation": ("Task_pakn_consider", "Task_pakn_answer", None),
          "feedback": ("Task_pakn_consider", "Task_pakn_answer", None),
          "mixed": ("Task_kn_accept", "Task_kn_decide", "decision_result")}
OFFICERS = (("tiepdan", "reception_officer"), ("canbo1", "handling_officer"),
            ("canbo2", "handling_officer"), ("canbo3", "handling_officer"),
            ("truong", "head_of_unit"), ("xacminh", "verification_team"))


def weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs)
    return rng.choices(values, weights=weights)[0]


class Province:
    """Units, officers and the calendar of ``total`` petitions (shared by every batch)."""

    def __init__(self, total: int, seed: int, definition_id: int = 1, definition_version: int = 1):
        self.total, self.definition_id, self.version = total, definition_id, definition_version
        self.units = ["tinh"] + [f"huyen-{i:02d}" for i in range(1, 10)] + \
            [f"xa-{i:03d}" for i in range(1, 91)]
        sizes = [10.0] + [2.0] * 9 + [60.0 / (r ** 0.6) for r in range(1, 91)]
        total_size = sum(sizes)
        self.unit_weights = [s / total_size for s in sizes]
        self.unit_cum = list(_cumulative(self.unit_weights))
        days = (NOW.date() - FIRST_DAY).days
        weights = []
        for offset in range(days):
            day = FIRST_DAY + timedelta(days=offset)
            weights.append(MONTHS[day.month - 1] * WEEKDAYS[day.weekday()]
                           * 1.05 ** (offset / 365.25))
        scale = total / sum(weights)
        # first_n[d]: the first petition received on day d (petitions are in date order).
        self.first_n = [int(round(c * scale)) + 1 for c in _cumulative([0.0] + weights[:-1])]
        self.first_of_year = {}
        for offset, first in enumerate(self.first_n):
            year = (FIRST_DAY + timedelta(days=offset)).year
            self.first_of_year.setdefault(year, first)

    def received(self, n: int) -> date:
        return FIRST_DAY + timedelta(days=bisect.bisect_right(self.first_n, n) - 1)

    def number(self, n: int, day: date) -> str:
        return f"{day.year}-{n - self.first_of_year[day.year] + 1:06d}"

    def unit(self, rng: random.Random) -> str:
        return self.units[min(bisect.bisect_left(self.unit_cum, rng.random()),
                              len(self.units) - 1)]

    @staticmethod
    def officer(unit: str, key: str) -> str:
        return f"{unit}.{key}"

    def reference_rows(self) -> dict:
        """units, users and user_roles (written once, by ``finalize``)."""
        units, users, roles = [], [], []
        for i, code in enumerate(self.units, start=1):
            parent = None if i == 1 else (1 if i <= 10 else 2 + (i - 11) % 9)
            label = ("Ban Tiếp công dân tỉnh" if i == 1 else
                     f"UBND huyện {i - 1:02d}" if i <= 10 else f"UBND xã {i - 10:03d}")
            units.append((i, code, label, parent))
            for j, (key, role) in enumerate(OFFICERS):
                uid = i * 10 + j
                rng = random.Random(uid)
                name = f"{weighted(rng, SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
                users.append((uid, self.officer(code, key), name, i, True, NOW))
                roles.append((uid, role))
        return {"units": (("id", "code", "name", "parent_id"), units),
                "users": (("id", "username", "display_name", "unit_id", "active", "created_at"),
                          users),
                "user_roles": (("user_id", "role"), roles)}


def _cumulative(values):
    total = 0.0
    for v in values:
        total += v
        yield total


def citizen(c: int) -> tuple[str, str, str, str]:
    """Name, ID number, phone and address of citizen c (the same whenever c is drawn)."""
    rng = random.Random(c * 7919 + 17)
    name = f"{weighted(rng, SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
    born = rng.randint(1940, 2005)
    id_number = f"{PROVINCE_CODE}{rng.choice('0123') if born < 2000 else rng.choice('23')}" \
        f"{born % 100:02d}{rng.randrange(10 ** 6):06d}"
    phone = f"0{rng.choice('398753')}{rng.randrange(10 ** 8):08d}"
    return name, id_number, phone, f"số {rng.randint(1, 300)} {rng.choice(STREETS)}"


class PetitionWriter:
    """Collects one batch's rows, table by table, in COPY column order."""

    COLUMNS = {
        "process_instances": ("id", "definition_id", "process_key", "business_key", "unit_code",
                              "status", "state", "started_by", "created_at", "updated_at",
                              "audit_seq", "audit_head", "overdue_since", "row_version"),
        "petitions": ("id", "number", "tracking_code", "instance_id", "received_on", "channel",
                      "forwarder_kind", "petition_type", "field", "summary", "priority_markers",
                      "signers", "remote_area", "identity_sealed", "unit_code", "search_text",
                      "created_by", "created_at"),
        "petition_senders": ("id", "petition_id", "position", "name", "id_number", "phone",
                             "province_code", "address_detail", "is_representative",
                             "id_number_hash", "phone_hash"),
        "human_tasks": ("id", "instance_id", "task_guid", "bpmn_id", "name", "lane",
                        "candidate_role", "candidate_unit", "assignee", "priority", "status",
                        "created_at", "due_at", "completed_by", "completed_at", "overdue_since",
                        "next_reminder_at"),
        "audit_events": ("id", "chain", "seq", "instance_id", "event_type", "actor",
                         "occurred_at", "payload", "prev_hash", "hash"),
    }

    def __init__(self, province: Province, rng: random.Random):
        self.p, self.rng = province, rng
        self.vocabulary = Vocabulary()
        self.keys = vault.keyring()
        self.rows = {table: [] for table in self.COLUMNS}

    def tables(self) -> dict:
        return {t: (self.COLUMNS[t], self.rows[t]) for t in self.COLUMNS}

    def petition(self, n: int) -> None:
        rng, p = self.rng, self.p
        received = p.received(n)
        created = datetime(received.year, received.month, received.day, 1, 30, tzinfo=UTC) + \
            timedelta(minutes=rng.randrange(540))
        unit = p.unit(rng)
        kind = weighted(rng, TYPES)
        field = weighted(rng, FIELDS)
        summary, folded = self.vocabulary.summary(rng)
        age = (NOW.date() - received).days
        is_open = rng.random() < max(0.01, math.exp(-age / 75.0))
        number = p.number(n, received)
        reception = p.officer(unit, "tiepdan")
        self.rows["petitions"].append((
            n, number, tracking_code(n), n, received, weighted(rng, CHANNELS), "none", kind, field,
            summary, "[]", 1 if rng.random() < 0.93 else rng.randint(2, 12), rng.random() < 0.04,
            kind == "denunciation", unit, folded, reception, created))
        self._senders(n, rng)
        events = _Chain(n, unit)
        events.add("instance_started", reception, created, {
            "process_key": "petition_intake", "version": p.version,
            "data": {"petition_type": kind, "field": field, "unit_code": unit}})
        events.add("petition_registered", reception, created, {
            "number": number, "senders": 1, "documents": []})
        long_case = n % LONG_EVERY == LONG_EVERY // 2
        at = self._steps(n, unit, kind, created, is_open and not long_case, events)
        if long_case:
            at = self._long_loop(n, unit, at, events)
        status = ("waiting" if rng.random() < 0.97 else rng.choice(["suspended", "error"])) \
            if is_open else ("completed" if rng.random() < 0.97 else "terminated")
        if status == "terminated":
            events.add("instance_terminated", p.officer(unit, "truong"), at,
                       {"reason": "Người gửi rút đơn", "before": "waiting",
                        "after": "terminated"})
        overdue = at if rng.random() < 0.08 else None
        self.rows["process_instances"].append((
            n, p.definition_id, "petition_intake", number, unit, status, "", reception, created,
            max(at, created), events.seq, events.head, overdue, 1))
        self.rows["audit_events"].extend(events.rows)

    def _senders(self, n: int, rng: random.Random) -> None:
        count = 1 if rng.random() < 0.92 else 2
        for position in range(count):
            c = n * 2 + position if rng.random() < 0.85 or n < 100 else \
                rng.randrange(max(2, 2 * n - 400_000), 2 * n)
            name, id_number, phone, address = citizen(c)
            enc = self.keys.encrypt
            self.rows["petition_senders"].append((
                n * 2 + position, n, position + 1, enc(name, "petition_senders.name"),
                enc(id_number, "petition_senders.id_number"),
                enc(phone, "petition_senders.phone"), "19",
                enc(address, "petition_senders.address_detail"), position == 0,
                self.keys.blind_index("id_number", id_number),
                self.keys.blind_index("phone", phone)))

    def _task(self, task_id: int, n: int, bpmn_id: str, unit: str, created: datetime,
              due: datetime, status: str, who: str | None, done: datetime | None) -> str:
        name, role, lane = STEP_NAMES[bpmn_id]
        guid = str(uuid.UUID(int=(n << 32) + task_id))
        self.rows["human_tasks"].append((
            task_id, n, guid, bpmn_id, name, lane, role, unit, who, 0, status, created, due,
            who if status == "completed" else None, done,
            due if status == "ready" and due < NOW else None,
            due if status == "ready" else None))
        return guid

    def _steps(self, n: int, unit: str, kind: str, at: datetime, is_open: bool,
               events: "_Chain") -> datetime:
        rng, p = self.rng, self.p
        route = rng.random()
        accept, resolve, outcome_key = ACCEPT[kind]
        route_step = accept if route < 0.55 else ("Task_intake_transfer" if route < 0.75 else
                                                  "Task_intake_guide" if route < 0.9 else
                                                  "Task_intake_store")
        final = resolve if route_step == accept else "Task_notify_citizen"
        steps = ["Task_register", "Task_classify", "Task_approve_route", route_step, final]
        open_at = rng.randrange(5) if is_open else 5
        for k, bpmn_id in enumerate(steps):
            role = STEP_NAMES[bpmn_id][1]
            key = {"reception_officer": "tiepdan", "head_of_unit": "truong",
                   "verification_team": "xacminh"}.get(role, f"canbo{1 + (n + k) % 3}")
            who = p.officer(unit, key)
            span = 14 if bpmn_id != resolve else 45
            due = at + timedelta(days=span)
            task_id = n * 8 + k
            if k == open_at:
                at = max(at, NOW - timedelta(days=rng.randint(0, 40)))
                due = at + timedelta(days=span)
                assignee = who if rng.random() < 0.6 else None
                guid = self._task(task_id, n, bpmn_id, unit, at, due, "ready", assignee, None)
                events.add("task_state", "system", at, {"task_guid": guid, "bpmn_id": bpmn_id,
                                                        "name": STEP_NAMES[bpmn_id][0],
                                                        "from": None, "to": "READY"})
                return at
            took = timedelta(days=rng.randint(1, span + 4) if rng.random() < 0.1
                             else rng.randint(0, span - 2), minutes=rng.randrange(480))
            done = min(at + took, NOW - timedelta(minutes=5))
            guid = self._task(task_id, n, bpmn_id, unit, at, due, "completed", who, done)
            events.add("task_state", "system", at, {"task_guid": guid, "bpmn_id": bpmn_id,
                                                    "name": STEP_NAMES[bpmn_id][0], "from": None,
                                                    "to": "READY"})
            if bpmn_id == "Task_classify":
                events.add("task_completed_by_user", who, done, {
                    "task_id": task_id, "bpmn_id": bpmn_id, "before": {}, "after": {
                        "petition_type": kind, "within_competence": route_step == accept,
                        "in_vietnamese": True, "has_identity": rng.random() < 0.97,
                        "anonymous": False, "resolved_nothing_new": rng.random() < 0.03}})
            elif bpmn_id == resolve and outcome_key:
                events.add("task_completed_by_user", who, done, {
                    "task_id": task_id, "bpmn_id": bpmn_id, "before": {},
                    "after": {outcome_key: rng.choice(["correct", "partly_correct", "wrong"])}})
            events.add("task_state", "system", done, {"task_guid": guid, "bpmn_id": bpmn_id,
                                                      "name": STEP_NAMES[bpmn_id][0],
                                                      "from": "READY", "to": "COMPLETED"})
            at = done
        return at

    def _long_loop(self, n: int, unit: str, at: datetime, events: "_Chain") -> datetime:
        """A case verified round after round until its chain holds exactly LONG_EVENTS events."""
        who = self.p.officer(unit, "xacminh")
        k = 0
        while events.seq + 4 <= LONG_EVENTS:
            task_id = 1_000_000_000 + (n // LONG_EVERY) * 1000 + k
            due = at + timedelta(days=10)
            done = at + timedelta(hours=self.rng.randint(2, 60))
            guid = self._task(task_id, n, "Task_kn_verify", unit, at, due, "completed", who, done)
            events.add("task_state", "system", at, {"task_guid": guid, "bpmn_id": "Task_kn_verify",
                                                    "from": None, "to": "READY"})
            events.add("task_claimed", who, at, {"task_id": task_id, "before": {"assignee": None},
                                                 "after": {"assignee": who}})
            events.add("task_completed_by_user", who, done, {
                "task_id": task_id, "bpmn_id": "Task_kn_verify", "before": {},
                "after": {"verification_round": k + 1, "verification_note": "Bổ sung tài liệu"}})
            events.add("task_state", "system", done, {"task_guid": guid,
                                                      "bpmn_id": "Task_kn_verify",
                                                      "from": "READY", "to": "COMPLETED"})
            at, k = done, k + 1
        while events.seq < LONG_EVENTS:
            events.add("reminder_sent", "system", at, {"task_id": None, "recipients": [who]})
        return at


class _Chain:
    """One instance's audit events, hashed as ``engine.audit.chain`` hashes them."""

    def __init__(self, n: int, unit: str):
        self.n, self.chain = n, instance_chain(n)
        self.seq, self.head, self.rows = 0, GENESIS, []

    def add(self, kind: str, actor: str, at: datetime, payload: dict) -> None:
        self.seq += 1
        digest = event_hash(chain=self.chain, seq=self.seq, prev_hash=self.head, event_type=kind,
                            actor=actor, occurred_at=at, instance_id=self.n, payload=payload)
        event_id = 100 + self.n * 16 + self.seq if self.seq < 16 else \
            1_500_000_000 + (self.n // LONG_EVERY) * 1000 + self.seq
        self.rows.append((event_id, self.chain, self.seq, self.n, kind, actor, at,
                          json.dumps(payload, ensure_ascii=False), self.head, digest))
        self.head = digest
