"""Vietnamese alphabetical order without ICU: a sort key for names such as provinces and wards.

The alphabet orders letters with their shape marks as letters of their own:
a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y (f j w z, foreign, where Latin puts
them). Tones only break ties between names equal letter for letter, in the order of the
Vietnamese collation (CLDR "vi"): no tone, huyền, hỏi, ngã, sắc, nặng. "Đà Nẵng" therefore comes
after every D… and before "Điện Biên"; "Cà Mau" before "Cao Bằng", "Cần Thơ" after both.
Administrative prefixes ("Thành phố", "Tỉnh", "Phường", "Xã"…) are not part of the name's order.
"""
from __future__ import annotations

import unicodedata

_LETTERS = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_RANK = {letter: i + 2 for i, letter in enumerate(_LETTERS)}   # 0: end of name, 1: space
# Combining marks that make a letter (breve, circumflex, horn) and those that are tones.
_SHAPES = {"\u0306", "\u0302", "\u031b"}
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
PREFIXES = ("thành phố ", "tỉnh ", "phường ", "xã ", "đặc khu ", "thị trấn ", "thị xã ",
            "quận ", "huyện ")


def _letters(name: str) -> list[tuple[str, int]]:
    """(letter with its shape marks, tone) for each base character of ``name`` (lower case)."""
    result: list[tuple[str, int]] = []
    for char in unicodedata.normalize("NFD", name.lower()):
        if char in _SHAPES and result:
            base, tone = result[-1]
            result[-1] = (unicodedata.normalize("NFC", base + char), tone)
        elif char in _TONES and result:
            result[-1] = (result[-1][0], _TONES[char])
        elif unicodedata.category(char) != "Mn":
            result.append((char, 0))
    return result


def without_prefix(name: str) -> str:
    lowered = (name or "").strip().lower()
    for prefix in PREFIXES:
        if lowered.startswith(prefix) and len(lowered) > len(prefix):
            return name.strip()[len(prefix):]
    return (name or "").strip()


def sort_key(name: str) -> tuple:
    """Letters first, tones to break ties, then the prefix, then the text itself (total order)."""
    bare = without_prefix(name)
    letters = _letters(" ".join(bare.split()))
    primary = tuple(1 if c == " " else _RANK.get(c, 100 + ord(c)) for c, _t in letters)
    tones = tuple(t for _c, t in letters)
    return primary, tones, name.lower(), name
