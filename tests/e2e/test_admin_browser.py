"""The process administration pages in headless Chromium (Debian's /usr/bin/chromium via Playwright).

1. The four shipped diagrams open in a standard bpmn-js viewer, and in our modeler (with the
   petitions:/spiffworkflow: extensions), with no import warning; what the modeler exports still
   passes the deploy validation.
2. An administrator opens petition_intake v1 in the modeler, adds a user task (palette, context
   pad, replace menu and properties panel clicked; the flow rerouted through bpmn-js's API), sees a
   validation error highlighted, saves a draft and deploys v2. New instances follow v2, running ones
   stay on v1; compare colours the change; a bulk migration through the UI moves the eligible
   instances and explains the other one; a migrated instance then takes the new step.

Screenshots of the key pages go to test-artifacts/ (gitignored).
"""
from __future__ import annotations

from sqlalchemy import select

from engine.definitions import deployment
from engine.persistence.models import ProcessDefinition, ProcessInstance
from engine.running import instances
from engine.work import human_tasks
from tests.support import actor

SHIPPED = {"petition_intake": "intake/petition_intake.bpmn",
           "complaint": "complaint/complaint.bpmn",
           "denunciation": "denunciation/denunciation.bpmn",
           "recommendation_feedback": "recommendation/recommendation_feedback.bpmn"}
KEY = "petition_intake"
NEW_TASK_NAME = "Kiểm tra giấy tờ kèm theo"
RECEPTION = actor("tiepdan", "reception_officer", unit="ubnd-xa-demo")
REGISTER = {"received_on": "2026-11-23", "channel": "direct", "forwarder_kind": "none",
            "signers": 1, "summary": "Đề nghị cấp lại giấy chứng nhận quyền sử dụng đất",
            "field": "land_housing", "remote_area": False}


