"""The pages of a letter transferred between units of one system (issue 20 §5).

The sending unit's petition file becomes a read-only trace (what it sent, to whom, when; no
form, no identity); the receiving unit's petition file shows where the letter came from, with
the history, and the sealed denouncer stays masked.
"""
from __future__ import annotations

from tests.integration.test_reports import Desk
from tests.web.test_petition_file import _client_for

NAME, ID_NUMBER = "Lò Văn Páo", "001203001122"


def _transferred(desk, unit: str, to_unit: str, day: str, slip: str) -> dict:
    desk.at(day)
    letter = desk.register(day, "denunciation", field="corruption", unit=unit, sender=NAME,
                           id_number=ID_NUMBER, summary="Tố cáo cán bộ thu tiền sai quy định")
    desk.classify(letter["instance_id"], petition_type="denunciation", within_competence=False)
    desk.complete(letter["instance_id"], "Task_intake_transfer", {
        "transfer_number": slip, "receiving_body": "Đơn vị khác", "transferred_on": day,
        "receiving_unit": to_unit})
    return letter


def test_sender_sees_a_read_only_trace_receiver_sees_the_origin(app, engine_ctx, clock):
    desk = Desk(engine_ctx, clock)
    away = _transferred(desk, "ubnd-xa-demo", "u2", "2026-10-05", "07/PC")
    arrived = _transferred(desk, "u1", "ubnd-xa-demo", "2026-10-06", "08/PC")
    officer = _client_for(app, "tiepdan")

    trace = officer.get(f"/petitions/{away['petition_id']}")
    text = trace.get_data(as_text=True)
    assert trace.status_code == 200 and f"Đơn số {away['number']} đã chuyển" in text
    assert "Đơn vị u2" in text and "07/PC" in text and away["tracking_code"] in text
    assert "Quá trình xử lý tại nơi chuyển" in text and "Hoàn thành bước" in text
    assert NAME not in text and ID_NUMBER not in text
    assert 'name="reason"' not in text and "/identity" not in text and "<textarea" not in text

    file = officer.get(f"/petitions/{arrived['petition_id']}")
    text = file.get_data(as_text=True)
    assert file.status_code == 200 and "Đơn chuyển đến từ Đơn vị u1" in text and "08/PC" in text
    assert NAME not in text and ID_NUMBER not in text and "đã niêm phong" in text
    # A letter neither held nor sent by the unit stays unknown to it.
    other = desk.register("2026-10-06", unit="u1")
    assert officer.get(f"/petitions/{other['petition_id']}").status_code == 404
