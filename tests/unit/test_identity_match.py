"""Finding a sender in free text however it was typed (petitions/identity/matching.py)."""
from __future__ import annotations

import unicodedata

import pytest

from petitions.identity.matching import REDACTED, Identity, IdentityMatcher
from petitions.identity.redaction import Redactor

PERSON = Identity(name="Lương Hữu Phước Thịnh", id_number="025999888777", phone="0966555444",
                  address="Số 17 ngõ Văn Chương")
MATCHER = IdentityMatcher([PERSON])


@pytest.mark.parametrize("text", [
    "Ông Lương Hữu Phước Thịnh tố cáo",
    "ÔNG LƯƠNG HỮU PHƯỚC THỊNH TỐ CÁO",
    "ong luong huu phuoc thinh to cao",
    unicodedata.normalize("NFD", "Ông Lương Hữu Phước Thịnh tố cáo"),
    "Lương  Hữu\nPhước\tThịnh",
    "CCCD 025 999 888 777",
    "CCCD 025.999.888.777",
    "gọi 0966 555 444",
    "gọi 0966-555-444",
    "gọi +84 966 555 444",
    "gọi 84966555444",
    "ở số 17, ngõ Văn Chương",
    "O SO 17 NGO VAN CHUONG",
])
def test_every_spelling_is_found_and_cut(text):
    assert MATCHER.contains(text)
    redacted = MATCHER.redact(text)
    assert REDACTED in redacted and not MATCHER.contains(redacted)


@pytest.mark.parametrize("text", [
    "Lương tháng 5 chưa trả",            # one word of the name is an ordinary word (salary)
    "Hữu Phước là tên cửa hàng",
    "số 1025999888777 không phải số định danh",   # the ID inside a longer number
    "điện thoại 09665554449",
    "ngõ Văn Chương",                    # the street without the house number
])
def test_parts_and_longer_numbers_are_left_alone(text):
    assert not MATCHER.contains(text) and MATCHER.redact(text) == text


def test_cut_keeps_the_rest_of_the_text_exactly():
    text = unicodedata.normalize("NFD", "Đơn của LUONG HUU PHUOC THINH, SĐT 0966.555.444 — hết.")
    assert MATCHER.redact(text) == (unicodedata.normalize("NFD", "Đơn của ") + REDACTED +
                                    unicodedata.normalize("NFD", ", SĐT ") + REDACTED +
                                    unicodedata.normalize("NFD", " — hết."))


def test_values_inside_lists_and_dicts():
    value = {"a": ["luong huu phuoc thinh", 3], "b": {"c": "025999888777"}, "d": True}
    assert MATCHER.redact_value(value) == {"a": [REDACTED, 3], "b": {"c": REDACTED}, "d": True}


def test_no_identity_is_a_no_op():
    empty = IdentityMatcher([Identity(name="An")])  # too short to cut safely
    assert not empty and empty.redact("An ở đây") == "An ở đây"


def test_page_redactor_uses_the_same_matching():
    redactor = Redactor(["Lương Hữu Phước Thịnh", "025999888777", "0966555444"])
    assert redactor.text("LUONG HUU PHUOC THINH, 025 999 888 777, +84 966 555 444") == \
        f"{REDACTED}, {REDACTED}, {REDACTED}"