def new_page(browser, problems: list[str]):
    """A page that records script errors, CSP violations and failed requests of our pages (other
    blueprints' pages, such as the inbox shown after login, are not this test's business)."""
    page = browser.new_page(viewport={"width": 1600, "height": 1000}, locale="vi-VN")
    page.set_default_timeout(20000)

    def console(message):
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(message.text)

    def response(resp):
        path = resp.url.split("//", 1)[-1].split("/", 1)[-1]
        if resp.status >= 400 and path.startswith(("admin/", "vendor/", "static/admin/")):
            problems.append(f"HTTP {resp.status} {resp.url}")

    page.on("console", console)
    page.on("response", response)
    page.on("pageerror", lambda err: problems.append(str(err)))
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def test_shipped_diagrams_open_without_warnings(live_server, browser, browser_login, artifacts):
    problems: list[str] = []
    page = new_page(browser, problems)
    browser_login(page, "quantri")
    # The compare page loads the standard viewer only (no extension of ours).
    page.goto(f"{live_server.url}/admin/processes/{KEY}/compare?from=1&to=1")
    page.wait_for_selector("body[data-compare-ready='1']")
    for key, name in SHIPPED.items():
        url = f"/admin/processes/{key}/versions/1/files/{name}"
        result = page.evaluate("""async (url) => {
            const holder = document.createElement('div');
            holder.className = 'bpmn-canvas';
            document.body.appendChild(holder);
            const viewer = new window.BpmnJS({container: holder});
            const xml = await (await fetch(url)).text();
            const {warnings} = await viewer.importXML(xml);
            const count = viewer.get('elementRegistry').getAll().length;
            viewer.destroy(); holder.remove();
            return {warnings: warnings.map(w => w.message), elements: count};
        }""", url)
        assert result["warnings"] == [], (key, result["warnings"])
        assert result["elements"] > 20, key
    # Our modeler, with the petitions:/spiffworkflow: descriptors: no warning either, and what it
    # exports keeps lanes' roles, forms and decisions (the server's deploy validation passes).
    page.goto(f"{live_server.url}/admin/processes/{KEY}/versions/1/edit")
    page.wait_for_selector("body[data-modeler-ready='1']")
    page.screenshot(path=str(artifacts / "admin-modeler-shipped.png"))
    for key, name in SHIPPED.items():
        result = page.evaluate("""async ([key, name]) => {
            const modeler = window.petitionsModeler;
            const xml = await (await fetch(`/admin/processes/${key}/versions/1/files/${name}`)).text();
            const {warnings} = await modeler.importXML(xml);
            const exported = (await modeler.saveXML({format: true})).xml;
            const token = document.querySelector('meta[name=csrf-token]').content;
            const response = await fetch('/admin/processes/validate', {method: 'POST',
                headers: {'Content-Type': 'application/json', 'X-CSRFToken': token},
                body: JSON.stringify({xml: exported, key: key, version: 1, file: name})});
            return {warnings: warnings.map(w => w.message), validation: await response.json(),
                    roles: (exported.match(/petitions:role=/g) || []).length,
                    fields: (exported.match(/<petitions:field /g) || []).length,
                    originalFields: (xml.match(/<petitions:field /g) || []).length,
                    decisions: (exported.match(/spiffworkflow:calledDecisionId/g) || []).length,
                    originalDecisions: (xml.match(/spiffworkflow:calledDecisionId/g) || []).length};
        }""", [key, name])
        assert result["warnings"] == [], (key, result["warnings"])
        assert result["validation"]["ok"], (key, result["validation"])
        assert result["roles"] >= 3 and result["fields"] == result["originalFields"] > 0, result
        assert result["decisions"] == result["originalDecisions"], result
    # The properties panel shows what the engine reads, and edits it through bpmn-js commands.
    page.evaluate("async (url) => window.petitionsModeler.importXML(await (await fetch(url)).text())",
                  f"/admin/processes/{KEY}/versions/1/files/{SHIPPED[KEY]}")

    def select(element_id: str) -> None:
        page.evaluate("(id) => { const m = window.petitionsModeler;"
                      " m.get('selection').select(m.get('elementRegistry').get(id)); }", element_id)

    def business(element_id: str, path: str):
        """A property of the element's business object, by dotted path."""
        return page.evaluate("([id, path]) => path.split('.').reduce((o, k) => o == null ? o : o[k],"
                             " window.petitionsModeler.get('elementRegistry').get(id).businessObject)",
                             [element_id, path])

    select("Lane_head")
    assert page.input_value("#properties-body select[name='pp-role']") == "head_of_unit"
    select("Timer_notice")
    assert page.input_value("#properties-body select[name='pp-timer-kind']") == "timeDate"
    assert page.input_value("#properties-body input[name='pp-timer-expression']") == "notice_due"
    assert "add_working_days(d, n)" in page.inner_text("#properties-body .hint")
    page.select_option("#properties-body select[name='pp-timer-kind']", "timeDuration")
    page.fill("#properties-body input[name='pp-timer-expression']", '"P10D"')
    page.press("#properties-body input[name='pp-timer-expression']", "Tab")
    assert business("Timer_notice", "eventDefinitions.0.timeDuration.body") == '"P10D"'
    assert business("Timer_notice", "eventDefinitions.0.timeDate") is None
    select("Script_register")
    assert "add_working_days(received_on, 10)" in page.input_value("#properties-body textarea[name='pp-script']")
    page.fill("#properties-body textarea[name='pp-script']", "priority = 1")
    page.press("#properties-body textarea[name='pp-script']", "Tab")
    assert business("Script_register", "script") == "priority = 1"
    select("Rule_classify")
    assert page.input_value("#properties-body select[name='pp-decision']") == "classify_petition"
    select("Flow_Gw_approved_Task_classify")
    assert page.input_value("#properties-body input[name='pp-condition']") == "approve == False"
    select("Task_approve_route")
    assert page.input_value("#properties-body input[name='pp-field-name-1']") == "approval_note"
    page.click("#properties-body .field-card:nth-of-type(2) .pp-remove-field")
    assert business("Task_approve_route", "extensionElements.values.0.fields.length") == 1
    page.evaluate("window.petitionsModeler.get('commandStack').undo()")
    assert business("Task_approve_route", "extensionElements.values.0.fields.length") == 2
    page.screenshot(path=str(artifacts / "admin-modeler-properties.png"))
    assert problems == []


