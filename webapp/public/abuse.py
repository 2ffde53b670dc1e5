"""What keeps scripts off the public forms without any outside service (the system runs
without internet): a honeypot field, a self-hosted proof-of-work solved by the page's script,
and, for a browser without JavaScript, a small sum asked in Vietnamese words.

Both puzzles come in a token signed with the app's secret key (HMAC-SHA256) with its issue time,
so the server keeps no state: the proof-of-work is a counter such that SHA-256(token ":"
counter) starts with ``POW_BITS`` zero bits (about 65,000 tries: a second in a phone's browser);
the sum's token carries its two numbers. A token older than ``MAX_AGE`` is refused. The per-
address rate limit (Flask-Limiter, behind the trusted-proxy setting) does the rest.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from flask import current_app

POW_BITS = 16
MAX_AGE = 2 * 3600
HONEYPOT = "website"
WORDS = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín", "mười"]


def _sign(text: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"public-form:{text}".encode(), hashlib.sha256).hexdigest()[:32]


def _fresh(issued: str) -> bool:
    try:
        age = time.time() - int(issued)
    except ValueError:
        return False
    return 0 <= age <= MAX_AGE


def new_puzzles() -> dict:
    """A proof-of-work challenge and a sum question for one form."""
    now = str(int(time.time()))
    nonce = secrets.token_hex(8)
    a, b = secrets.randbelow(6) + 1, secrets.randbelow(4) + 1
    return {"challenge": f"{now}.{nonce}.{_sign(now + nonce)}", "bits": POW_BITS,
            "question_token": f"{now}.{a}.{b}.{_sign(f'{now}{a}{b}')}",
            "question": f"{WORDS[a].capitalize()} cộng {WORDS[b]} bằng mấy?"}


def _leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        return bits + 8 - byte.bit_length()
    return bits


def pow_ok(challenge: str, counter: str) -> bool:
    parts = (challenge or "").split(".")
    if len(parts) != 3 or not counter or len(counter) > 20 or not counter.isdigit():
        return False
    issued, nonce, signature = parts
    if not hmac.compare_digest(signature, _sign(issued + nonce)) or not _fresh(issued):
        return False
    digest = hashlib.sha256(f"{challenge}:{counter}".encode()).digest()
    return _leading_zero_bits(digest) >= POW_BITS


def _number(answer: str) -> int | None:
    text = (answer or "").strip().lower()
    if text.isdigit():
        return int(text)
    return WORDS.index(text) if text in WORDS else None


def sum_ok(token: str, answer: str) -> bool:
    parts = (token or "").split(".")
    if len(parts) != 4:
        return False
    issued, a, b, signature = parts
    if not hmac.compare_digest(signature, _sign(f"{issued}{a}{b}")) or not _fresh(issued):
        return False
    return a.isdigit() and b.isdigit() and _number(answer) == int(a) + int(b)


def human(form) -> bool:
    """The honeypot is empty and one puzzle is solved."""
    if form.get(HONEYPOT):
        return False
    return pow_ok(form.get("pow_challenge", ""), form.get("pow_counter", "")) or \
        sum_ok(form.get("question_token", ""), form.get("question_answer", ""))


def solve(challenge: str) -> str:
    """The counter the page's script would find (tests and the command line use it)."""
    counter = 0
    while True:
        digest = hashlib.sha256(f"{challenge}:{counter}".encode()).digest()
        if _leading_zero_bits(digest) >= POW_BITS:
            return str(counter)
        counter += 1
