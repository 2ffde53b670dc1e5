"""Deploy-time validation of a bundle of BPMN/DMN files.

A bundle is refused (DeploymentError naming file, element and line) unless every file is safe XML,
passes the library's XSD validation and parsing, every executable process builds its spec, every
piece of code (scripts, conditions, timers, DMN cells, service parameters, unit expressions) passes
the restricted compiler, every lane holding human tasks maps to a known role, and every user-task
form is well formed. Nothing here runs any code from the diagrams.
"""
from __future__ import annotations

import ast
import contextlib
import re
from dataclasses import dataclass
from typing import Iterator, Mapping

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.dmn.parser.BpmnDmnParser import SCHEMAS as DMN_SCHEMAS
from SpiffWorkflow.spiff.parser.process import SPIFF_XSD, BpmnValidator, SpiffBpmnParser

from engine.definitions import form_rules
from engine.definitions.forms import (CHOICE_TAG, FIELD_TAG, FORM_TAG, PETITIONS_NS,
                                      find_form_element, parse_form)
from engine.definitions.safe_xml import parse_xml, to_utf8
from engine.errors import DeploymentError, ScriptRejected
from engine.scripting.sandbox import check_source

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
DMN_NAMESPACES = frozenset(DMN_SCHEMAS)
# The DMN 1.2 XSD shipped with SpiffWorkflow 3.2.0 fails to load (XMLSchemaParseError on DMNDI).
SUPPORTED_DMN = DMN_NAMESPACES - {"http://www.omg.org/spec/DMN/20180521/MODEL/"}
MAX_BUNDLE_FILES = 100
ROLE_ATTR = f"{{{PETITIONS_NS}}}role"
UNIT_ATTR = f"{{{PETITIONS_NS}}}unit"

_B = f"{{{BPMN_NS}}}"
_S = f"{{{SPIFF_NS}}}"
EXEC_TAGS = frozenset({_B + "script", _S + "preScript", _S + "postScript"})
# Every other expression the library evaluates (grep "script_engine.evaluate" in SpiffWorkflow).
EVAL_TAGS = frozenset({
    _B + "conditionExpression", _B + "timeDate", _B + "timeDuration", _B + "timeCycle",
    _B + "condition", _B + "loopCondition", _B + "loopCardinality", _B + "completionCondition",
    _B + "messagePath", _S + "messagePayload", _S + "payloadExpression", _S + "expression",
})
HUMAN_TASKS = frozenset({_B + "userTask", _B + "manualTask"})
# Task spec names SpiffWorkflow gives its own start and end steps: an element with one of these
# ids replaces them and the process cannot start ("No output task connected").
RESERVED_IDS = frozenset({"Start", "End"})
# Relative names such as "intake/intake.bpmn" (a deployed folder); no "..", no absolute paths.
_SAFE_NAME = re.compile(r"^(?:[\w\-]+(?:\.[\w\-]+)*/)*[\w\-. ]+\.(?:bpmn|bpmn20\.xml|dmn)$")
# Other tools export BPMN 2.0 as "name.bpmn20.xml".
BPMN_SUFFIXES = (".bpmn", ".bpmn20.xml")


def is_bpmn_name(name: str) -> bool:
    return name.lower().endswith(BPMN_SUFFIXES)
_DMN_QUESTION = re.compile(r"""(\?)(?=(?:[^'"]|['"][^'"]*['"])*$)""")  # as DMNEngine.evaluate


@dataclass
class ValidatedBundle:
    files: dict[str, str]
    process_ids: list[str]
    specs: dict[str, tuple[BpmnProcessSpec, dict]]
    process_names: dict[str, str]
    forms: dict[str, dict]
    lane_roles: dict[str, str]
    task_units: dict[str, str]
    skipped: dict[str, str] = None  # process id -> why it was not deployed


def _owner(element: etree._Element) -> str | None:
    """The id of the element or of its nearest ancestor that has one."""
    for node in element.iterancestors() if element.get("id") is None else [element]:
        if node.get("id") is not None:
            return node.get("id")
    return None


