"""Provinces and wards in Vietnamese alphabetical order (issue 15): Đ after D, letters with their
shape marks in the alphabet's order, tones only to break ties, administrative prefixes ignored."""
from __future__ import annotations

from petitions.register import addresses
from petitions.register.collation import sort_key, without_prefix


def test_the_34_provinces_in_vietnamese_order():
    assert [p["name"] for p in addresses.provinces()] == [
        "An Giang", "Bắc Ninh", "Cà Mau", "Cao Bằng", "Thành phố Cần Thơ",
        "Thành phố Đà Nẵng", "Đắk Lắk", "Điện Biên", "Đồng Nai", "Đồng Tháp", "Gia Lai",
        "Thành phố Hà Nội", "Hà Tĩnh", "Thành phố Hải Phòng", "Thành phố Hồ Chí Minh",
        "Thành phố Huế", "Hưng Yên", "Khánh Hòa", "Lai Châu", "Lạng Sơn", "Lào Cai", "Lâm Đồng",
        "Nghệ An", "Ninh Bình", "Phú Thọ", "Quảng Ngãi", "Quảng Ninh", "Quảng Trị", "Sơn La",
        "Tây Ninh", "Thái Nguyên", "Thanh Hóa", "Tuyên Quang", "Vĩnh Long"]


def test_letters_then_tones():
    alphabet = "a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y".split()
    assert sorted(reversed(alphabet), key=sort_key) == alphabet
    # Tones after the base letters: equal letters are ordered by tone (CLDR vi), but a later
    # letter wins over any tone ("ba" with a tone still comes before "bă").
    assert sorted(["bạ", "bá", "bã", "bả", "bà", "ba"], key=sort_key) == [
        "ba", "bà", "bả", "bã", "bá", "bạ"]
    assert sorted(["bă", "bạ", "bac"], key=sort_key) == ["bạ", "bac", "bă"]
    assert sorted(["Điện Biên", "Đà Nẵng", "Dương Kinh", "Zô"], key=sort_key) == [
        "Dương Kinh", "Đà Nẵng", "Điện Biên", "Zô"]
    assert sorted(["Anh Sơn", "An Phú"], key=sort_key) == ["An Phú", "Anh Sơn"]  # space first
    assert without_prefix("Thành phố Hà Nội") == "Hà Nội" and without_prefix("Tỉnh Lào Cai") \
        == "Lào Cai" and without_prefix("Đặc khu Phú Quốc") == "Phú Quốc"


def test_wards_ignore_phuong_xa_and_follow_the_alphabet():
    hanoi = next(p["code"] for p in addresses.provinces() if p["name"] == "Thành phố Hà Nội")
    names = [w["name"] for w in addresses.wards(hanoi)]
    bare = [without_prefix(n) for n in names]
    assert bare == sorted(bare, key=sort_key)
    assert names[:12] == [
        "Xã An Khánh", "Phường Ba Đình", "Xã Ba Vì", "Phường Bạch Mai", "Xã Bát Tràng",
        "Xã Bất Bạt", "Xã Bình Minh", "Phường Bồ Đề", "Phường Cầu Giấy", "Xã Chuyên Mỹ",
        "Xã Chương Dương", "Phường Chương Mỹ"]
    d_names = [n for n in names if without_prefix(n)[0] in "DĐ"]
    assert d_names == [
        "Xã Dân Hòa", "Xã Dương Hòa", "Phường Dương Nội", "Xã Đa Phúc", "Phường Đại Mỗ",
        "Xã Đại Thanh", "Xã Đại Xuyên", "Xã Đan Phượng", "Phường Định Công", "Xã Đoài Phương",
        "Xã Đông Anh", "Phường Đống Đa", "Phường Đông Ngạc"]
