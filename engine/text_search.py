"""Vietnamese text normalised for matching: lower case, diacritics removed (đ → d), words only."""
from __future__ import annotations

import re
import unicodedata

_WORDS = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """'Khiếu nại về Đất đai' → 'khieu nai ve dat dai'."""
    decomposed = unicodedata.normalize("NFD", (text or "").lower().replace("đ", "d"))
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return " ".join(_WORDS.findall(stripped))