def _fail(message: str, file_name: str, element: etree._Element, line: int | None = None):
    return DeploymentError(message, file_name=file_name, element_id=_owner(element),
                           line=line or element.sourceline)


def _find_by_id(trees: Mapping[str, etree._ElementTree], element_id: str,
                file_name: str | None) -> tuple[str | None, etree._Element | None]:
    """Locate an element the library named by id only (its reports carry no usable line)."""
    for name in ([file_name] if file_name in trees else []) + [n for n in trees if n != file_name]:
        for element in trees[name].iter():
            if isinstance(element.tag, str) and element.get("id") == element_id:
                return name, element
    return None, None


def _find_by_line(tree: etree._ElementTree | None, line: int) -> etree._Element | None:
    """The first element whose start tag ends on ``line`` (XSD errors give a line, no id)."""
    return next((el for el in (tree.iter() if tree is not None else ())
                 if isinstance(el.tag, str) and el.sourceline == line), None)


def _readable(message: str, limit: int = 600) -> str:
    """XSD messages spell namespaces in full: use the usual prefixes and keep them short."""
    prefixes = {BPMN_NS: "bpmn:", SPIFF_NS: "spiffworkflow:", PETITIONS_NS: "petitions:",
                **{ns: "dmn:" for ns in DMN_NAMESPACES}}
    for namespace, prefix in prefixes.items():
        message = message.replace(f"{{{namespace}}}", prefix)
    return message if len(message) <= limit else message[:limit - 1] + "…"


@contextlib.contextmanager
def _library_errors(trees: Mapping[str, etree._ElementTree], file_name: str | None) -> Iterator[None]:
    """Turn anything the library raises into a DeploymentError naming file, element and line."""
    try:
        yield
    except DeploymentError:
        raise
    except ValidationException as exc:
        message = _readable(" ".join([str(exc.args[0]) if exc.args else "sơ đồ không hợp lệ",
                                      *exc.notes]))
        file_name = exc.file_name or file_name
        element_id = exc.id or None
        line = exc.line_number if isinstance(exc.line_number, int) and exc.line_number else None
        if element_id:
            found_file, element = _find_by_id(trees, element_id, file_name)
            if element is not None and found_file == (file_name or found_file):
                file_name, line = found_file, line or element.sourceline
        elif line and file_name:
            element = _find_by_line(trees.get(file_name), line)
            element_id = _owner(element) if element is not None else None
        raise DeploymentError(message, file_name=file_name, element_id=element_id,
                              line=line) from None
    except Exception as exc:  # noqa: BLE001 - the library raises bare KeyError/IndexError/...
        raise DeploymentError(f"không phân tích được sơ đồ ({type(exc).__name__}: {exc})",
                              file_name=file_name) from None


def _add_dmn(parser: SpiffBpmnParser, tree: etree._ElementTree, name: str) -> None:
    root = tree.getroot()
    namespace = etree.QName(root).namespace
    if namespace not in SUPPORTED_DMN or etree.QName(root).localname != "definitions":
        raise _fail(f"không phải tài liệu DMN được hỗ trợ (phần tử gốc {root.tag}); "
                    "hãy dùng DMN 1.3 "
                    f"({', '.join(sorted(SUPPORTED_DMN))})", name, root)
    if (root.nsmap.get(None) or root.nsmap.get("dmn")) != namespace:
        raise _fail("không gian tên (namespace) DMN phải là không gian tên mặc định hoặc dùng "
                    "tiền tố 'dmn'", name, root)
    decisions = root.findall(f"{{{namespace}}}decision")
    if len(decisions) != 1 or len(decisions[0].findall(f"{{{namespace}}}decisionTable")) != 1:
        raise _fail("mỗi tệp DMN phải có đúng một quyết định (decision) với đúng một bảng quyết "
                    "định (decisionTable)",
                    name, decisions[1] if len(decisions) > 1 else (decisions or [root])[0])
    decision_id = decisions[0].get("id")
    if decision_id in parser.dmn_parsers:
        raise _fail(f"mã quyết định (decision id) {decision_id!r} bị trùng", name, decisions[0])
    parser.add_dmn_xml(root, filename=name)
    parser.dmn_parsers[decision_id].parse()  # parsed lazily by the library: parse every table now


