"""Seeding and crawling for the canary and access-matrix tests (issue 12).

``seed(app)`` registers a sealed denunciation and an ordinary complaint whose senders' identities
(the "canaries") are also typed, in several spellings, into every free text: the summary, the
documents' file names, every text field of every task form completed on the way, a draft and an
assignment reason. It goes through the engine's and the web's real entry points: the document
store, ``petitions.register.registration.register`` and the task pages' POST forms with CSRF tokens, as officers do.

``Crawler`` visits every GET rule of the URL map with its arguments filled from what was seeded,
and every same-site link found in the pages, as HTML and as JSON, and hands every decoded text
(body, zip parts, headers) to a check.
"""
from __future__ import annotations

import html
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import unquote

from sqlalchemy import select, update

from engine.accounts import users
from engine.accounts.models import Unit, User
from engine.persistence.models import HumanTask, ProcessDefinition, ProcessInstance
from petitions.demo import DEMO_PASSWORD, DEMO_UNIT, DEMO_USERS
from petitions.identity.matching import Identity
from petitions.persistence.models import IdentityGrant, Notification, PetitionDocument
from petitions.register import registration
from petitions.register.documents import store_for
from petitions.register.registration import Registration, Sender
from petitions.tasks import task_page
from tests.web.conftest import csrf

OTHER_UNIT = "ubnd-xa-khac"
PARENT_UNIT = "ubnd-huyen-demo"
PARENT_SUPERVISOR = "giamsat_huyen"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

# The sealed denouncer. The commune's name is also the agency's: never part of a canary.
DENOUNCER = Identity("Lương Hữu Phước Thịnh", "025999888777", "0966555444", "Số 17 ngõ Văn Chương")
DENOUNCER_SPELLINGS = [
    "LƯƠNG HỮU PHƯỚC THỊNH", "luong huu phuoc thinh",
    __import__("unicodedata").normalize("NFD", "Lương Hữu Phước Thịnh"),
    "025 999 888 777", "0966.555.444", "+84 966 555 444", "số 17 Ngõ VĂN CHƯƠNG",
]
# Literal strings a leak would most likely carry, checked besides the matcher.
DENOUNCER_LITERALS = ["Phước Thịnh", "PHƯỚC THỊNH", "phuoc thinh", "999888777", "555444",
                      "Văn Chương"]
# The complainant: not sealed, so the own unit may see it; another unit never.
COMPLAINANT = Identity("Đặng Thị Hồng Nhung", "038111222333", "0977888999", "Số 42 đường Hoa Sữa")
COMPLAINANT_SPELLINGS = ["ĐẶNG THỊ HỒNG NHUNG", "dang thi hong nhung", "038 111 222 333",
                         "0977.888.999", "+84 977 888 999"]
COMPLAINANT_LITERALS = ["Hồng Nhung", "hong nhung", "111222333", "888999", "Hoa Sữa"]

ROLES = ["reception_officer", "handling_officer", "head_of_unit", "verification_team",
         "publication_officer", "supervisor", "administrator"]
OWN_USERS = {username: roles[0] for username, _display, roles in DEMO_USERS}
OTHER_USERS = {f"khac_{role}": role for role in ROLES}
# Who completes a task of each lane (own unit).
WORKER = {"reception_officer": "tiepdan", "handling_officer": "xuly", "head_of_unit": "truongdonvi",
          "verification_team": "xacminh", "publication_officer": "congkhai",
          "supervisor": "giamsat", "administrator": "quantri", None: "quantri"}
