"""Finding a person's identity in free text, however it was typed.

Officers quote senders in summaries, notes and file names: in capitals, without diacritics, in
decomposed Unicode (NFD, as macOS and some phones send it), with the ID number grouped
(``001 987 654 321``) or the phone written ``0912.345.678`` / ``+84 912 345 678``. Exact string
replacement missed every one of those (security review, issue 12). Matching here runs on a folded
copy of the text (lower case, no diacritics, đ → d, every run of non-alphanumerics one separator)
that keeps, for each folded character, where it came from, so the replacement cuts the original.

Names and street addresses are matched as a whole sequence of words, never word by word: "Lương"
alone is also the word for salary. Digits are matched as a whole number with any separators
between them, never inside a longer number.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable

REDACTED = "[thông tin được bảo mật]"
_SEPARATORS = r"[\s.\-_/,()]*"
# A name shorter than this many letters (folded) would garble ordinary text: never matched alone.
_MIN_WORDS_LETTERS = 5


def _fold_char(char: str) -> str:
    base = unicodedata.normalize("NFD", char.lower().replace("đ", "d").replace("Đ", "d"))
    return "".join(c for c in base if unicodedata.category(c) != "Mn")


@dataclass(frozen=True)
class Folded:
    """A folded copy of ``original`` and, for each folded character, its source span."""

    original: str
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    @classmethod
    def of(cls, original: str) -> "Folded":
        chars: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        for index, char in enumerate(original):
            if unicodedata.category(char) == "Mn":  # a combining mark belongs to the char before
                if ends:
                    ends[-1] = index + 1
                continue
            for piece in _fold_char(char):
                chars.append(piece)
                starts.append(index)
                ends.append(index + 1)
        return cls(original, "".join(chars), tuple(starts), tuple(ends))

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of folded characters ``start:end``."""
        return self.starts[start], self.ends[end - 1]


def fold_words(value: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", Folded.of(value or "").text)


def _digits(value: str | None) -> str:
    return "".join(c for c in (value or "") if c.isdigit())


def name_pattern(value: str | None) -> str | None:
    """A name or street address as a whole word sequence, any case, diacritics or spacing."""
    words = fold_words(value or "")
    if not words or sum(len(w) for w in words) < _MIN_WORDS_LETTERS:
        return None
    return r"(?<![a-z0-9])" + r"[^a-z0-9]+".join(map(re.escape, words)) + r"(?![a-z0-9])"


def number_pattern(value: str | None) -> str | None:
    """An ID number with any grouping: never a part of a longer number."""
    digits = _digits(value)
    if len(digits) < 6:
        return None
    return r"(?<![0-9])" + _SEPARATORS.join(digits) + r"(?![0-9])"


def phone_pattern(value: str | None) -> str | None:
    """A Vietnamese phone number as 0xxx, 84xxx or +84xxx, with any grouping."""
    digits = _digits(value)
    if digits.startswith("84") and len(digits) >= 11:
        digits = "0" + digits[2:]
    if len(digits) < 8:
        return None
    national = digits[1:] if digits.startswith("0") else digits
    prefix = r"(?:(?:\+\s*)?8" + _SEPARATORS + "4|0)" + _SEPARATORS
    return r"(?<![0-9])" + prefix + _SEPARATORS.join(national) + r"(?![0-9])"


@dataclass(frozen=True)
class Identity:
    """What identifies one person: the strings a redaction must find."""

    name: str | None = None
    id_number: str | None = None
    phone: str | None = None
    address: str | None = None


class IdentityMatcher:
    """Finds and replaces any of the given identities in text; a no-op when there are none."""

    def __init__(self, identities: Iterable[Identity]):
        patterns: list[str] = []
        for person in identities:
            patterns += [name_pattern(person.name), number_pattern(person.id_number),
                         phone_pattern(person.phone), name_pattern(person.address)]
        # Longest first, so a full address wins over a name inside it.
        unique = sorted({p for p in patterns if p}, key=len, reverse=True)
        self._regex = re.compile("|".join(f"(?:{p})" for p in unique)) if unique else None

    def __bool__(self) -> bool:
        return self._regex is not None

    def contains(self, text: str | None) -> bool:
        return bool(self._regex and text and self._regex.search(Folded.of(text).text))

    def redact(self, text: str | None) -> str | None:
        """``text`` with every occurrence replaced by ``REDACTED``."""
        if not self._regex or not text:
            return text
        folded = Folded.of(text)
        pieces, last = [], 0
        for match in self._regex.finditer(folded.text):
            start, end = folded.span(match.start(), match.end())
            if start < last:
                continue
            pieces += [text[last:start], REDACTED]
            last = end
        if not pieces:
            return text
        return "".join(pieces) + text[last:]

    def redact_value(self, value):
        """Strings anywhere in a JSON-like value."""
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, list):
            return [self.redact_value(v) for v in value]
        if isinstance(value, dict):
            return {k: self.redact_value(v) for k, v in value.items()}
        return value