def _check_bpmn_structure(tree: etree._ElementTree, name: str, user_tasks: dict[str, str]) -> None:
    """Process ids, placement of petitions:* extensions, unique user-task ids, non-empty scripts."""
    for process in tree.iter(_B + "process"):
        if not (process.get("id") or "").strip():
            raise DeploymentError("bpmn:process không có id", file_name=name,
                                  line=process.sourceline)
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        for attr in element.attrib:
            if attr.startswith(f"{{{PETITIONS_NS}}}") and (attr, element.tag) not in (
                    (ROLE_ATTR, _B + "lane"), (UNIT_ATTR, _B + "userTask")):
                raise _fail(f"không được dùng thuộc tính petitions:{etree.QName(attr).localname} "
                            f"trên {etree.QName(element).localname}", name, element)
        if etree.QName(element).namespace == PETITIONS_NS:
            parent = element.getparent()
            allowed = {FORM_TAG: _B + "extensionElements", FIELD_TAG: FORM_TAG, CHOICE_TAG: FIELD_TAG}
            grandparent = parent.getparent() if parent is not None else None
            if element.tag not in allowed or parent is None or parent.tag != allowed[element.tag] or (
                    element.tag == FORM_TAG and getattr(grandparent, "tag", None) != _B + "userTask"):
                raise _fail(f"không được đặt petitions:{etree.QName(element).localname} "
                            "ở vị trí này", name, element)
        if element.get("id") in RESERVED_IDS and etree.QName(element).namespace == BPMN_NS:
            raise _fail(f"mã phần tử {element.get('id')!r} trùng tên một bước nội bộ của "
                        "SpiffWorkflow: quy trình sẽ không khởi động được; hãy đổi mã "
                        "(ví dụ 'StartEvent_1')", name, element)
        if element.tag == _B + "userTask":
            task_id = element.get("id")
            if task_id in user_tasks:
                raise _fail(f"mã công việc userTask {task_id!r} đã được dùng trong "
                            f"{user_tasks[task_id]}; mã userTask phải là duy nhất trong bộ tệp",
                            name, element)
            user_tasks[task_id] = name
        if element.tag == _B + "scriptTask":
            script = element.find(_B + "script")
            if script is None or not (script.text or "").strip():
                raise _fail("công việc scriptTask không có mã lệnh (script)", name, element)


def _check_flow_ends(tree: etree._ElementTree, name: str) -> None:
    """Every sequence flow starts and ends at an element of its process. Checked before the
    library parses: it reports a missing end as "we found two items, perhaps a form has the same
    ID?", naming neither the flow nor what is missing."""
    for process in [*tree.iter(_B + "process"), *tree.iter(_B + "subProcess")]:
        ids = {el.get("id") for el in process.iter() if isinstance(el.tag, str) and el.get("id")}
        for flow in process.findall(_B + "sequenceFlow"):
            label = repr(flow.get("id")) + (f" ({flow.get('name')})" if flow.get("name") else "")
            for attr, end in (("sourceRef", "đi ra từ"), ("targetRef", "đi đến")):
                ref = flow.get(attr)
                if ref and ref not in ids:
                    raise _fail(f"luồng {label} {end} phần tử {ref!r} ({attr}), nhưng quy trình "
                                "không có phần tử này (đã bị xóa hoặc đổi mã?)", name, flow)


def _check_call_targets(trees: Mapping[str, etree._ElementTree], parser: SpiffBpmnParser) -> None:
    for name, tree in trees.items():
        for call in tree.iter(_B + "callActivity"):
            target = call.get("calledElement")
            if not target or parser.get_process_parser(target) is None:
                raise _fail(f"callActivity gọi đến quy trình không tồn tại {target!r}", name, call)