# Choices that keep the case moving toward the denunciation sub-process and through it.
PRESETS = {
    "petition_type": "denunciation", "in_vietnamese": "true", "has_identity": "true",
    "anonymous": "false", "within_competence": "true", "already_sent_to_competent": "false",
    "already_guided": "false", "already_transferred": "false", "resolved_nothing_new": "false",
    "crime_signs": "false", "party_member": "false", "concrete_content": "true",
    "approve": "true", "initial_extended": "false", "resolver_competent": "true",
    "sent_to_competent_body": "false", "already_transferred_or_guided": "false",
    "conditions_met": "true", "competent_body": "", "duplicate_of": "",
    # Against the unit's own head, the unit above would resolve and the head could not read:
    # the positive control needs the head to be the resolver.
    "accused_is_head": "false",
}


# ---- users and units ---------------------------------------------------------------------------

def seed_units(ctx) -> None:
    """One user per role in another commune, and a district supervisor above the demo commune."""
    password_hash = users.hash_password(DEMO_PASSWORD)
    for username, role in OTHER_USERS.items():
        users.add_user(ctx, username, [role], actor="canary-seed", unit=OTHER_UNIT,
                       display_name=f"Cán bộ xã khác {role}", password_hash=password_hash)
    users.add_user(ctx, PARENT_SUPERVISOR, ["supervisor"], actor="canary-seed", unit=PARENT_UNIT,
                   display_name="Giám sát huyện", password_hash=password_hash)
    # No engine command sets a unit's parent yet: the unit tree is organisation data.
    with ctx.uow() as uow:
        parent = uow.session.scalar(select(Unit.id).where(Unit.code == PARENT_UNIT))
        uow.session.execute(update(Unit).where(Unit.code == DEMO_UNIT).values(parent_id=parent))
        uow.commit()


def login_client(app, username: str | None):
    client = app.test_client()
    if username is None:
        return client
    page = client.get("/login")
    response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD,
                                           "csrf_token": csrf(page)})
    assert response.status_code == 302, (username, response.get_data(as_text=True)[:300])
    return client


# ---- the cases ---------------------------------------------------------------------------------

@dataclass
class Seeded:
    petition_ids: list[int] = field(default_factory=list)
    denunciation_id: int = 0
    complaint_id: int = 0
    steps: list[str] = field(default_factory=list)   # "bpmn_id by user" of every completed task


def _documents(app, spellings: list[str]):
    store = store_for(app.config["PETITIONS_SETTINGS"].data_dir)
    return [store.put(f"Đơn của {spellings[0]}.pdf", PDF),
            store.put(f"{spellings[1]} - {spellings[3]} - {spellings[4]}.pdf", PDF),
            store.put(f"Bản sao CCCD {spellings[2]}.pdf", PDF)]


def _register(app, person: Identity, spellings: list[str], petition_type: str, field_: str):
    ctx = app.extensions["petitions"]
    summary = (f"Tôi là {person.name}, CCCD {person.id_number}, điện thoại {person.phone}, "
               f"ở {person.address}. " + "; ".join(f"người gửi: {s}" for s in spellings)
               + ". Tố cáo cán bộ địa chính xã nhận tiền đo đạc trái quy định.")
    reg = Registration(received_on=date(2026, 11, 20), channel="direct",
                       petition_type=petition_type, field=field_, summary=summary,
                       location=f"Thôn Đông, gần nhà {spellings[0]}",
                       senders=[Sender(name=person.name, id_number=person.id_number,
                                       phone=person.phone, province_code="1", ward_code="4",
                                       address_detail=person.address, is_representative=True)])
    return registration.register(ctx, users.actor_for(ctx, "tiepdan"), reg, _documents(app, spellings))


