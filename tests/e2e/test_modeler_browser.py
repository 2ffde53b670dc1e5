"""The modeler in Vietnamese builds a working step (issue 15, "Administrators: the modeler").

An administrator opens a small process (start → end in a lane of handling officers) in the
modeler: the bpmn-js menus are Vietnamese; the diagram opens legible with zoom buttons; the old
flow is deleted, a task appended to the start event through the context pad, changed to a user
task through the replace menu ("Đổi loại phần tử"), given a form and a role in the properties
panel and connected to the end. A saved draft is offered on reopening; the process is deployed
(the status names the old and the new version) and a handling officer completes the new task in
the browser, with the form the administrator built.
"""
from __future__ import annotations

from engine.definitions import deployment
from engine.running import instances
from engine.work import human_tasks
from tests.e2e.test_admin_browser import _diagram_point, new_page

KEY = "thu_tuc_nho"
NEW_TASK = "Xác minh tại chỗ"
BPMN = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:petitions="urn:petitions:bpmn:1"
  id="Defs_{KEY}" targetNamespace="urn:petitions:test">
  <bpmn:collaboration id="Collab_{KEY}">
    <bpmn:participant id="Pool_{KEY}" name="Thủ tục nhỏ" processRef="{KEY}"/>
  </bpmn:collaboration>
  <bpmn:process id="{KEY}" name="Thủ tục nhỏ" isExecutable="true">
    <bpmn:laneSet id="LaneSet_{KEY}">
      <bpmn:lane id="Lane_reception" name="Cán bộ tiếp công dân" petitions:role="reception_officer">
        <bpmn:flowNodeRef>StartEvent_1</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>EndEvent_1</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="StartEvent_1" name="Bắt đầu"><bpmn:outgoing>Flow_start_end</bpmn:outgoing></bpmn:startEvent>
    <bpmn:endEvent id="EndEvent_1" name="Kết thúc"><bpmn:incoming>Flow_start_end</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_start_end" sourceRef="StartEvent_1" targetRef="EndEvent_1"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="Diagram_{KEY}">
    <bpmndi:BPMNPlane id="Plane_{KEY}" bpmnElement="Collab_{KEY}">
      <bpmndi:BPMNShape id="Pool_{KEY}_di" bpmnElement="Pool_{KEY}" isHorizontal="true">
        <dc:Bounds x="100" y="60" width="900" height="250"/>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Lane_reception_di" bpmnElement="Lane_reception" isHorizontal="true">
        <dc:Bounds x="130" y="60" width="870" height="250"/>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1"><dc:Bounds x="192" y="167" width="36" height="36"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="EndEvent_1_di" bpmnElement="EndEvent_1"><dc:Bounds x="852" y="167" width="36" height="36"/></bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="Flow_start_end_di" bpmnElement="Flow_start_end">
        <di:waypoint x="228" y="185"/><di:waypoint x="852" y="185"/>
      </bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def _select(page, element_id: str) -> None:
    page.evaluate("""(id) => { const m = window.petitionsModeler;
        m.get('selection').select(m.get('elementRegistry').get(id)); }""", element_id)


def _label(page, selector: str) -> str | None:
    """What a screen reader and a hovering mouse are told (bpmn-js sets aria-label, title or both)."""
    return page.get_attribute(selector, "aria-label") or page.get_attribute(selector, "title")


def _pad_title(page, action: str) -> str | None:
    return _label(page, f".djs-context-pad [data-action='{action}']")


