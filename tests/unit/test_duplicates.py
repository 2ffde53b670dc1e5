"""Duplicate suggestions: TF-IDF (uni+bigrams) cosine over diacritic-free Vietnamese, same ID."""
from __future__ import annotations

from datetime import date

import pytest

from engine.text_search import fold
from petitions.register import duplicates, registration
from petitions.register.duplicates import THRESHOLD, similarities, terms
from petitions.register.registration import Registration, Sender
from tests.bpmn.harness import deploy_processes
from tests.support import actor

LAND = ("Khiếu nại Quyết định số 125/QĐ-UBND ngày 03/3/2026 của UBND xã về việc thu hồi 250 m2 "
        "đất nông nghiệp thửa số 12 tờ bản đồ số 5 của gia đình ông Nguyễn Văn An để làm đường "
        "giao thông, mức bồi thường thấp hơn giá thị trường.")
LAND_NO_DIACRITICS = ("Khieu nai quyet dinh so 125/QD-UBND cua UBND xa thu hoi 250 m2 dat nong "
                      "nghiep thua so 12 to ban do so 5 cua gia dinh toi de lam duong giao thong, "
                      "boi thuong qua thap so voi gia thi truong.")
LAND_REPHRASED = ("Tôi tiếp tục khiếu nại việc UBND xã thu hồi đất nông nghiệp thửa số 12 tờ bản "
                  "đồ số 5 của gia đình làm đường giao thông nhưng mức bồi thường thấp.")
WASTE = ("Phản ánh tình trạng xả rác thải sinh hoạt bừa bãi tại khu vực chợ thôn Đông, gây ô "
         "nhiễm môi trường và mùi hôi ảnh hưởng đến sức khỏe người dân.")
BENEFITS = ("Khiếu nại việc Chủ tịch UBND xã không giải quyết chế độ trợ cấp người có công cho gia "
            "đình bà Lê Thị Hoa theo quy định.")
ROAD = "Đề nghị sửa chữa đường liên thôn bị sụt lún, xuống cấp nghiêm trọng sau mưa lũ."
BRIBE = "Tố cáo cán bộ địa chính xã nhận tiền của người dân khi làm thủ tục cấp giấy chứng nhận."
OTHERS = [WASTE, BENEFITS, ROAD, BRIBE,
          "Kiến nghị lắp đặt đèn chiếu sáng công cộng tại ngõ 7 tổ dân phố số 3.",
          "Phản ánh quán karaoke hoạt động quá giờ quy định gây ồn ào ban đêm.",
          "Khiếu nại việc xử phạt vi phạm hành chính trong lĩnh vực xây dựng nhà ở không đúng.",
          "Đề nghị xem xét cấp giấy chứng nhận quyền sử dụng đất cho thửa đất đã sử dụng ổn định.",
          "Tố cáo trưởng thôn thu tiền đóng góp xây nhà văn hóa không công khai.",
          "Phản ánh việc chậm chi trả trợ cấp xã hội cho người cao tuổi trong thôn."]


def test_terms_fold_diacritics_drop_stop_words_and_keep_bigrams():
    counts = terms(fold("Khiếu nại về việc thu hồi đất đai của gia đình"))
    assert counts == terms(fold("khieu nai ve viec thu hoi dat dai cua gia dinh"))
    assert {"thu hoi", "dat dai", "khieu nai", "gia dinh"} <= set(counts)
    assert "ve" not in counts and "cua" not in counts


def test_near_duplicates_score_high_and_unrelated_low():
    corpus = {1: LAND, **{i + 2: text for i, text in enumerate(OTHERS)}}
    same_text = similarities(LAND, corpus)
    without_marks = similarities(LAND_NO_DIACRITICS, corpus)
    rephrased = similarities(LAND_REPHRASED, corpus)
    unrelated = similarities(ROAD.replace("đường liên thôn", "cầu tràn"), corpus)
    assert same_text[1] == pytest.approx(1.0)
    assert without_marks[1] >= 0.6           # seen: 0.70
    assert rephrased[1] >= 0.5               # seen: 0.62
    for scores in (same_text, without_marks, rephrased):
        assert max(v for k, v in scores.items() if k != 1) < 0.2
    assert unrelated.get(1, 0.0) < 0.1 and unrelated.get(2, 0.0) < THRESHOLD
    assert max(similarities(WASTE, {1: LAND, 2: BENEFITS}).values(), default=0.0) < 0.1


def test_empty_or_stop_word_only_query_matches_nothing():
    assert similarities("", {1: LAND}) == {}
    assert similarities("và của là", {1: LAND}) == {}


RECEPTION = actor("tiepdan", "reception_officer", unit="ubnd-xa-demo")


def _register(ctx, summary, *, id_number=None, name="Nguyễn Văn An", kind="complaint",
              field="land_housing"):
    reg = Registration(received_on=date(2026, 11, 20), channel="direct", petition_type=kind,
                       field=field, summary=summary,
                       senders=[Sender(name=name, id_number=id_number, phone="0912345678")])
    return registration.register(ctx, RECEPTION, reg)


def test_find_similar_by_id_number_and_by_text_without_sealed_identity(ctx):
    deploy_processes(ctx)
    land = _register(ctx, LAND, id_number="001203004567")
    waste = _register(ctx, WASTE, id_number="001203009999", field="other", kind="feedback")
    sealed = _register(ctx, BRIBE, id_number="079188001122", name="Trần Thị Kín",
                       kind="denunciation", field="corruption")

    by_text = duplicates.find_similar(ctx, LAND_NO_DIACRITICS, [], field="land_housing")
    assert [s["number"] for s in by_text] == [land["number"]]
    hit = by_text[0]
    assert THRESHOLD < hit["score"] < 1.0 and hit["reason"] == "Nội dung tương tự"
    assert hit["received_on"] == "2026-11-20" and hit["petition_type"] == "complaint"
    assert hit["status_label"] == "Đang xử lý" and hit["current_steps"] == ["Phân loại, đề xuất xử lý đơn"]
    assert hit["summary"].startswith("Khiếu nại Quyết định số 125") and len(hit["summary"]) <= 240

    by_id = duplicates.find_similar(ctx, ROAD, [" 001203009999 ", "abc", ""])
    assert [(s["number"], s["score"], s["reason"]) for s in by_id] == [
        (waste["number"], 1.0, "Cùng số định danh")]

    both = duplicates.find_similar(ctx, LAND_REPHRASED, ["001203004567"])
    assert both[0]["score"] == 1.0 and both[0]["reasons"][0] == "Cùng số định danh"
    assert both[0]["reasons"][1].startswith("Nội dung tương tự")

    hidden = duplicates.find_similar(ctx, BRIBE, ["079188001122"])
    assert [s["petition_id"] for s in hidden] == [sealed["petition_id"]] and hidden[0]["sealed"]
    flat = repr(hidden)
    assert "Trần Thị Kín" not in flat and "079188001122" not in flat and "0912345678" not in flat

    assert duplicates.find_similar(ctx, LAND, ["001203004567"], exclude_id=land["petition_id"]) == []
    assert duplicates.find_similar(ctx, LAND, [], limit=0) == []
