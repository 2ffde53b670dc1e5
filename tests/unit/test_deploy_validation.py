"""Deploy-time validation: a valid bundle yields specs/forms/lanes; every hostile diagram is refused
with a DeploymentError naming the file, the element and the line."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.definitions import validation
from engine.definitions.safe_xml import MAX_FILE_BYTES, parse_xml
from engine.definitions.validation import ValidatedBundle, validate_bundle
from engine.errors import DeploymentError
from engine.scripting.sandbox import build_script_engine
from petitions.roles import ROLES

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bpmn"
HOSTILE = FIXTURES / "hostile"
INTAKE = "petition_intake.bpmn"
DMN = "classify_petition.dmn"


def read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def valid_files() -> dict[str, bytes]:
    return {INTAKE: read(INTAKE), DMN: read(DMN)}


def line_of(content: bytes, marker: str) -> int:
    """1-based line of the first line of ``content`` containing ``marker``."""
    for number, line in enumerate(content.decode("utf-8").splitlines(), start=1):
        if marker in line:
            return number
    raise AssertionError(f"marker {marker!r} not in fixture")


def refused(files: dict[str, bytes]) -> DeploymentError:
    with pytest.raises(DeploymentError) as err:
        validate_bundle(files, ROLES)
    return err.value


def extension_code(prescript="x = 1", unit="unit_code", parameter="phone") -> bytes:
    template = (HOSTILE / "extension_code.bpmn").read_bytes()
    return (template.replace(b"PRESCRIPT", prescript.encode()).replace(b"UNIT", unit.encode())
            .replace(b"PARAMETER", parameter.encode()))


# ------------------------------------------------------------------ the valid bundle

def test_valid_bundle_validates():
    bundle = validate_bundle(valid_files(), ROLES)
    assert isinstance(bundle, ValidatedBundle)
    assert bundle.files == {INTAKE: read(INTAKE).decode(), DMN: read(DMN).decode()}
    assert bundle.process_ids == ["petition_intake"]
    assert bundle.process_names == {"petition_intake": "Tiếp nhận đơn"}
    spec, subprocess_specs = bundle.specs["petition_intake"]
    assert isinstance(spec, BpmnProcessSpec) and subprocess_specs == {}
    assert {"receive_petition", "classify", "compute_deadline", "review_timeout"} <= set(spec.task_specs)
    assert bundle.lane_roles == {"Cán bộ tiếp dân": "reception_officer",
                                 "Thủ trưởng đơn vị": "head_of_unit"}
    assert set(bundle.forms) == {"receive_petition", "review_complaint"}
    assert [f["name"] for f in bundle.forms["review_complaint"]["fields"]] == ["accepted", "note"]
    assert bundle.task_units == {"receive_petition": "'tiep_cong_dan'"}


def test_valid_bundle_runs_on_the_restricted_engine():
    spec, subprocess_specs = validate_bundle(valid_files(), ROLES).specs["petition_intake"]
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=build_script_engine())
    workflow.do_engine_steps()
    [task] = workflow.get_tasks(state=TaskState.READY, manual=True)
    assert task.task_spec.lane == "Cán bộ tiếp dân"
    task.set_data(content_type="complaint", summary="x", signers=7, received_on="2024-05-02")
    task.run()
    workflow.do_engine_steps()
    [review] = workflow.get_tasks(state=TaskState.READY, manual=True)
    assert review.task_spec.name == "review_complaint"
    assert review.data["handling_days"] == 45 and review.data["review_period"] == "P45D"
    [timer] = workflow.get_tasks(state=TaskState.WAITING)
    assert timer.task_spec.name == "review_timeout"


# ------------------------------------------------------------------ hostile fixtures

# (fixture, element id, marker for the line (None: no line), words the message must contain)
HOSTILE_CASES = [
    ("malformed.bpmn", None, "</bpmn:process>", "XML không đúng cú pháp"),
    ("xxe.bpmn", None, "<!DOCTYPE", "DOCTYPE"),
    ("billion_laughs.bpmn", None, "<!DOCTYPE", "DOCTYPE"),
    ("doctype.bpmn", None, "<!DOCTYPE", "DOCTYPE"),
    ("script_import.bpmn", "evil", "import os", "import"),
    ("script_open.bpmn", "evil", "open(", "open"),
    ("script_dunder_import.bpmn", "evil", "__import__", "__import__"),
    ("script_subclasses.bpmn", "evil", "__subclasses__", "__"),
    ("condition_dunder.bpmn", "f_yes", "conditionExpression", "__"),
    ("timer_import.bpmn", "wait_def", "timeDuration", "__import__"),
    ("missing_process_id.bpmn", None, "<bpmn:process", "không có id"),
    ("unknown_element.bpmn", "beam_me_up", "teleportTask", "bpmn:teleportTask"),
    ("unknown_field_type.bpmn", "pick_colour", 'type="color"', "unknown type 'color'"),
    ("lane_without_role.bpmn", "lane_nobody", '<bpmn:lane id="lane_nobody"', "petitions:role"),
]


@pytest.mark.parametrize("fixture, element_id, marker, words", HOSTILE_CASES,
                         ids=[case[0] for case in HOSTILE_CASES])
def test_hostile_fixture_is_refused(fixture, element_id, marker, words):
    content = (HOSTILE / fixture).read_bytes()
    error = refused({fixture: content})
    assert error.file_name == fixture
    assert error.element_id == element_id
    assert error.line == line_of(content, marker)
    assert words in error.detail
    assert str(error).startswith(fixture)
    assert error.to_dict()["line"] == error.line


def test_entity_bomb_and_xxe_are_never_expanded():
    for fixture in ("billion_laughs.bpmn", "xxe.bpmn"):
        started = time.perf_counter()
        error = refused({fixture: (HOSTILE / fixture).read_bytes()})
        assert time.perf_counter() - started < 1
        assert "root:" not in str(error) and "lollol" not in str(error)


def test_script_error_line_is_the_line_in_the_file():
    content = (HOSTILE / "script_import.bpmn").read_bytes()
    error = refused({"script_import.bpmn": content})
    # the script starts on the <bpmn:script> line; "import os" is its second line
    assert error.line == line_of(content, "<bpmn:script>") + 1


def test_dmn_cell_with_dunder_is_refused():
    content = (HOSTILE / "dmn_import.dmn").read_bytes()
    error = refused({INTAKE: read(INTAKE), "dmn_import.dmn": content})
    assert (error.file_name, error.element_id) == ("dmn_import.dmn", "r3_out")
    assert error.line == line_of(content, "__import__")
    assert "__import__" in error.detail


@pytest.mark.parametrize("entry", ['__import__("os")', '&lt; ().__class__', '? == __builtins__',
                                   ' not in (__import__("os"),)'])
def test_dmn_input_entry_with_dunder_is_refused(entry):
    dmn = read(DMN).replace(b"<text>&gt;= 5</text>", f"<text>{entry}</text>".encode())
    error = refused({INTAKE: read(INTAKE), DMN: dmn})
    assert (error.file_name, error.element_id) == (DMN, "r1_signers")


def test_dmn_input_entry_glued_to_the_input_is_refused():
    dmn = read(DMN).replace(b"? in (", b"in (")
    error = refused({INTAKE: read(INTAKE), DMN: dmn})
    assert (error.element_id, error.line) == ("r1_type", line_of(dmn, 'id="r1_type"'))
    assert "'?'" in error.detail


@pytest.mark.parametrize("kwargs, element_id, marker, words", [
    ({"prescript": "import subprocess"}, "prescripted", "preScript", "import"),
    ({"prescript": "x = ("}, "prescripted", "preScript", "SyntaxError"),
    ({"unit": "__import__('os')"}, "prescripted", 'id="prescripted"', "petitions:unit"),
    ({"parameter": "().__class__"}, "phone", 'id="phone"', "tham số dịch vụ"),
])
def test_code_in_extensions_is_checked(kwargs, element_id, marker, words):
    content = extension_code(**kwargs)
    error = refused({"ext.bpmn": content})
    assert (error.file_name, error.element_id) == ("ext.bpmn", element_id)
    assert error.line == line_of(content, marker)
    assert words in error.detail


def test_extension_code_template_is_valid_when_harmless():
    bundle = validate_bundle({"ext.bpmn": extension_code()}, ROLES)
    assert bundle.task_units == {"prescripted": "unit_code"} and bundle.forms == {}


# ------------------------------------------------------------------ bundle-level refusals

def test_bundle_without_executable_process_is_refused():
    error = refused({"not_executable.bpmn": (HOSTILE / "not_executable.bpmn").read_bytes()})
    assert "không có quy trình thực thi được" in str(error)


def test_process_without_is_executable_is_executable_as_in_the_library():
    content = (HOSTILE / "not_executable.bpmn").read_bytes().replace(b' isExecutable="false"', b"")
    bundle = validate_bundle({"implicit.bpmn": content}, ROLES)
    assert bundle.process_ids and bundle.skipped == {}


def test_business_rule_task_without_its_decision_is_refused():
    error = refused({INTAKE: read(INTAKE)})
    assert (error.file_name, error.element_id) == (INTAKE, "classify")
    assert error.line == line_of(read(INTAKE), 'id="classify"')
    assert "classify_petition" in error.detail


def test_duplicate_process_ids_are_refused():
    content = (HOSTILE / "not_executable.bpmn").read_bytes().replace(b'"false"', b'"true"')
    error = refused({"a.bpmn": content, "b.bpmn": content})
    assert error.file_name == "b.bpmn" and "Duplicate process ID" in error.detail


def test_duplicate_decision_ids_are_refused():
    error = refused({**valid_files(), "copy.dmn": read(DMN)})
    assert (error.file_name, error.element_id) == ("copy.dmn", "classify_petition")


def test_call_activity_to_unknown_process_is_refused():
    content = (HOSTILE / "not_executable.bpmn").read_bytes().replace(b'"false"', b'"true"').replace(
        b'<bpmn:startEvent id="start"/>', b'<bpmn:callActivity id="call" calledElement="ghost"/>')
    error = refused({"call.bpmn": content})
    assert (error.element_id, error.line) == ("call", line_of(content, "callActivity"))
    assert "ghost" in error.detail


@pytest.mark.parametrize("change, words", [
    ((b'petitions:role="head_of_unit"', b'petitions:role="boss"'), "vai trò 'boss' không tồn tại"),
    ((b'<bpmn:laneSet', b'<bpmn:laneSet petitions:role="supervisor"'),
     "không được dùng thuộc tính petitions:role trên laneSet"),
    ((b'<bpmn:lane id="lane_head" name="Th\xe1\xbb\xa7 tr\xc6\xb0\xe1\xbb\x9fng \xc4\x91\xc6\xa1n v\xe1\xbb\x8b"',
      b'<bpmn:lane id="lane_head" name="C\xc3\xa1n b\xe1\xbb\x99 ti\xe1\xba\xbfp d\xc3\xa2n"'),
     "hai vai trò"),
])
def test_lane_and_extension_mistakes_are_refused(change, words):
    content = read(INTAKE).replace(*change)
    assert content != read(INTAKE)
    error = refused({INTAKE: content, DMN: read(DMN)})
    assert error.file_name == INTAKE and words in error.detail and error.line


@pytest.mark.parametrize("files, words", [
    ({}, "không có tệp nào"),
    ({"intake.xml": b"<a/>"}, "phải có đuôi .bpmn, .bpmn20.xml hoặc .dmn"),
    ({"../intake.bpmn": b"<a/>"}, "phải có đuôi .bpmn, .bpmn20.xml hoặc .dmn"),
    ({"a.dmn": read(INTAKE)}, "không phải tài liệu DMN được hỗ trợ"),
    ({"a.bpmn": read(INTAKE), "c.dmn": read(DMN).replace(
        b"https://www.omg.org/spec/DMN/20191111/MODEL/", b"http://www.omg.org/spec/DMN/20180521/MODEL/")},
     "hãy dùng DMN 1.3"),
    ({"a.bpmn": read(DMN)}, "validation root"),
])
def test_bad_files_are_refused(files, words):
    assert words in str(refused(files))


def test_library_exceptions_never_escape(monkeypatch):
    def boom(self, process_id, required=True):
        raise KeyError("unexpected")
    monkeypatch.setattr(validation.SpiffBpmnParser, "get_spec", boom)
    error = refused(valid_files())
    assert error.file_name == INTAKE and "KeyError" in error.detail


# ------------------------------------------------------------------ safe_xml

@pytest.mark.parametrize("content, words, line", [
    (b"<a>\n<b></a>", "XML không đúng cú pháp", 2),
    (b"", "tệp rỗng", None),
    ("<a>\nđ</a>".encode("utf-16"), "UTF-8", 1),
    (b"<a>\n\xff</a>", "UTF-8", 2),
    (b'<?xml version="1.0" encoding="ASCII"?><a>\n\xc3\xa9</a>', "bảng mã khai báo 'ascii'", 2),
    (b"<a/>\n<!-- <!ENTITY x 'y'> -->", "<!ENTITY>", 2),
    (b"<?xml version='1.0'?>\n<!doctype a><a/>", "<!DOCTYPE>", 2),
], ids=["malformed", "empty", "utf16", "latin1-byte", "declared-latin1", "entity-in-comment",
        "lowercase-doctype"])
def test_parse_xml_refusals(content, words, line):
    with pytest.raises(DeploymentError) as err:
        parse_xml(content, "x.bpmn")
    assert words in err.value.detail and err.value.file_name == "x.bpmn"
    assert err.value.line == line


def test_parse_xml_refuses_large_files_and_keeps_comments():
    with pytest.raises(DeploymentError, match="tệp quá lớn"):
        parse_xml(b"<a>" + b" " * MAX_FILE_BYTES + b"</a>", "big.bpmn")
    tree = parse_xml("<a><!-- ghi chú --><b id='x'>đơn</b></a>".encode(), "ok.bpmn")
    assert tree.getroot().find("b").text == "đơn" and len(tree.getroot()) == 2