def _definition_version(ctx, instance_id: int) -> int:
    with ctx.uow(write=False) as uow:
        instance = uow.session.get(ProcessInstance, instance_id)
        return uow.session.get(ProcessDefinition, instance.definition_id).version


def _ready(ctx, instance_id: int) -> list[dict]:
    return human_tasks.list_tasks(ctx, instance_id=instance_id)


def _diagram_point(page, x: float, y: float) -> tuple[float, float]:
    """Screen coordinates of a diagram point in the modeler's canvas."""
    return tuple(page.evaluate("""([x, y]) => {
        const canvas = window.petitionsModeler.get('canvas');
        const box = canvas.getContainer().getBoundingClientRect();
        const vb = canvas.viewbox();
        return [box.left + (x - vb.x) * vb.scale, box.top + (y - vb.y) * vb.scale];
    }""", [x, y]))


def test_administrator_edits_deploys_compares_and_migrates(live_server, browser, browser_login,
                                                           artifacts):
    ctx = live_server.engine_ctx
    running = [instances.start(ctx, KEY, actor="tiepdan", business_key=f"HS-{n}")["instance_id"]
               for n in range(4)]
    instances.suspend(ctx, running[2], actor="quantri", reason="Chờ bổ sung hồ sơ")
    instances.terminate(ctx, running[3], actor="quantri", reason="Công dân rút đơn")
    problems: list[str] = []
    page = new_page(browser, problems)
    browser_login(page, "quantri")

    # The process list, then the modeler on v1 (opened by clicking its link).
    page.goto(f"{live_server.url}/admin/processes")
    row = page.locator(f"#process-{KEY} tr[data-version='1']")
    assert "Đang chờ: 2" in row.inner_text() and "Tạm dừng: 1" in row.inner_text()
    page.screenshot(path=str(artifacts / "admin-processes.png"), full_page=True)
    row.get_by_role("link", name="Mở trên sơ đồ").click()
    page.wait_for_selector("body[data-modeler-ready='1']")
    assert page.evaluate("document.body.dataset.importWarnings") == "0"

    # Add a task with the palette, below "Vào sổ" in the reception lane, and make it a user task
    # with the context pad's replace menu.
    page.evaluate("window.petitionsModeler.get('canvas').zoom(1, {x: 150, y: 20})")
    page.evaluate("""() => {
        const canvas = window.petitionsModeler.get('canvas');
        const vb = canvas.viewbox();
        canvas.viewbox({x: 0, y: 0, width: vb.width, height: vb.height});
    }""")
    page.click(".djs-palette [data-action='create.task']")
    x, y = _diagram_point(page, 440, 205)
    page.mouse.move(x - 20, y - 20)
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    created = page.evaluate("""() => {
        const selected = window.petitionsModeler.get('selection').get();
        return selected.length === 1 ? {id: selected[0].id, type: selected[0].type} : null;
    }""")
    assert created and created["type"] == "bpmn:Task", created
    page.click(".djs-context-pad [data-action='replace']")
    page.click(".djs-popup [data-id='replace-with-user-task']")
    task_id = page.evaluate("window.petitionsModeler.get('selection').get()[0].id")
    assert page.evaluate(f"window.petitionsModeler.get('elementRegistry').get('{task_id}').type") \
        == "bpmn:UserTask"
    # Connect it to the registration script with the context pad's connect tool ...
    page.click(".djs-context-pad [data-action='connect']")
    sx, sy = _diagram_point(page, 530, 85)
    page.mouse.move(sx, sy)
    page.mouse.click(sx, sy)
    # ... and route the flow from "Vào sổ" into it (dragging a flow's end point is fragile).
    page.evaluate("""(taskId) => {
        const modeler = window.petitionsModeler;
        const registry = modeler.get('elementRegistry'), modeling = modeler.get('modeling');
        const task = registry.get(taskId);
        modeling.reconnectEnd(registry.get('Flow_Task_register_Script_register'), task,
                              {x: task.x + task.width / 2, y: task.y});
    }""", task_id)
    wiring = page.evaluate("""(taskId) => {
        const bo = window.petitionsModeler.get('elementRegistry').get(taskId).businessObject;
        return {incoming: bo.incoming.map(f => f.sourceRef.id), outgoing: bo.outgoing.map(f => f.targetRef.id),
                lane: bo.lanes ? bo.lanes.map(l => l.id) : null};
    }""", task_id)
    assert wiring["incoming"] == ["Task_register"] and wiring["outgoing"] == ["Script_register"], wiring

    # The name typed on the canvas (direct editing), then a form in the properties panel with one
    # required boolean field.
    tx, ty = _diagram_point(page, 440, 205)
    page.mouse.dblclick(tx, ty)
    page.wait_for_selector(".djs-direct-editing-parent")
    page.keyboard.press("Control+A")
    page.keyboard.type(NEW_TASK_NAME)
    ex, ey = _diagram_point(page, 800, 230)
    page.mouse.click(ex, ey)  # an empty spot of the lane: ends the editing
    assert page.evaluate(f"window.petitionsModeler.get('elementRegistry').get('{task_id}')"
                         ".businessObject.name") == NEW_TASK_NAME
    page.evaluate(f"""() => {{ const m = window.petitionsModeler;
        m.get('selection').select(m.get('elementRegistry').get('{task_id}')); }}""")
    assert page.input_value("#properties-body input[name='pp-name']") == NEW_TASK_NAME
    page.click("#properties-body .pp-add-field")
    page.fill("#properties-body input[name='pp-field-name-0']", "documents_complete")
    page.press("#properties-body input[name='pp-field-name-0']", "Tab")
    page.select_option("#properties-body select[name='pp-field-type-0']", "boolean")
    page.fill("#properties-body input[name='pp-field-label-0']", "Đủ giấy tờ kèm theo")
    page.press("#properties-body input[name='pp-field-label-0']", "Tab")
    page.check("#properties-body input[name='pp-field-required-0']")

    # A mistake on purpose: the reception lane loses its role; validation marks the lane.
    page.evaluate("""() => { const m = window.petitionsModeler;
        m.get('selection').select(m.get('elementRegistry').get('Lane_reception')); }""")
    page.select_option("#properties-body select[name='pp-role']", "")
    page.click("#btn-validate")
    page.wait_for_selector("#validation-errors:not([hidden]) .validation-error-item")
    assert "Lane_reception" in page.inner_text("#validation-list")
    assert page.locator(".djs-element.validation-error[data-element-id='Lane_reception']").count() == 1
    page.screenshot(path=str(artifacts / "admin-modeler-validation.png"))
    page.select_option("#properties-body select[name='pp-role']", "reception_officer")
    page.click("#btn-validate")
    page.wait_for_selector("#modeler-status.ok")
    assert "hợp lệ" in page.inner_text("#modeler-status")
    assert page.locator(".djs-element.validation-error").count() == 0

    # Save a draft, then deploy v2 with a tag.
    page.click("#btn-save-draft")
    page.locator("#modeler-status.ok", has_text="Đã lưu bản nháp").wait_for()
    page.fill("#deploy-tag", "thêm bước kiểm tra giấy tờ")
    page.click("#btn-deploy")
    page.wait_for_selector("body[data-deployed-version='2']")
    assert "Đã triển khai: phiên bản 1 → phiên bản 2" in page.inner_text("#modeler-status")
    page.screenshot(path=str(artifacts / "admin-modeler-deployed.png"))
    with ctx.uow(write=False) as uow:
        v2 = deployment.get_definition(uow, KEY, 2)
        assert (v2.tag, v2.deployed_by) == ("thêm bước kiểm tra giấy tờ", "quantri")
        assert v2.forms[task_id]["fields"][0] == {**v2.forms[task_id]["fields"][0],
                                                  "name": "documents_complete", "type": "boolean",
                                                  "required": True, "label": "Đủ giấy tờ kèm theo"}
        assert v2.lane_roles["Cán bộ tiếp công dân"] == "reception_officer"

    # New instances follow v2 (and take the new step); running ones stay on v1.
    fresh = instances.start(ctx, KEY, actor="tiepdan", business_key="HS-moi")["instance_id"]
    assert _definition_version(ctx, fresh) == 2
    assert [_definition_version(ctx, i) for i in running] == [1, 1, 1, 1]
    human_tasks.complete(ctx, _ready(ctx, fresh)[0]["id"], RECEPTION, REGISTER)
    assert [t["name"] for t in _ready(ctx, fresh)] == [NEW_TASK_NAME]

    # Compare v1 and v2: the new task is green on the new diagram, the rerouted flow orange.
    page.goto(f"{live_server.url}/admin/processes")
    page.screenshot(path=str(artifacts / "admin-processes-v2.png"), full_page=True)
    page.locator(f"#process-{KEY} tr[data-version='2']").get_by_role(
        "link", name="So với bản trước").click()
    page.wait_for_selector("body[data-compare-ready='1']")
    assert page.evaluate("document.body.dataset.importWarnings") == "0"
    assert page.locator(f"#canvas-new .djs-element.diff-added[data-element-id='{task_id}']").count() == 1
    assert page.locator("#canvas-new .djs-element.diff-changed"
                        "[data-element-id='Flow_Task_register_Script_register']").count() == 1
    assert page.locator(f"#canvas-old [data-element-id='{task_id}']").count() == 0
    assert NEW_TASK_NAME in page.inner_text(".diff-list")
    page.evaluate(f"""() => {{ for (const v of Object.values(window.petitionsCompare)) {{
        const canvas = v.get('canvas'); canvas.zoom(0.8, {{x: 440, y: 150}});
        const vb = canvas.viewbox(); canvas.viewbox({{x: 100, y: 0, width: vb.width, height: vb.height}}); }} }}""")
    page.screenshot(path=str(artifacts / "admin-compare.png"), full_page=True)

    # Bulk migration through the UI: dry run, then move every eligible instance with a reason.
    page.goto(f"{live_server.url}/admin/processes")
    page.locator(f"#process-{KEY} tr[data-version='1'] a.migrate-link").click()
    assert "3 hồ sơ chuyển được, 1 hồ sơ không chuyển được" in page.inner_text(".plan-summary")
    refused = page.locator(f"tr.plan-row[data-instance='{running[3]}']")
    assert "Không chuyển được" in refused.inner_text() and "chấm dứt" in refused.inner_text()
    assert refused.locator("input[type=checkbox]").count() == 0
    for instance_id in running[:3]:
        row = page.locator(f"tr.plan-row[data-instance='{instance_id}']")
        assert "Chuyển được" in row.inner_text()
        assert row.locator("input[type=checkbox]").is_checked()
    page.screenshot(path=str(artifacts / "admin-migration-plan.png"), full_page=True)
    page.fill("#reason", "Bổ sung bước kiểm tra giấy tờ kèm theo (quy định mới)")
    page.click("#migrate-submit")
    page.wait_for_selector(".migration-results")
    assert "đã chuyển 3/3 hồ sơ" in page.inner_text(".migration-results h2")
    assert "0 hồ sơ chuyển được, 1 hồ sơ không chuyển được" in page.inner_text(".plan-summary")
    page.screenshot(path=str(artifacts / "admin-migration-results.png"), full_page=True)

    assert [_definition_version(ctx, i) for i in running] == [2, 2, 2, 1]
    details = instances.details(ctx, running[0])
    migrated = [e for e in details["events"] if e["type"] == "instance_migrated"]
    assert migrated and migrated[0]["payload"]["from_version"] == 1 \
        and migrated[0]["payload"]["to_version"] == 2 and migrated[0]["actor"] == "quantri"
    assert instances.summary(ctx, running[2])["status"] == "suspended"
    # A migrated instance continues on v2: after "Vào sổ" comes the new step.
    human_tasks.complete(ctx, _ready(ctx, running[0])[0]["id"], RECEPTION, REGISTER)
    assert [t["name"] for t in _ready(ctx, running[0])] == [NEW_TASK_NAME]
    # An instance left on v1 (the terminated one) was not touched.
    with ctx.uow(write=False) as uow:
        statuses = {row.id: row.status for row in uow.session.execute(
            select(ProcessInstance.id, ProcessInstance.status))}
    assert statuses[running[3]] == "terminated"
    assert problems == []  # no script error, no CSP violation, no failed request of ours