def seed(app, *, max_steps: int = 25) -> Seeded:
    """Both cases, driven through the web as far as the forms go (bounded)."""
    seed_units(app.extensions["petitions"])
    seeded = Seeded()
    den = _register(app, DENOUNCER, DENOUNCER_SPELLINGS, "denunciation", "corruption")
    comp = _register(app, COMPLAINANT, COMPLAINANT_SPELLINGS, "complaint", "land_housing")
    seeded.denunciation_id, seeded.complaint_id = den["petition_id"], comp["petition_id"]
    seeded.petition_ids = [den["petition_id"], comp["petition_id"]]
    clients: dict[str, object] = {}

    def client(username):
        if username not in clients:
            clients[username] = login_client(app, username)
        return clients[username]

    ctx = app.extensions["petitions"]
    first = _ready_tasks(ctx)
    den_classify = next(t for t in first if t.instance_id == den["instance_id"])
    _assign(client("truongdonvi"), den_classify.id, "xuly",
            f"Giao anh Xử vì {DENOUNCER_SPELLINGS[0]} ({DENOUNCER_SPELLINGS[5]}) xin gặp riêng")
    _draft(client("xuly"), ctx, den_classify.id, DENOUNCER_SPELLINGS)
    spellings_of = {den["instance_id"]: DENOUNCER_SPELLINGS, comp["instance_id"]: COMPLAINANT_SPELLINGS}
    roots = {den["instance_id"]: den["instance_id"], comp["instance_id"]: comp["instance_id"]}
    for _ in range(max_steps):
        tasks = _ready_tasks(ctx)
        if not tasks:
            break
        task = tasks[0]
        root = _root(ctx, task.instance_id, roots)
        spellings = spellings_of[root]
        if root == comp["instance_id"]:
            presets = {**PRESETS, "petition_type": "complaint"}
        else:
            presets = PRESETS
        user = WORKER.get(task.candidate_role, "quantri")
        _complete(client(user), ctx, task.id, spellings, presets)
        seeded.steps.append(f"{task.bpmn_id} by {user}")
    _seed_reception(ctx)
    _seed_complex(ctx, seeded.denunciation_id)
    return seeded


def _seed_reception(ctx) -> None:
    """Citizen reception (issue 17): a session of the demo commune whose one visit is the
    denouncer's (sealed, refused: its notice is a page too), and a dialogue conference."""
    from engine.working_days import VN_TZ
    from petitions.reception import book, conferences, sessions
    officer = users.actor_for(ctx, "tiepdan")
    day = ctx.clock.now().astimezone(VN_TZ).date()
    sid = sessions.add_ad_hoc(ctx, officer, position="chairman", leader_name="Chủ tịch xã",
                              held_on=day, place="Trụ sở", morning="07:30-11:30")["id"]
    book.record(ctx, officer, book.Visit(
        visited_on=day, session_id=sid, petition_type="denunciation", outcome="refused",
        refusal_ground="other_by_law",
        content=f"{DENOUNCER_SPELLINGS[0]} tố cáo cán bộ địa chính",
        citizens=[book.Citizen(DENOUNCER.name, DENOUNCER.id_number,
                               address_detail=DENOUNCER.address)]))
    conferences.create(ctx, officer, title="Đối thoại với Nhân dân", chair="Bí thư",
                       participant_groups=["Nhân dân bản"], held_on=day, place="Nhà văn hóa",
                       minutes="Biên bản")


def _seed_complex(ctx, petition_id: int) -> None:
    """The sealed denunciation in the register of complex cases (issue 19 §2), the denouncer
    typed into its reason, plan, milestone and quarterly report."""
    from engine.working_days import VN_TZ
    from petitions.supervision.complex import cases as complex_cases
    head = users.actor_for(ctx, "truongdonvi")
    day = ctx.clock.now().astimezone(VN_TZ).date()
    case_id = complex_cases.enter(ctx, head, petition_id, markers=["complex", "backlog"],
                                  reason=f"{DENOUNCER_SPELLINGS[0]} tố cáo nhiều lần")["id"]
    complex_cases.set_plan(ctx, head, case_id, plan=f"Đối thoại với {DENOUNCER_SPELLINGS[1]}",
                           owner="xuly", working_group=["xacminh"])
    complex_cases.add_milestone(ctx, head, case_id, title=f"Gặp {DENOUNCER_SPELLINGS[4]}",
                                due_on=day)
    complex_cases.write_quarter_report(ctx, head, case_id, year=day.year,
                                       quarter=(day.month - 1) // 3 + 1,
                                       text=f"{DENOUNCER_SPELLINGS[6]} chưa đồng ý")