def test_administrator_builds_a_user_task_in_vietnamese_and_an_officer_completes_it(
        live_server, browser, browser_login, artifacts):
    ctx = live_server.engine_ctx
    deployment.deploy(ctx, {f"{KEY}.bpmn": BPMN.encode()}, actor="quantri")
    problems: list[str] = []
    page = new_page(browser, problems)
    browser_login(page, "quantri")
    page.goto(f"{live_server.url}/admin/processes/{KEY}/versions/1/edit")
    page.wait_for_selector("body[data-modeler-ready='1']")

    # Opened legible, with zoom buttons labelled in Vietnamese.
    scale = page.evaluate("window.petitionsModeler.get('canvas').zoom()")
    assert scale >= 0.6, scale
    assert page.get_attribute("#canvas .zoom-controls [data-zoom='in']", "aria-label") == "Phóng to"
    assert page.get_attribute("#canvas .zoom-controls [data-zoom='out']", "aria-label") == "Thu nhỏ"
    assert page.get_attribute("#canvas .zoom-controls [data-zoom='fit']", "aria-label") == "Vừa khung"
    page.click("#canvas .zoom-controls [data-zoom='in']")
    assert abs(page.evaluate("window.petitionsModeler.get('canvas').zoom()") - scale * 1.2) < 0.01
    page.click("#canvas .zoom-controls [data-zoom='fit']")
    page.evaluate("window.petitionsModeler.get('canvas').zoom(1, {x: 100, y: 60})")
    page.evaluate("""() => { const canvas = window.petitionsModeler.get('canvas');
        const vb = canvas.viewbox(); canvas.viewbox({x: 80, y: 40, width: vb.width, height: vb.height}); }""")

    # Vietnamese menus: the palette and the context pad.
    assert _label(page, ".djs-palette [data-action='create.task']") == "Tạo công việc"
    # bpmn-js's own warning, when a task is dropped outside the pool, is Vietnamese too.
    page.click(".djs-palette [data-action='create.task']")
    x, y = _diagram_point(page, 500, 450)
    page.mouse.move(x - 20, y - 20)
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    assert page.inner_text(".djs-tooltip-error") == "Phần tử của luồng phải nằm trong một bể/bên tham gia"
    page.keyboard.press("Escape")
    assert page.evaluate("window.petitionsModeler.get('elementRegistry').filter(e => e.type === 'bpmn:Task').length") == 0
    _select(page, "Flow_start_end")
    assert _pad_title(page, "delete") == "Xóa"
    page.click(".djs-context-pad [data-action='delete']")
    _select(page, "StartEvent_1")
    assert _pad_title(page, "append.append-task") == "Nối thêm công việc"
    page.click(".djs-context-pad [data-action='append.append-task']")
    task = page.evaluate("""() => { const s = window.petitionsModeler.get('selection').get();
        return s.length === 1 ? {id: s[0].id, type: s[0].type} : null; }""")
    assert task and task["type"] == "bpmn:Task", task
    page.keyboard.press("Escape")  # leave the direct editing of the new task's name
    _select(page, task["id"])

    # "Đổi loại phần tử" → the replace menu, in Vietnamese → user task.
    assert _pad_title(page, "replace") == "Đổi loại phần tử"
    page.click(".djs-context-pad [data-action='replace']")
    entry = page.locator(".djs-popup [data-id='replace-with-user-task']")
    assert "Công việc của người dùng" in entry.inner_text()
    page.screenshot(path=str(artifacts / "modeler-replace-menu-vi.png"))
    entry.click()
    task_id = page.evaluate("window.petitionsModeler.get('selection').get()[0].id")
    assert page.evaluate(f"window.petitionsModeler.get('elementRegistry').get('{task_id}').type") \
        == "bpmn:UserTask"

    # The properties panel: name, role (of the lane holding the task), one form field.
    page.fill("#properties-body input[name='pp-name']", NEW_TASK)
    page.press("#properties-body input[name='pp-name']", "Tab")
    page.select_option("#properties-body select[name='pp-task-role']", "handling_officer")
    page.click("#properties-body .pp-add-field")
    page.fill("#properties-body input[name='pp-field-name-0']", "ket_qua_xac_minh")
    page.press("#properties-body input[name='pp-field-name-0']", "Tab")
    page.fill("#properties-body input[name='pp-field-label-0']", "Kết quả xác minh")
    page.press("#properties-body input[name='pp-field-label-0']", "Tab")
    page.check("#properties-body input[name='pp-field-required-0']")

    # Connect the new task to the end event with the context pad.
    _select(page, task_id)
    assert _pad_title(page, "connect") == "Nối với phần tử khác"
    page.click(".djs-context-pad [data-action='connect']")
    ex, ey = _diagram_point(page, 870, 185)
    page.mouse.move(ex, ey)
    page.mouse.click(ex, ey)
    wiring = page.evaluate("""(id) => { const bo = window.petitionsModeler.get('elementRegistry').get(id).businessObject;
        return {incoming: bo.incoming.map(f => f.sourceRef.id), outgoing: bo.outgoing.map(f => f.targetRef.id)}; }""",
                           task_id)
    assert wiring == {"incoming": ["StartEvent_1"], "outgoing": ["EndEvent_1"]}, wiring

    # A saved draft survives: reopening offers it, and restoring brings the task back.
    page.click("#btn-save-draft")
    page.locator("#modeler-status.ok", has_text="Đã lưu bản nháp").wait_for()
    page.goto(f"{live_server.url}/admin/processes/{KEY}/versions/1/edit")
    page.wait_for_selector("body[data-modeler-ready='1']")
    assert page.is_visible("#draft-dialog")
    assert page.evaluate(f"!!window.petitionsModeler.get('elementRegistry').get('{task_id}')") is False
    page.screenshot(path=str(artifacts / "modeler-draft-offered.png"))
    page.click("#draft-restore")
    page.locator("#modeler-status.ok", has_text="Đã mở bản nháp").wait_for()
    assert not page.is_visible("#draft-dialog")
    assert page.evaluate(f"window.petitionsModeler.get('elementRegistry').get('{task_id}').businessObject.name") \
        == NEW_TASK

    # Deploy: "phiên bản 1 → phiên bản 2".
    page.click("#btn-deploy")
    page.wait_for_selector("body[data-deployed-version='2']")
    assert "Đã triển khai: phiên bản 1 → phiên bản 2" in page.inner_text("#modeler-status")
    with ctx.uow(write=False) as uow:
        v2 = deployment.get_definition(uow, KEY, 2)
    assert v2.lane_roles == {"Cán bộ tiếp công dân": "handling_officer"}
    assert v2.forms[task_id]["fields"][0]["name"] == "ket_qua_xac_minh"

    # The read-only viewers of the compare page open legible, with the same zoom buttons.
    page.goto(f"{live_server.url}/admin/processes/{KEY}/compare?from=1&to=2")
    page.wait_for_selector("body[data-compare-ready='1']")
    for pane in ("#canvas-old", "#canvas-new"):
        assert page.get_attribute(f"{pane} .zoom-controls [data-zoom='out']", "aria-label") == "Thu nhỏ"
    before = page.evaluate("window.petitionsCompare['canvas-new'].get('canvas').zoom()")
    assert before >= 0.6, before
    page.click("#canvas-new .zoom-controls [data-zoom='out']")
    after = page.evaluate("window.petitionsCompare['canvas-new'].get('canvas').zoom()")
    assert abs(after - before / 1.2) < 0.01, (before, after)

    # A handling officer completes the new step in the browser, with the form built above.
    started = instances.start(ctx, KEY, actor="quantri")["instance_id"]
    ready = human_tasks.list_tasks(ctx, instance_id=started)
    assert [(t["name"], t["candidate_role"]) for t in ready] == [(NEW_TASK, "handling_officer")]
    officer = new_page(browser, problems)
    browser_login(officer, "xuly")
    officer.goto(f"{live_server.url}/tasks/{ready[0]['id']}")
    assert "Kết quả xác minh" in officer.inner_text("form.declared-form")
    officer.fill("[name='ket_qua_xac_minh']", "Đúng như đơn phản ánh")
    officer.click("form.declared-form button.primary")
    officer.wait_for_load_state("networkidle")
    assert instances.summary(ctx, started)["status"] == "completed"
    assert problems == []


