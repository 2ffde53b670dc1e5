"""Minimal users, roles and units (the web app adds login and passwords)."""
from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Iterable, Mapping

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from zxcvbn import zxcvbn

from engine.accounts import logins
from engine.accounts.actor import Actor
from engine.accounts.delegations import is_acting_head
from engine.accounts.models import Unit, User, UserRole
from engine.accounts.roles import ADMINISTRATOR, HEAD_OF_UNIT
from engine.accounts.units import supervised_units
from engine.audit import chain as audit
from engine.audit.chain import PendingEvent
from engine.errors import Conflict, InvalidInput, NotFound
from engine.text_search import fold

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from engine.context import EngineContext

USERS_CHAIN = "users"
MIN_PASSWORD = 8
MAX_PASSWORD = 200  # zxcvbn's time grows with length; a passphrase of 200 characters is plenty
MIN_STRENGTH = 3    # zxcvbn score 0–4: 3 = "safely unguessable" for an online attack, with throttling
# zxcvbn's feedback, in Vietnamese (NIST SP 800-63B §5.1.1.2: tell the user why it was refused).
_FEEDBACK_VI = {
    "This is a top-10 common password.": "đây là một trong 10 mật khẩu phổ biến nhất",
    "This is a top-100 common password.": "đây là một trong 100 mật khẩu phổ biến nhất",
    "This is a very common password.": "đây là mật khẩu rất phổ biến",
    "This is similar to a commonly used password.": "mật khẩu gần giống một mật khẩu phổ biến",
    "A word by itself is easy to guess.": "một từ đơn lẻ rất dễ đoán",
    "Names and surnames by themselves are easy to guess.": "tên riêng, họ đứng một mình rất dễ đoán",
    "Common names and surnames are easy to guess.": "tên và họ phổ biến rất dễ đoán",
    'Repeats like "aaa" are easy to guess.': "ký tự lặp lại (như “aaa”) rất dễ đoán",
    'Sequences like "abc" or "6543" are easy to guess.': "dãy liên tiếp (như “abc”, “6543”) rất dễ đoán",
    "Straight rows of keys are easy to guess.": "một hàng phím liền nhau rất dễ đoán",
    "Short keyboard patterns are easy to guess.": "mẫu gõ phím ngắn rất dễ đoán",
    "Recent years are easy to guess.": "năm gần đây rất dễ đoán",
    "Dates are often easy to guess.": "ngày tháng thường dễ đoán",
}


