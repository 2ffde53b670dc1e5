"""User-task forms: parsing the petitions:form declaration and validating completion data."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from engine.definitions.forms import parse_form, validate_form_data
from engine.definitions.safe_xml import parse_xml
from engine.errors import DeploymentError, FormInvalid

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bpmn"
NS = ('xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
      'xmlns:petitions="urn:petitions:bpmn:1"')


def task_form(fields: str) -> tuple[etree._Element, int]:
    """A userTask with a form; returns (form element, line of the first field)."""
    xml = (f'<bpmn:userTask {NS} id="task_1">\n<bpmn:extensionElements>\n<petitions:form>\n'
           f'{fields}\n</petitions:form>\n</bpmn:extensionElements>\n</bpmn:userTask>')
    root = parse_xml(xml.encode("utf-8"), "form.bpmn").getroot()
    return root.find("*/{urn:petitions:bpmn:1}form"), 4


def form_of(fields: str) -> dict:
    return parse_form(task_form(fields)[0], "form.bpmn")


INTAKE = form_of("""
  <petitions:field name="content_type" type="enum" required="true" label="Loại nội dung">
    <petitions:choice value="complaint" label="Khiếu nại"/>
    <petitions:choice value="denunciation" label="Tố cáo"/>
  </petitions:field>
  <petitions:field name="summary" type="text" required="true" label="Tóm tắt nội dung" max_length="20"/>
  <petitions:field name="title" type="string" label="Tiêu đề"/>
  <petitions:field name="signers" type="integer" min="1" max="500" label="Số người ký"/>
  <petitions:field name="amount" type="number" min="0" label="Số tiền"/>
  <petitions:field name="anonymous" type="boolean" label="Ẩn danh"/>
  <petitions:field name="received_on" type="date" required="true" label="Ngày nhận"
                   min="2020-01-01"/>
  <petitions:field name="received_at" type="datetime" label="Thời điểm nhận"/>
  <petitions:field name="channels" type="multienum" label="Kênh tiếp nhận" default="direct">
    <petitions:choice value="direct" label="Trực tiếp"/>
    <petitions:choice value="mail" label="Bưu chính"/>
  </petitions:field>