def _check_code(source: str | None, mode: str, element: etree._Element, name: str,
                what: str, prefix: str = "") -> None:
    try:
        check_source(prefix + source, mode)
    except ScriptRejected as exc:
        line = element.sourceline + (exc.line - 1 if exc.line else 0)
        raise _fail(f"{what} bị từ chối: {exc.message}", name, element, line) from None


def _check_dmn_entry(text: str, element: etree._Element, name: str) -> None:
    """An input entry is a value, a list of values, or a test such as '< 5', 'in (..)' or '1 < ? < 5'."""
    # RestrictedPython refuses names starting with '_': use the engine's own placeholder name.
    text = _DMN_QUESTION.sub("dmninputexpr", text)
    try:
        ast.parse(text, mode="eval")
        prefix = ""
    except SyntaxError:
        if text[:1].isalnum() or text[:1] == "_":
            # The engine glues the input expression to the entry with no space: 'kindin (..)'.
            raise _fail(f"ô đầu vào DMN (inputEntry) {text!r} phải bắt đầu bằng một toán tử, một "
                        "dấu cách hoặc dùng '?' (ví dụ: '? in (\"a\", \"b\")')", name,
                        element) from None
        prefix = "dmninputexpr "  # the engine prepends the input expression: 'amount < 5'
    _check_code(text, "eval", element, name, "ô đầu vào DMN (inputEntry)", prefix)


def _check_all_code(tree: etree._ElementTree, name: str) -> None:
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        text = element.text if element.text and element.text.strip() else None
        if element.tag in EXEC_TAGS and text:
            _check_code(text, "exec", element, name, f"mã lệnh {etree.QName(element).localname}")
        elif element.tag in EVAL_TAGS and text:
            _check_code(text, "eval", element, name, f"biểu thức {etree.QName(element).localname}")
        elif element.tag == _S + "parameter" and element.get("value") is not None:
            _check_code(element.get("value"), "eval", element, name, "tham số dịch vụ")
        elif element.tag == _B + "userTask" and element.get(UNIT_ATTR) is not None:
            _check_code(element.get(UNIT_ATTR), "eval", element, name, "biểu thức petitions:unit")
        elif etree.QName(element).namespace in DMN_NAMESPACES and etree.QName(element).localname == "text":
            parent = etree.QName(element.getparent()).localname
            if text is None or (parent == "inputEntry" and text.strip() == "-"):
                continue
            if parent == "inputEntry":
                _check_dmn_entry(text, element, name)
            elif parent in ("inputExpression", "outputEntry"):
                _check_code(text, "eval", element, name, f"biểu thức DMN {parent}")


def _lane_roles(trees: Mapping[str, etree._ElementTree],
               known: Mapping[str, str]) -> dict[str, str]:
    roles: dict[str, str] = {}
    for name, tree in trees.items():
        ids = {el.get("id"): el for el in tree.iter() if isinstance(el.tag, str) and el.get("id")}
        for lane in tree.iter(_B + "lane"):
            refs = [(ref.text or "").strip() for ref in lane.findall(_B + "flowNodeRef")]
            human = any(ids.get(ref) is not None and ids[ref].tag in HUMAN_TASKS for ref in refs)
            role, lane_name = lane.get(ROLE_ATTR), lane.get("name")
            if role is None and human:
                raise _fail(f"làn {lane_name or lane.get('id')!r} chứa công việc của người dùng "
                            "nhưng không có petitions:role", name, lane)
            if role is None:
                continue
            if role not in known:
                raise _fail(f"vai trò {role!r} không tồn tại "
                            f"(các vai trò hợp lệ: {', '.join(known)})", name, lane)
            if not (lane_name or "").strip():
                raise _fail("làn có petitions:role phải có tên (name)", name, lane)
            if roles.get(lane_name, role) != role:
                raise _fail(f"tên làn {lane_name!r} được gán cho hai vai trò khác nhau "
                            f"({roles[lane_name]}, {role})", name, lane)
            roles[lane_name] = role
    return roles


