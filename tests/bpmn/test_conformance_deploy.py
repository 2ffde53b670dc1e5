"""Issue 14, deploy-time items: what SpiffWorkflow accepts, the engine deploys (isExecutable,
declared encodings, *.bpmn20.xml names, ordinary names in scripts and DMN, date types)."""
from __future__ import annotations

import pytest

from engine.definitions import deployment
from engine.running import instances
from engine.errors import DeploymentError
from tests.bpmn.conformance import chain, definitions, deploy, process, script

def _simple(pid: str, executable: bool | None = True, code: str = "x = 1") -> str:
    """Start → script → end, ids prefixed by the process id (ids are unique per file)."""
    ids = [f"{pid}_{n}" for n in "STE"]
    return process(pid, f'<bpmn:startEvent id="{ids[0]}"/>' + script(ids[1], code)
                   + f'<bpmn:endEvent id="{ids[2]}"/>' + chain(*ids, prefix=f"{pid}_f"),
                   executable=executable)


def _run(ctx, key: str) -> dict:
    """Start ``key``, which must complete at once; its data."""
    started = instances.start(ctx, key, actor="admin")
    details = instances.details(ctx, started["instance_id"])
    assert details["status"] == "completed", details.get("error")
    return details["data"]


def test_process_without_is_executable_is_executable_like_the_library(ctx):
    """Item 3: a file with two processes, one without the attribute, deploys both; one marked
    isExecutable="false" is reported at deploy time, by name, and not stored."""
    content = definitions(_simple("p_marked"), _simple("p_implicit", executable=None),
                          _simple("p_off", executable=False))
    results = deploy(ctx, "two.bpmn", content)
    assert {r["key"]: r["new"] for r in results if not r.get("skipped")} == {
        "p_marked": True, "p_implicit": True}
    skipped = [r for r in results if r.get("skipped")]
    assert [r["key"] for r in skipped] == ["p_off"] and 'isExecutable="false"' in skipped[0]["skipped"]
    assert _run(ctx, "p_implicit")["x"] == 1
    with ctx.uow(write=False) as uow:
        assert set(deployment.latest_versions(uow)) == {"p_marked", "p_implicit"}


def test_only_non_executable_processes_is_refused_with_the_reason(ctx):
    with pytest.raises(DeploymentError, match='isExecutable="false"'):
        deploy(ctx, "off.bpmn", definitions(_simple("p_off", executable=False)))


@pytest.mark.parametrize("encoding", ["ASCII", "us-ascii", "ISO-8859-1", "windows-1258"])
def test_declared_ascii_compatible_encodings_are_accepted(ctx, encoding):
    """Item 4: a pure-ASCII file declaring ASCII (or any ASCII-compatible encoding) deploys, and
    is stored as UTF-8 with its declaration saying so."""
    results = deploy(ctx, "ascii.bpmn", definitions(_simple("p_ascii"), encoding=encoding))
    assert results[0]["key"] == "p_ascii" and results[0]["new"]
    with ctx.uow(write=False) as uow:
        stored = deployment.get_definition(uow, "p_ascii").files["ascii.bpmn"]
    assert 'encoding="UTF-8"' in stored and encoding not in stored
    assert instances.start(ctx, "p_ascii", actor="admin")["status"] == "completed"


def test_latin1_file_with_accents_is_read_in_its_declared_encoding(ctx):
    content = definitions(_simple("p_latin", code="note = 'café'"), encoding="ISO-8859-1")
    deploy(ctx, "latin.bpmn", content.decode("utf-8").encode("latin-1"))
    assert _run(ctx, "p_latin")["note"] == "café"


@pytest.mark.parametrize("encoding, content, words", [
    ("US-ASCII", "note = 'đơn'", "không giải mã được theo bảng mã khai báo 'ascii'"),
    ("UTF-16", "x = 1", "không tương thích ASCII"),
    ("no-such-encoding", "x = 1", "không được hỗ trợ"),
])
def test_undecodable_or_unknown_encodings_are_refused_and_nothing_stored(ctx, encoding, content,
                                                                          words):
    raw = definitions(_simple("p_bad", code=content), encoding=encoding)
    with pytest.raises(DeploymentError) as err:
        deploy(ctx, "bad.bpmn", raw)
    assert words in err.value.detail and err.value.file_name == "bad.bpmn"
    assert deployment.list_definitions(ctx) == []