def _ready_tasks(ctx) -> list[HumanTask]:
    with ctx.uow(write=False) as uow:
        return list(uow.session.scalars(select(HumanTask).where(HumanTask.status == "ready")
                                        .order_by(HumanTask.id)))


def _root(ctx, instance_id: int, roots: dict[int, int]) -> int:
    """The registered case an instance belongs to (a called process runs inside its instance)."""
    assert instance_id in roots, f"a task of an unknown instance {instance_id}"
    return roots[instance_id]


def _assign(client, task_id: int, assignee: str, reason: str) -> None:
    page = client.get(f"/tasks/{task_id}/assign")
    response = client.post(f"/tasks/{task_id}/assign", data={
        "csrf_token": csrf(page), "assignee": assignee, "reason": reason})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def _form_data(ctx, task_id: int, spellings: list[str], presets: dict) -> dict:
    form = task_page.task_form(ctx, task_id) or {}
    data: dict = {}
    for number, spec in enumerate(form.get("fields", [])):
        name, ftype = spec["name"], spec["type"]
        canary = spellings[number % len(spellings)]
        options = _choices(spec)
        if name in presets and (not options or presets[name] in options or presets[name] == ""):
            data[name] = presets[name]
        elif options:
            data[name] = [options[0]] if ftype == "multienum" else options[0]
        elif ftype == "boolean":
            data[name] = "true"
        elif ftype == "date":
            data[name] = "2026-11-23"
        elif ftype == "datetime":
            data[name] = "2026-11-23T09:00"
        elif ftype in ("integer", "number", "long", "decimal"):
            data[name] = str(spec.get("min") or 1)
        elif ftype == "unit":
            data[name] = DEMO_UNIT
        elif ftype == "attachment":  # a signed scan (issue 16): uploaded, never typed
            data[name] = SIGNED_SCAN
        else:
            data[name] = f"Ghi chú về {canary}; liên hệ {spellings[-1]}"
    return data


SIGNED_SCAN = object()  # stands for a fresh PDF upload in a posted form


def _with_files(data: dict) -> dict:
    """The posted form: each signed scan a new file object (a retry reads it again)."""
    return {name: (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "ban-da-ky.pdf") if value is SIGNED_SCAN
            else value for name, value in data.items()}


def _choices(spec: dict) -> list[str]:
    return [c["value"] if isinstance(c, dict) else c for c in spec.get("choices") or []]


def _draft(client, ctx, task_id: int, spellings: list[str]) -> None:
    page = client.get(f"/tasks/{task_id}")
    data = _form_data(ctx, task_id, spellings, PRESETS)
    response = client.post(f"/tasks/{task_id}/draft", data={
        **_with_files(data), "csrf_token": csrf(page), "version": _version(page)})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


_VERSION = re.compile(r'name="version" value="([^"]*)"')
_FIELD_ERROR = re.compile(r'id="f-([A-Za-z0-9_]+)-error"')


def _version(page) -> str:
    found = _VERSION.search(page.get_data(as_text=True))
    return found.group(1) if found else ""


def _complete(client, ctx, task_id: int, spellings: list[str], presets: dict) -> None:
    """POST the task's form; a field the form refuses (a pattern, a length) gets a plain value."""
    page = client.get(f"/tasks/{task_id}")
    assert page.status_code == 200, (task_id, page.status_code)
    data = _form_data(ctx, task_id, spellings, presets)
    specs = {f["name"]: f for f in (task_page.task_form(ctx, task_id) or {}).get("fields", [])}
    for attempt in range(4):
        response = client.post(f"/tasks/{task_id}/complete", data={
            **_with_files(data), "csrf_token": csrf(page), "version": _version(page)})
        if response.status_code == 302:
            return
        text = response.get_data(as_text=True)
        refused = set(_FIELD_ERROR.findall(text))
        assert response.status_code == 422 and refused, (task_id, response.status_code, text[:800])
        for name in refused:
            options = _choices(specs.get(name, {}))
            if options:  # a choice the process refuses here (a gateway condition): the next one
                data[name] = options[(attempt + 1) % len(options)]
            else:
                data[name] = "SỐ-01" if data.get(name) != "SỐ-01" else "1"
    raise AssertionError(f"task {task_id}: form still refused: {refused}")