""")
VALID = {"content_type": "complaint", "summary": "Tranh chấp đất", "received_on": "2024-05-02"}


# ------------------------------------------------------------------ parse_form

def test_parse_form_from_fixture_is_json_serialisable():
    tree = parse_xml((FIXTURES / "petition_intake.bpmn").read_bytes(), "petition_intake.bpmn")
    task = tree.getroot().find(".//{http://www.omg.org/spec/BPMN/20100524/MODEL}userTask")
    form = parse_form(task, "petition_intake.bpmn")
    assert json.loads(json.dumps(form)) == form
    assert [f["name"] for f in form["fields"]] == ["content_type", "summary", "signers",
                                                  "received_on"]
    content_type, summary, signers, _ = form["fields"]
    assert content_type["choices"] == [{"value": "complaint", "label": "Khiếu nại"},
                                       {"value": "denunciation", "label": "Tố cáo"}]
    assert summary == {"name": "summary", "type": "text", "required": True,
                       "label": "Tóm tắt nội dung", "help": None, "min": None, "max": None,
                       "max_length": 4000, "choices": [], "default": None}
    assert signers["min"] == 1 and signers["type"] == "integer"


def test_parse_form_defaults_and_conversions():
    fields = {f["name"]: f for f in INTAKE["fields"]}
    assert fields["title"]["max_length"] == 500 and fields["title"]["required"] is False
    assert fields["amount"]["min"] == 0 and fields["signers"]["max"] == 500
    assert fields["received_on"]["min"] == "2020-01-01"
    assert fields["channels"]["default"] == ["direct"]
    assert fields["anonymous"]["max_length"] is None


@pytest.mark.parametrize("field, message", [
    ('<petitions:field name="colour" type="color" label="Màu"/>', "unknown type 'color'"),
    ('<petitions:field name="_secret" label="Bí mật"/>', "Python identifier"),
    ('<petitions:field name="1st" label="Thứ nhất"/>', "Python identifier"),
    ('<petitions:field name="class" label="Lớp"/>', "Python identifier"),
    ('<petitions:field name="kind" type="enum" label="Loại"/>', "needs at least one"),
    ('<petitions:field name="note" label=""/>', "'label' is required"),
    ('<petitions:field name="note" required="yes" label="Ghi chú"/>', "true or false"),
    ('<petitions:field name="note" maxlength="5" label="Ghi chú"/>', "unknown form field attribute"),
    ('<petitions:field name="note" min="1" label="Ghi chú"/>', "applies only to"),
    ('<petitions:field name="n" type="integer" default="abc" label="Số"/>', "invalid default"),
    ('<petitions:field name="n" type="integer" min="5" max="1" label="Số"/>', "min is greater"),
    ('<petitions:field name="n" type="integer" max_length="5" label="Số"/>', "max_length"),
    ('<petitions:field name="n" label="Số"><petitions:choice value="a"/></petitions:field>',
     "only enum/multienum"),
    ('<petitions:field name="k" type="enum" label="Loại"><petitions:choice value="a"/>'
     '<petitions:choice value="a"/></petitions:field>', "duplicate choice"),
    ('<petitions:widget name="x"/>', "unexpected element 'widget'"),
])
def test_parse_form_refuses_mistakes(field, message):
    form_el, line = task_form(field)
    with pytest.raises(DeploymentError) as err:
        parse_form(form_el, "form.bpmn")
    assert message in err.value.detail
    assert err.value.file_name == "form.bpmn"
    assert err.value.element_id == "task_1"
    assert err.value.line == line


def test_parse_form_refuses_duplicate_names():
    with pytest.raises(DeploymentError, match="duplicate field name 'note'"):
        form_of('<petitions:field name="note" label="A"/>\n<petitions:field name="note" label="B"/>')


# ------------------------------------------------------------------ validate_form_data

def test_valid_data_is_cleaned():
    data = {**VALID, "title": "  Đơn khiếu nại  ", "signers": "12", "amount": "1.5",
            "anonymous": "on", "received_at": "2024-05-02T08:30:00+07:00",
            "channels": ["mail", "direct", "mail"]}
    assert validate_form_data(INTAKE, data) == {
        **VALID, "title": "Đơn khiếu nại", "signers": 12, "amount": 1.5, "anonymous": True,
        "received_at": "2024-05-02T08:30:00+07:00", "channels": ["mail", "direct"]}


@pytest.mark.parametrize("raw, expected", [
    (True, True), (False, False), ("true", True), ("false", False), ("on", True), ("1", True),
    ("0", False), ("TRUE", True), (1, True), (0, False)])
def test_booleans(raw, expected):
    assert validate_form_data(INTAKE, {**VALID, "anonymous": raw})["anonymous"] is expected


@pytest.mark.parametrize("field, raw, expected", [
    ("signers", 7, 7), ("signers", "42", 42), ("signers", 3.0, 3), ("amount", "2", 2),
    ("amount", "0.25", 0.25), ("amount", 2.5, 2.5), ("amount", 0, 0)])
def test_numbers(field, raw, expected):
    cleaned = validate_form_data(INTAKE, {**VALID, field: raw})[field]
    assert cleaned == expected and type(cleaned) is type(expected)


def test_missing_optional_fields_are_absent():
    cleaned = validate_form_data(INTAKE, {**VALID, "title": "", "signers": None, "channels": []})
    assert cleaned == VALID


def test_all_errors_are_reported_at_once_in_vietnamese():
    data = {"content_type": "petition", "summary": "x" * 21, "signers": "1.5", "amount": "-1",
            "anonymous": "maybe", "received_on": "2024-02-30", "received_at": "2024-05-02T08:30",
            "channels": ["fax"], "title": "dòng 1\ndòng 2", "hacker": 1}
    with pytest.raises(FormInvalid) as err:
        validate_form_data(INTAKE, data)
    assert err.value.errors == {
        "content_type": "Giá trị không nằm trong danh sách",
        "summary": "Tối đa 20 ký tự",
        "signers": "Phải là số nguyên",
        "amount": "Phải ≥ 0",
        "anonymous": "Phải là đúng hoặc sai (true/false)",
        "received_on": "Ngày không hợp lệ (định dạng YYYY-MM-DD)",
        "received_at": ("Thời điểm không hợp lệ (định dạng ISO 8601 có múi giờ, "
                        "ví dụ 2024-05-01T08:30:00+07:00)"),
        "channels": "Giá trị không nằm trong danh sách",
        "title": "Không được xuống dòng",
        "hacker": "Trường không có trong biểu mẫu",
    }
    assert err.value.to_dict()["fields"] == err.value.errors


def test_required_fields_and_bounds():
    with pytest.raises(FormInvalid) as err:
        validate_form_data(INTAKE, {"summary": "   ", "signers": 501, "received_on": "2019-12-31"})
    assert err.value.errors == {"content_type": "Bắt buộc nhập", "summary": "Bắt buộc nhập",
                                "signers": "Phải ≤ 500", "received_on": "Phải ≥ 2020-01-01"}


@pytest.mark.parametrize("field, raw, message", [
    ("signers", True, "Phải là số nguyên"),
    ("signers", "12abc", "Phải là số nguyên"),
    ("amount", "nan", "Phải là số"),
    ("amount", float("inf"), "Phải là số"),
    ("received_on", "02/05/2024", "Ngày không hợp lệ (định dạng YYYY-MM-DD)"),
    ("received_on", 20240502, "Ngày không hợp lệ (định dạng YYYY-MM-DD)"),
    ("channels", "direct", "Phải là danh sách giá trị"),
    ("title", 12, "Phải là chuỗi ký tự"),
])
def test_type_errors(field, raw, message):
    with pytest.raises(FormInvalid) as err:
        validate_form_data(INTAKE, {**VALID, field: raw})
    assert err.value.errors == {field: message}


def test_required_boolean_accepts_false():
    form = form_of('<petitions:field name="accepted" type="boolean" required="true" label="Thụ lý"/>')
    assert validate_form_data(form, {"accepted": False}) == {"accepted": False}
    with pytest.raises(FormInvalid) as err:
        validate_form_data(form, {})
    assert err.value.errors == {"accepted": "Bắt buộc nhập"}


def test_task_without_form_accepts_identifier_keys_unchanged():
    data = {"note": "ok", "nested": {"any": ["thing"]}, "count": 3}
    assert validate_form_data(None, data) == data
    with pytest.raises(FormInvalid) as err:
        validate_form_data(None, {"ok": 1, "not valid": 2, "__class__": 3})
    assert err.value.errors == {"not valid": "Tên trường không hợp lệ",
                                "__class__": "Tên trường không hợp lệ"}


@pytest.mark.parametrize("form", [None, INTAKE])
def test_data_must_be_an_object(form):
    with pytest.raises(FormInvalid) as err:
        validate_form_data(form, ["not", "a", "dict"])
    assert list(err.value.errors) == ["__form__"]


# ------------------------------------------------------------------ cross-field rules (issue 19 §4)

from datetime import date  # noqa: E402

from engine.definitions import form_rules  # noqa: E402

PUBLISH = form_of("""
  <petitions:field name="method" type="enum" required="true" label="Hình thức">
    <petitions:choice value="posting" label="Niêm yết"/>
    <petitions:choice value="broadcast" label="Phát sóng"/>
  </petitions:field>
  <petitions:field name="broadcast_count" type="integer" required="true" label="Số lần phát sóng"
                   when="method=broadcast"/>
  <petitions:field name="posting_place" type="string" label="Nơi niêm yết"
                   required_when="method!=broadcast"/>
  <petitions:field name="posted_from" type="date" required="true" label="Từ ngày"
                   not_after="today"/>
  <petitions:field name="posted_until" type="date" label="Đến ngày"
                   not_before="posted_from" not_after="today"/>
  <petitions:field name="meeting_at" type="datetime" label="Thời điểm" not_before="posted_from"/>