def test_bpmn20_xml_file_names_deploy(ctx, tmp_path):
    """Item 5: other tools export BPMN 2.0 as name.bpmn20.xml, alone or in a folder."""
    (tmp_path / "export.bpmn20.xml").write_bytes(definitions(_simple("p_export")))
    (tmp_path / "notes.xml").write_text("<a/>")  # other XML files in the folder are not BPMN
    files = deployment.read_paths([tmp_path])
    assert list(files) == ["export.bpmn20.xml"]
    results = deployment.deploy(ctx, files, actor="admin")
    assert results[0]["key"] == "p_export" and results[0]["new"]
    assert instances.start(ctx, "p_export", actor="admin")["status"] == "completed"


DMN_TYPE_INPUT = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="defs_kind" name="k"
             namespace="urn:test">
  <decision id="by_type" name="Theo loại">
    <decisionTable id="t" hitPolicy="FIRST">
      <input id="i1" label="Loại"><inputExpression id="ie1" typeRef="string"><text>type</text></inputExpression></input>
      <input id="i2" label="Đầu vào"><inputExpression id="ie2" typeRef="integer"><text>input</text></inputExpression></input>
      <output id="o1" name="days" typeRef="integer"/>
      <rule id="r1"><inputEntry id="r1a"><text>"complaint"</text></inputEntry>
        <inputEntry id="r1b"><text>&gt; 1</text></inputEntry><outputEntry id="r1o"><text>30</text></outputEntry></rule>
      <rule id="r2"><inputEntry id="r2a"><text>-</text></inputEntry>
        <inputEntry id="r2b"><text>-</text></inputEntry><outputEntry id="r2o"><text>10</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>"""


def test_variables_named_type_and_input_in_scripts_and_dmn(ctx):
    """Item 6: ``type`` and ``input`` are ordinary names; calling the builtins stays refused."""
    body = ('<bpmn:startEvent id="S"/>' + script("T", "type = 'complaint'\ninput = 2\nlabel = type")
            + '<bpmn:businessRuleTask id="R"><bpmn:extensionElements><spiffworkflow:calledDecisionId>'
            "by_type</spiffworkflow:calledDecisionId></bpmn:extensionElements></bpmn:businessRuleTask>"
            '<bpmn:endEvent id="E"/>' + chain("S", "T", "R", "E"))
    deployment.deploy(ctx, {"kind.bpmn": definitions(process("p_kind", body)),
                            "kind.dmn": DMN_TYPE_INPUT.encode()}, actor="admin")
    data = _run(ctx, "p_kind")
    assert (data["label"], data["input"], data["days"]) == ("complaint", 2, 30)
    for call in ("x = type(1)", "x = input()"):
        with pytest.raises(DeploymentError, match="không được phép"):
            deploy(ctx, "call.bpmn", definitions(_simple("p_call", code=call)))


def test_date_and_time_types_in_the_sandbox(ctx):
    """Item 9: datetime, date, timedelta and timezone, as SpiffWorkflow's own environment offers."""
    code = ("start = datetime(2026, 12, 1, 8, 30, tzinfo=timezone.utc)\n"
            "due = (start + timedelta(days=10)).isoformat()\n"
            "day = (date.fromisoformat('2026-12-31') - date(2026, 12, 1)).days\n"
            "parsed = datetime.fromisoformat('2026-12-02T09:00:00+07:00').astimezone(timezone.utc).hour")
    deploy(ctx, "dates.bpmn", definitions(_simple("p_dates", code=code)))
    data = _run(ctx, "p_dates")
    assert data["due"] == "2026-12-11T08:30:00+00:00"
    assert (data["day"], data["parsed"]) == (30, 2)