def check_password(password: str, user_inputs: Iterable[str] = ()) -> None:
    """InvalidInput (Vietnamese, with the reason) unless ``password`` is long and hard enough to
    guess: at least 8 characters and zxcvbn score ≥ 3, the user's own names counting as known
    words (a password built on one's user name is the first thing an attacker tries)."""
    if not password or len(password) < MIN_PASSWORD:
        raise InvalidInput(f"Mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(f"Mật khẩu dài tối đa {MAX_PASSWORD} ký tự")
    # Names as typed and without diacritics, whole and word by word ("Trần Văn Xử" → "tranvanxu",
    # "tran", "van", "xu"): Vietnamese users type their name without accents in a password.
    inputs: list[str] = []
    for value in filter(None, user_inputs):
        folded = fold(value).split()
        inputs += [value, *value.split(), "".join(folded), *folded]
    result = zxcvbn(password, user_inputs=inputs)
    if result["score"] >= MIN_STRENGTH:
        return
    typed = fold(password).replace(" ", "")
    if any(len(w) >= 4 and fold(w).replace(" ", "") in typed for w in inputs):
        reason = "mật khẩu chứa tên đăng nhập hoặc họ tên của người dùng"
    else:
        reason = _FEEDBACK_VI.get(result["feedback"].get("warning") or "", "mật khẩu quá dễ đoán")
    raise InvalidInput(f"Mật khẩu quá yếu: {reason}. Hãy dùng một cụm vài từ không liên quan đến "
                       "nhau hoặc chuỗi dài ngẫu nhiên; tránh tên, ngày sinh, dãy số, mật khẩu "
                       "phổ biến.")
log = logging.getLogger(__name__)


def _hasher() -> PasswordHasher:
    # The test suite hashes hundreds of passwords; it alone sets this. Verification always uses the
    # parameters stored in each hash, so a strong hash stays strong whatever this says.
    if os.environ.get("PETITIONS_INSECURE_FAST_HASHING") == "1":
        log.warning("PETITIONS_INSECURE_FAST_HASHING=1: new password hashes are weak (tests only)")
        return PasswordHasher.from_parameters(profiles.CHEAPEST)
    return PasswordHasher()


_HASHER = _hasher()
# Verifying against this when the user does not exist keeps the response time the same, so the
# login page does not reveal which user names exist.
_DUMMY_HASH = _HASHER.hash("not-a-real-password")


def _clean_roles(roles: Iterable[str], known: Mapping[str, str]) -> list[str]:
    roles = sorted(set(roles))
    unknown = [r for r in roles if r not in known]
    if unknown:
        raise InvalidInput(f"Vai trò không tồn tại: {', '.join(unknown)} "
                           f"(có: {', '.join(known)})")
    if not roles:
        raise InvalidInput("Phải có ít nhất một vai trò")
    return roles


def add_user(ctx: "EngineContext", username: str, roles: Iterable[str], *, actor: str,
             unit: str | None = None, display_name: str | None = None,
             password_hash: str | None = None, email: str | None = None,
             password: str | None = None, create_unit: bool = True) -> dict:
    """Create a user with roles; a unit code that does not exist yet is created with it (unless
    ``create_unit`` is false: the administrators' pages pick an existing unit).

    ``password`` (checked for strength) or a precomputed ``password_hash`` sets the login.
    """
    username = (username or "").strip()
    if not username or len(username) > 200 or any(c.isspace() for c in username):
        raise InvalidInput("Tên đăng nhập phải có 1–200 ký tự, không có khoảng trắng")
    role_codes = _clean_roles(roles, ctx.roles)
    if password is not None and password_hash is None:
        check_password(password, [username, display_name or ""])
        password_hash = _HASHER.hash(password)
    if email is not None and ("@" not in email or len(email) > 320 or any(c.isspace() for c in email)):
        raise InvalidInput(f"Địa chỉ thư không hợp lệ: {email!r}")
    with ctx.uow() as uow:
        session = uow.session
        if session.scalars(select(User).where(User.username == username)).first():
            raise Conflict(f"Người dùng '{username}' đã tồn tại")
        unit_row = None
        if unit:
            unit_row = session.scalars(select(Unit).where(Unit.code == unit)).first()
            if unit_row is None and not create_unit:
                raise InvalidInput(f"Không có đơn vị '{unit}'")
            if unit_row is None:
                unit_row = Unit(code=unit, name=unit)
                session.add(unit_row)
                session.flush()
        user = User(username=username, display_name=display_name or username,
                    unit_id=unit_row.id if unit_row else None, password_hash=password_hash,
                    email=email,
                    active=True, created_at=ctx.clock.now())
        session.add(user)
        session.flush()
        session.add_all([UserRole(user_id=user.id, role=r) for r in role_codes])
        audit.append_chain_event(session, USERS_CHAIN, PendingEvent(
            "user_added", actor, {"username": username, "roles": role_codes, "unit": unit}),
            ctx.clock.now(), lock=uow.dialect == "postgresql")
        uow.commit()
    return {"username": username, "roles": role_codes, "unit": unit}


def actor_for(ctx: "EngineContext", username: str) -> Actor:
    """The acting user's roles and unit, read from the database (never trusted from the caller)."""
    with ctx.uow(write=False) as uow:
        user = uow.session.scalars(select(User).where(User.username == username)).first()
        if user is None or not user.active:
            raise NotFound(f"Không tìm thấy người dùng '{username}'")
        roles = frozenset(uow.session.scalars(select(UserRole.role)
                                              .where(UserRole.user_id == user.id)))
        unit = uow.session.get(Unit, user.unit_id).code if user.unit_id else None
        if is_acting_head(uow.session, user.username, unit, ctx.clock.now()):
            roles |= {HEAD_OF_UNIT}  # an acting head, for the recorded period (issue 12 §3)
        supervised = supervised_units(uow.session, user)  # subtree ∪ scopes (units.py)
        return Actor(username=user.username, roles=roles, unit=unit, supervised=supervised)


def hash_password(password: str) -> str:
    """An argon2 hash; only the length is checked here (the demo seed hashes its published
    password once), the strength in ``set_password``/``add_user``."""
    if not password or len(password) < MIN_PASSWORD:
        raise InvalidInput(f"Mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự")
    return _HASHER.hash(password)


def set_password(ctx: "EngineContext", username: str, password: str, *, actor: str,
                 password_hash: str | None = None) -> None:
    """Store an argon2 hash of a new password (audited, the password itself never).

    A typed password must pass ``check_password``; every open session of the user ends (whoever
    knew the old password is logged out). ``password_hash`` is for a precomputed hash (demo seed).
    """
    with ctx.uow(write=False) as uow:
        user = uow.session.scalars(select(User).where(User.username == username)).first()
        if user is None:
            raise NotFound(f"Không tìm thấy người dùng '{username}'")
        display_name = user.display_name
    if password_hash is None:
        check_password(password, [username, display_name])
        password_hash = hash_password(password)
    with ctx.uow() as uow:
        user = uow.session.scalars(select(User).where(User.username == username)).first()
        if user is None:
            raise NotFound(f"Không tìm thấy người dùng '{username}'")
        user.password_hash = password_hash
        logins.revoke_all(uow.session, username, ctx.clock.now(), "password_changed")
        audit.append_chain_event(uow.session, USERS_CHAIN, PendingEvent(
            "password_set", actor, {"username": username}), ctx.clock.now(),
            lock=uow.dialect == "postgresql")
        uow.commit()


def set_active(ctx: "EngineContext", username: str, active: bool, *, actor: str) -> None:
    """Activate or deactivate a user (audited); deactivating ends every open session at once.

    Nobody deactivates themselves, and the last active administrator stays (someone must be
    able to manage the system). Users are never deleted: the history keeps their names.
    """
    if not active and username == actor:
        raise InvalidInput("Không thể tự vô hiệu hóa tài khoản của mình")
    with ctx.uow() as uow:
        user = uow.session.scalars(select(User).where(User.username == username)).first()
        if user is None:
            raise NotFound(f"Không tìm thấy người dùng '{username}'")
        if user.active == active:
            raise Conflict("Tài khoản đã ở trạng thái này; không có gì thay đổi")
        if not active:
            keep_an_administrator(uow.session, user, lock=uow.dialect == "postgresql")
        user.active = active
        if not active:
            logins.revoke_all(uow.session, username, ctx.clock.now(), "deactivated")
        audit.append_chain_event(uow.session, USERS_CHAIN, PendingEvent(
            "user_activated" if active else "user_deactivated", actor, {"username": username}),
            ctx.clock.now(), lock=uow.dialect == "postgresql")
        uow.commit()


def keep_an_administrator(session: "Session", user: User, *, lock: bool) -> None:
    """InvalidInput if ``user`` is the last active administrator (about to be deactivated or to
    lose the role). On PostgreSQL the administrators' rows are locked first, so two
    administrators removing each other at once cannot both pass."""
    query = (select(User.id).join(UserRole, UserRole.user_id == User.id)
             .where(UserRole.role == ADMINISTRATOR, User.active.is_(True)))
    admins = set(session.scalars(query.with_for_update() if lock else query))
    if user.id in admins and not admins - {user.id}:
        raise InvalidInput("Không thể vô hiệu hóa hoặc bỏ vai trò của quản trị viên cuối cùng "
                           "còn hoạt động")


def authenticate(ctx: "EngineContext", username: str, password: str) -> Actor | None:
    """The actor for correct credentials of an active user; None otherwise (no detail why)."""
    with ctx.uow(write=False) as uow:
        user = uow.session.scalars(select(User).where(User.username == (username or "").strip())).first()
        stored = user.password_hash if user is not None and user.active else None
    try:
        _HASHER.verify(stored or _DUMMY_HASH, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if stored is None:
        return None
    return actor_for(ctx, user.username)


def display_names(ctx: "EngineContext", usernames: Iterable[str]) -> dict[str, str]:
    with ctx.uow(write=False) as uow:
        rows = uow.session.execute(select(User.username, User.display_name)
                                   .where(User.username.in_(sorted(set(usernames))))).all()
        return dict(rows)


def users_with_role(session: "Session", role: str, unit: str | None = None) -> list[User]:
    """Active users holding ``role``: those of ``unit`` when it is given, or, where nobody there
    holds it, of the nearest unit above it (the body above). Never anyone of another branch:
    another unit's head must not learn of this unit's cases."""
    query = (select(User).join(UserRole, UserRole.user_id == User.id)
             .where(UserRole.role == role, User.active.is_(True)).order_by(User.username))
    if unit is None:
        return list(session.scalars(query))
    row = session.execute(select(Unit.id, Unit.parent_id).where(Unit.code == unit)).first()
    seen: set[int] = set()
    while row is not None and row.id not in seen:
        seen.add(row.id)
        found = list(session.scalars(query.where(User.unit_id == row.id)))
        if found or row.parent_id is None:
            return found
        row = session.execute(select(Unit.id, Unit.parent_id).where(Unit.id == row.parent_id)).first()
    return []