def test_change_element_menu_opens_inside_the_window_on_a_laptop(live_server, browser,
                                                                 browser_login, artifacts):
    """The replace menu under a task in the lower part of a 1366×768 laptop's window: it used to open below
    the window's edge (position: fixed, kept inside the document only), so "Đổi loại phần tử"
    seemed to do nothing."""
    HEIGHT = 650  # a 1366×768 laptop screen less the browser's own bars
    deployment.deploy(live_server.engine_ctx, {f"{KEY}.bpmn": BPMN.encode()}, actor="quantri")
    problems: list[str] = []
    page = new_page(browser, problems)
    page.set_viewport_size({"width": 1366, "height": HEIGHT})
    browser_login(page, "quantri")
    page.goto(f"{live_server.url}/admin/processes/{KEY}/versions/1/edit")
    page.wait_for_selector("body[data-modeler-ready='1']")
    _select(page, "StartEvent_1")
    page.click(".djs-context-pad [data-action='append.append-task']")
    page.keyboard.press("Escape")
    task_id = page.evaluate("window.petitionsModeler.get('selection').get()[0].id")
    # Bring the task to the lower part of the window, as a user scrolling down to it would.
    page.evaluate("""(id) => {
        const box = document.querySelector(`.djs-element[data-element-id='${id}']`).getBoundingClientRect();
        window.scrollBy(0, box.top - (window.innerHeight - 150)); }""", task_id)
    top = page.evaluate(f"""document.querySelector(".djs-element[data-element-id='{task_id}']")
                            .getBoundingClientRect().top""")
    assert top > HEIGHT - 200, top
    _select(page, task_id)
    page.click(".djs-context-pad [data-action='replace']")
    popup = page.evaluate("(() => { const r = document.querySelector('.djs-popup').getBoundingClientRect();"
                          " return {top: r.top, bottom: r.bottom}; })()")
    assert 0 <= popup["top"] and popup["bottom"] <= HEIGHT, popup
    page.screenshot(path=str(artifacts / "modeler-replace-menu-laptop.png"))
    page.click(".djs-popup [data-id='replace-with-user-task']")
    assert page.evaluate(f"window.petitionsModeler.get('elementRegistry').get('{task_id}').type") \
        == "bpmn:UserTask"
    assert problems == []