def _forms_and_units(trees: Mapping[str, etree._ElementTree]) -> tuple[dict, dict]:
    forms: dict[str, dict] = {}
    units: dict[str, str] = {}
    for name, tree in trees.items():
        for task in tree.iter(_B + "userTask"):
            form_el = find_form_element(task, name)
            if form_el is not None:
                forms[task.get("id")] = parse_form(form_el, name)
            if task.get(UNIT_ATTR) is not None:
                units[task.get("id")] = task.get(UNIT_ATTR)
    # A date rule may name another step's field (engine/definitions/form_rules.py).
    form_rules.link_forms(forms, next(iter(trees), None) if len(trees) == 1 else None)
    return forms, units


def validate_bundle(files: Mapping[str, bytes], roles: Mapping[str, str]) -> ValidatedBundle:
    """Validate a bundle (file name -> content) or raise DeploymentError; never runs diagram code."""
    if not files:
        raise DeploymentError("bộ tệp không có tệp nào")
    if len(files) > MAX_BUNDLE_FILES:
        raise DeploymentError(f"bộ tệp có quá nhiều tệp (tối đa {MAX_BUNDLE_FILES} tệp)")
    texts: dict[str, str] = {}
    bpmn_trees: dict[str, etree._ElementTree] = {}
    all_trees: dict[str, etree._ElementTree] = {}
    user_tasks: dict[str, str] = {}
    # A fresh validator per bundle: lxml's XMLSchema error log is not safe to share across threads.
    parser = SpiffBpmnParser(validator=BpmnValidator(imports={"spiffworkflow": SPIFF_XSD}))
    for name, content in files.items():
        if not isinstance(name, str) or not _SAFE_NAME.match(name) or name.startswith(".") \
                or ".." in name.split("/"):
            raise DeploymentError("tên tệp phải có đuôi .bpmn, .bpmn20.xml hoặc .dmn; thư mục chỉ "
                                  "được ghi "
                                  "dưới dạng đường dẫn tương đối, không có '..'",
                                  file_name=str(name))
        tree = parse_xml(content, name)
        texts[name] = to_utf8(bytes(content), name).decode("utf-8")
        all_trees[name] = tree
        with _library_errors(all_trees, name):
            if name.endswith(".dmn"):
                _add_dmn(parser, tree, name)
                continue
            bpmn_trees[name] = tree
            _check_bpmn_structure(tree, name, user_tasks)
            _check_flow_ends(tree, name)
            parser.add_bpmn_xml(tree, filename=name)
    # As the library: a process is executable unless it says isExecutable="false".
    process_ids, skipped = [], {}
    for pid, process_parser in parser.process_parsers.items():
        if not process_parser.process_executable:
            skipped[pid] = ('isExecutable="false": quy trình không thực thi được, không được '
                            "triển khai")
        else:
            process_ids.append(pid)
    if not process_ids:
        raise DeploymentError("bộ tệp không có quy trình thực thi được (mọi bpmn:process đều "
                              'khai báo isExecutable="false")')
    _check_call_targets(bpmn_trees, parser)
    for name, tree in all_trees.items():
        _check_all_code(tree, name)
    specs: dict[str, tuple[BpmnProcessSpec, dict]] = {}
    for pid in process_ids:
        with _library_errors(all_trees, parser.get_process_parser(pid).filename):
            specs[pid] = (parser.get_spec(pid), parser.get_subprocess_specs(pid))
    forms, task_units = _forms_and_units(bpmn_trees)
    return ValidatedBundle(
        files=texts,
        process_ids=list(process_ids),
        specs=specs,
        process_names={pid: parser.get_process_parser(pid).get_name() or pid for pid in process_ids},
        forms=forms,
        lane_roles=_lane_roles(bpmn_trees, roles),
        task_units=task_units,
        skipped=skipped,
    )