# ---- the crawl ---------------------------------------------------------------------------------

@dataclass
class Ids:
    """Values for every kind of URL argument of a GET rule."""

    values: dict[str, list]

    @classmethod
    def of(cls, app, seeded: Seeded) -> "Ids":
        ctx = app.extensions["petitions"]
        with ctx.uow(write=False) as uow:
            session = uow.session
            docs = session.execute(select(PetitionDocument.petition_id, PetitionDocument.id)).all()
            grants = session.execute(select(IdentityGrant.petition_id, IdentityGrant.id)).all()
            definitions = session.execute(select(ProcessDefinition.process_key,
                                                 ProcessDefinition.version,
                                                 ProcessDefinition.files)).all()
            return cls({
                "petition_id": seeded.petition_ids,
                "petition_doc": [(p, d) for p, d in docs],
                "petition_grant": [(p, g) for p, g in grants],
                "instance_id": list(session.scalars(select(ProcessInstance.id))),
                "task_id": list(session.scalars(select(HumanTask.id))),
                "notification_id": list(session.scalars(select(Notification.id))),
                "key_version": [(k, v) for k, v, _f in definitions],
                "key_version_name": [(k, v, n) for k, v, files in definitions for n in files],
                "key": sorted({k for k, _v, _f in definitions}),
                # Package files, the same for everyone; the pages' links add the rest.
                "filename": ["app.css", "petitions.css"],
                "index": [0, 1],
                "code": ["en", "vi"],  # ends in Vietnamese, the default
                # The administrators' unit and user pages (issue 15).
                "unit_code": sorted(session.scalars(select(Unit.code))),
                "username": sorted(session.scalars(select(User.username))),
                # Citizen reception (issue 17); 1 (none such) where nothing was seeded.
                **_reception_ids(session),
                **_complex_ids(session),
            })


def _reception_ids(session) -> dict[str, list[int]]:
    from petitions.reception.models import (DialogueConference, ReceptionConclusion,
                                            ReceptionSchedule, ReceptionSession, ReceptionVisit)
    return {name: list(session.scalars(select(model.id))) or [1] for name, model in (
        ("schedule_id", ReceptionSchedule), ("session_id", ReceptionSession),
        ("visit_id", ReceptionVisit),
        ("conference_id", DialogueConference), ("conclusion_id", ReceptionConclusion))}


def _complex_ids(session) -> dict[str, list[int]]:
    from petitions.persistence.complex_models import ComplexCase, ComplexMilestone
    return {name: list(session.scalars(select(model.id))) or [1] for name, model in (
        ("case_id", ComplexCase), ("milestone_id", ComplexMilestone))}


@dataclass
class Page:
    user: str | None
    url: str
    accept: str
    status: int
    texts: list[str]


def decoded_texts(response) -> list[str]:
    """Every text a reader could see: the body (HTML unescaped, JSON decoded, zip parts without
    tags, URL-decoded) and the headers (a download's file name)."""
    raw = response.get_data()
    texts = [f"{k}: {v}" for k, v in response.headers.items()]
    texts += [unquote(t) for t in texts]
    if raw.startswith(b"PK"):
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                for name in archive.namelist():
                    part = archive.read(name).decode("utf-8", "replace")
                    texts += [name, part, html.unescape(re.sub(r"<[^>]+>", "", part))]
        except zipfile.BadZipFile:
            pass
    body = raw.decode("utf-8", "replace")
    texts += [body, html.unescape(body), unquote(html.unescape(body))]
    if response.is_json:
        try:
            texts.append(json.dumps(json.loads(body), ensure_ascii=False))
        except ValueError:
            pass
    return texts