""")


def test_conditional_fields_follow_the_chosen_method():
    base = {"posted_from": "2026-05-02"}
    # Posting: no broadcast count asked, any sent is dropped; the place is required.
    with pytest.raises(FormInvalid) as err:
        validate_form_data(PUBLISH, {**base, "method": "posting", "broadcast_count": "3"},
                           today=date(2026, 5, 10))
    assert err.value.errors == {"posting_place": "Bắt buộc nhập"}
    cleaned = validate_form_data(PUBLISH, {**base, "method": "posting", "broadcast_count": "3",
                                           "posting_place": "Trụ sở UBND"}, today=date(2026, 5, 10))
    assert "broadcast_count" not in cleaned and cleaned["posting_place"] == "Trụ sở UBND"
    # Broadcast: the count is required, the place is not.
    with pytest.raises(FormInvalid) as err:
        validate_form_data(PUBLISH, {**base, "method": "broadcast"}, today=date(2026, 5, 10))
    assert err.value.errors == {"broadcast_count": "Bắt buộc nhập"}
    assert validate_form_data(PUBLISH, {**base, "method": "broadcast", "broadcast_count": "2"},
                              today=date(2026, 5, 10))["broadcast_count"] == 2
    assert form_rules.client_rules(PUBLISH) == [
        {"name": "broadcast_count", "when": {"field": "method", "op": "in", "values": ["broadcast"]}},
        {"name": "posting_place",
         "required_when": {"field": "method", "op": "not_in", "values": ["broadcast"]}}]


def test_date_order_and_today_one_message_per_field():
    data = {"method": "broadcast", "broadcast_count": "1", "posted_from": "2026-05-11",
            "posted_until": "2026-05-01", "meeting_at": "2026-05-10T23:30:00+07:00"}
    with pytest.raises(FormInvalid) as err:
        validate_form_data(PUBLISH, data, today=date(2026, 5, 10))
    assert err.value.errors == {
        "posted_from": "Không được sau ngày hôm nay",
        "posted_until": "Không được trước «Từ ngày» (11/05/2026)",
        "meeting_at": "Không được trước «Từ ngày» (11/05/2026)"}
    # Without a "today" (a caller that does not know the day) only the order is checked; the
    # same day is allowed either side; a datetime compares its day in Vietnam time.
    ok = {**data, "posted_from": "2026-05-10", "posted_until": "2026-05-10",
          "meeting_at": "2026-05-09T18:00:00+00:00"}
    assert validate_form_data(PUBLISH, ok, today=date(2026, 5, 10))["posted_until"] == "2026-05-10"
    with pytest.raises(FormInvalid) as err:
        validate_form_data(PUBLISH, {**ok, "meeting_at": "2026-05-09T16:00:00+00:00"},
                           today=date(2026, 5, 10))
    assert list(err.value.errors) == ["meeting_at"]


def test_a_rule_naming_another_steps_field_reads_the_task_data():
    form = form_of('<petitions:field name="decided_on" type="date" label="Ngày quyết định" '
                   'not_before="dialogue_on"/>')
    form_rules.link_forms({"Task_dialogue": form_of(
        '<petitions:field name="dialogue_on" type="date" label="Ngày đối thoại"/>'),
        "Task_decide": form})
    cleaned = validate_form_data(form, {"decided_on": "2026-05-01"}, today=date(2026, 5, 10))
    assert form_rules.check(form, cleaned, today=None, context={"dialogue_on": "2026-05-03"}) == {
        "decided_on": "Không được trước «Ngày đối thoại» (03/05/2026)"}
    assert form_rules.check(form, cleaned, today=None, context={}) == {}


@pytest.mark.parametrize("fields, words", [
    ('<petitions:field name="a" type="date" label="A" not_after="b"/>',
     ["'a'", "'b'", "không có trong biểu mẫu nào"]),
    ('<petitions:field name="a" type="string" label="A" when="b=x"/>',
     ["'a'", "'b'", "không có trong biểu mẫu"]),
    ('<petitions:field name="a" type="string" label="A" not_before="today"/>',
     ["'a'", "chỉ dùng cho trường ngày"]),
    ('<petitions:field name="m" type="enum" label="M"><petitions:choice value="x"/>'
     '</petitions:field><petitions:field name="a" type="string" label="A" when="m=y"/>',
     ["'a'", "'y'", "'m'"]),
    ('<petitions:field name="a" type="string" label="A" when="m"/>'
     '<petitions:field name="m" type="boolean" label="M"/>', ["'a'", "khai báo sau"]),
    ('<petitions:field name="n" type="string" label="N"/>'
     '<petitions:field name="a" type="date" label="A" not_before="n"/>',
     ["'a'", "'n'", "không phải ngày"]),
    ('<petitions:field name="a" type="date" label="A" not_after="to day"/>', ["'a'", "tên trường"]),
])
def test_unknown_or_wrong_references_are_refused_at_deploy(fields, words):
    with pytest.raises(DeploymentError) as err:
        form_rules.link_forms({"task_1": form_of(fields)}, "form.bpmn")
    assert all(word in str(err.value) for word in words), str(err.value)
    assert "task_1" in str(err.value)


def test_the_modelers_moddle_knows_every_field_attribute():
    """bpmn-js warns "unknown attribute" for what its moddle descriptor lacks: the admin page
    then shows a shipped diagram as broken. The descriptor must follow the engine's attributes."""
    import re
    from pathlib import Path

    from engine.definitions import forms as form_module
    moddle = (Path(__file__).resolve().parents[2] / "webapp/static/admin/moddle.js").read_text()
    block = moddle[moddle.index('name: "Field"'):moddle.index('name: "Choice"')]
    assert set(re.findall(r'attr\("([a-z_]+)"', block)) == form_module._ALLOWED_ATTRS