_LINK = re.compile(r'(?:href|src|action|data-[a-z-]+)="(/[^"#]*)"')
# Never followed while crawling: it ends the session the crawl is using.
_SKIP_PREFIXES = ("/logout",)
# Links not followed: the language switch (its rule is requested anyway) repeats every page.
_LINK_SKIP_PREFIXES = (*_SKIP_PREFIXES, "/lang/")


def fill(rule, ids: Ids) -> list[dict] | None:
    """Every argument combination to try for ``rule`` (None: an argument kind we cannot fill)."""
    args = set(rule.arguments)
    if not args:
        return [{}]
    if args == {"petition_id", "doc_id"}:
        return [{"petition_id": p, "doc_id": d} for p, d in ids.values["petition_doc"]]
    if args == {"key", "version"}:
        return [{"key": k, "version": v} for k, v in ids.values["key_version"]]
    if args == {"key", "version", "name"}:
        return [{"key": k, "version": v, "name": n} for k, v, n in ids.values["key_version_name"]]
    if args == {"petition_id", "grant_id"}:  # a grant of the identity right (1 when none yet)
        return [{"petition_id": p, "grant_id": g} for p, g in ids.values.get("petition_grant")
                or [(p, 1) for p in ids.values["petition_id"]]]
    if args == {"code", "version"}:  # a form template's version (issue 16)
        return [{"code": "ND31-M06", "version": 1}]
    if args == {"task_id", "code"}:  # "Tạo văn bản" of a step (issue 16)
        return [{"task_id": t, "code": "ND31-M05"} for t in ids.values["task_id"]]
    if args == {"instance_id", "index"}:
        return [{"instance_id": i, "index": n} for i in ids.values["instance_id"]
                for n in ids.values["index"]]
    if len(args) == 1 and next(iter(args)) in ids.values:
        name = next(iter(args))
        return [{name: v} for v in ids.values[name]]
    return None


class Crawler:
    """Visits, as one user, every filled GET rule and then up to ``extra`` links found in pages."""

    def __init__(self, app, ids: Ids, *, extra: int = 60, skip: dict[str, str] | None = None):
        self.app, self.ids, self.extra, self.skip = app, ids, extra, skip or {}

    def start_urls(self) -> list[str]:
        urls = []
        with self.app.test_request_context():
            from flask import url_for
            for rule in self.app.url_map.iter_rules():
                if "GET" not in rule.methods or rule.endpoint in self.skip:
                    continue
                combos = fill(rule, self.ids)
                assert combos is not None, f"no values for the arguments of {rule.rule}"
                urls += [url_for(rule.endpoint, **combo) for combo in combos]
        return urls

    def crawl(self, username: str | None):
        client = login_client(self.app, username)
        queue = [u for u in self.start_urls() if not u.startswith(_SKIP_PREFIXES)]
        limit = len(set(queue)) + self.extra
        seen: set[str] = set()
        while queue and len(seen) < limit:
            url = queue.pop(0)
            if url in seen:
                continue
            seen.add(url)
            for accept in ("text/html", "application/json"):
                response = client.get(url, headers={"Accept": accept})
                texts = decoded_texts(response)
                response.close()  # a sent file stays open until closed
                yield Page(username, url, accept, response.status_code, texts)
                if response.mimetype not in ("text/html", "application/json"):
                    break  # a file (CSS, .docx, .bpmn…) is the same whatever is accepted
                if accept == "text/html" and response.mimetype == "text/html":
                    for link in _LINK.findall(response.get_data(as_text=True)):
                        link = html.unescape(link)
                        if link not in seen and not link.startswith(_LINK_SKIP_PREFIXES):
                            queue.append(link)
