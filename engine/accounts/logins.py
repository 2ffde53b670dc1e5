"""Server-side login sessions and login throttling (per account and per address).

Sessions: every login stores a row whose key is the SHA-256 of a random token; only the browser
holds the token (inside the signed Flask cookie). A session is valid while it is not revoked, was
used within ``IDLE_LIMIT`` and is younger than ``ABSOLUTE_LIMIT``. Logging out revokes it, so a
cookie captured before logout is worthless afterwards; a new password or a deactivation revokes
every session of the user.

Throttling: failures are counted in the database (no Redis needed) per typed user name — existing
or not, so the answer does not reveal which names exist — and per client address. Past a few
failures each further failure doubles the wait (NIST SP 800-63B §5.2.2 "rate limiting"); while
the wait runs even the right password is refused. A success clears the account's counter only:
an attacker cannot clear an address's counter by logging in to their own account.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from engine.accounts.models import LoginFailure, LoginSession
from engine.audit import chain as audit
from engine.audit.chain import PendingEvent
from engine.errors import Conflict

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from engine.context import EngineContext

USERS_CHAIN = "users"
IDLE_LIMIT = timedelta(hours=8)
ABSOLUTE_LIMIT = timedelta(hours=24)
# Writing last_seen on every request would make every page a write; a minute is precise enough.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Policy:
    """Free failures, then ``base`` doubled per further failure, never more than ``cap``."""

    free: int
    base: timedelta
    cap: timedelta


ACCOUNT_POLICY = Policy(free=5, base=timedelta(seconds=30), cap=timedelta(hours=1))
# An office shares one address (NAT): more room there, the per-account limit does the rest.
ADDRESS_POLICY = Policy(free=20, base=timedelta(seconds=30), cap=timedelta(hours=1))
# Failures older than this no longer count: a forgotten password last month is forgiven.
FORGET_AFTER = timedelta(hours=24)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# -- sessions ---------------------------------------------------------------------------------------
def start_session(ctx: "EngineContext", username: str, *, address: str | None = None) -> str:
    """Record a new session for ``username`` (audited); returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        uow.session.add(LoginSession(token_hash=_hash(token), username=username, created_at=now,
                                     last_seen_at=now))
        audit.append_chain_event(uow.session, USERS_CHAIN, PendingEvent(
            "login", username, {"username": username, "address": address}), now,
            lock=uow.dialect == "postgresql")
        uow.commit()
    return token


def session_user(ctx: "EngineContext", token: str | None) -> str | None:
    """The user name of a valid session token; None for an unknown, revoked or expired one."""
    if not token or len(token) > 200:
        return None
    now = ctx.clock.now()
    with ctx.uow(write=False) as uow:
        row = uow.session.scalars(select(LoginSession)
                                  .where(LoginSession.token_hash == _hash(token))).first()
        if row is None or row.revoked_at is not None:
            return None
        if now - row.last_seen_at > IDLE_LIMIT or now - row.created_at > ABSOLUTE_LIMIT:
            return None
        username, last_seen, session_id = row.username, row.last_seen_at, row.id
    if now - last_seen >= TOUCH_EVERY:
        with ctx.uow() as uow:
            uow.session.execute(update(LoginSession).where(LoginSession.id == session_id)
                                .values(last_seen_at=now))
            uow.commit()
    return username


def end_session(ctx: "EngineContext", token: str | None, *, address: str | None = None) -> None:
    """Logout: revoke this session (audited). Unknown or already revoked tokens do nothing."""
    if not token:
        return
    now = ctx.clock.now()
    with ctx.uow() as uow:
        row = uow.session.scalars(select(LoginSession)
                                  .where(LoginSession.token_hash == _hash(token))).first()
        if row is None or row.revoked_at is not None:
            return
        row.revoked_at, row.revoked_reason = now, "logout"
        audit.append_chain_event(uow.session, USERS_CHAIN, PendingEvent(
            "logout", row.username, {"username": row.username, "address": address}), now,
            lock=uow.dialect == "postgresql")
        uow.commit()


def revoke_all(session: "Session", username: str, now: datetime, reason: str) -> int:
    """Revoke every open session of ``username`` inside the caller's unit of work."""
    result = session.execute(update(LoginSession)
                             .where(LoginSession.username == username,
                                    LoginSession.revoked_at.is_(None))
                             .values(revoked_at=now, revoked_reason=reason))
    return result.rowcount or 0


# -- throttling -------------------------------------------------------------------------------------
def account_subject(username: str) -> str:
    return "user:" + (username or "")[:200]


def address_subject(address: str | None) -> str:
    return "ip:" + (address or "unknown")[:45]


def locked_until(ctx: "EngineContext", subjects: list[str]) -> datetime | None:
    """The latest end of a running back-off among ``subjects``; None when login may be tried."""
    now = ctx.clock.now()
    with ctx.uow(write=False) as uow:
        ends = [row.locked_until for row in uow.session.scalars(
            select(LoginFailure).where(LoginFailure.subject.in_(subjects)))
            if row.locked_until is not None and row.locked_until > now]
    return max(ends) if ends else None


def _wait(policy: Policy, failures: int) -> timedelta | None:
    over = failures - policy.free
    if over < 0:
        return None
    return min(policy.base * (2 ** min(over, 20)), policy.cap)


def record_failure(ctx: "EngineContext", username: str, address: str | None) -> datetime | None:
    """Count one failed login against the account name and the address; returns the back-off end
    (None if the next attempt is free)."""
    now = ctx.clock.now()
    ends = []
    for subject, policy in ((account_subject(username), ACCOUNT_POLICY),
                            (address_subject(address), ADDRESS_POLICY)):
        for attempt in range(3):  # a parallel first failure may insert the row first: retry
            try:
                end = _count(ctx, subject, policy, now)
                break
            except (IntegrityError, Conflict):
                if attempt == 2:
                    raise
        if end is not None:
            ends.append(end)
    return max(ends) if ends else None


def _count(ctx: "EngineContext", subject: str, policy: Policy, now: datetime) -> datetime | None:
    with ctx.uow() as uow:
        row = uow.session.scalars(select(LoginFailure).where(LoginFailure.subject == subject)
                                  .with_for_update()).first()
        if row is None:
            row = LoginFailure(subject=subject, failures=0, last_failure_at=now)
            uow.session.add(row)
        elif now - row.last_failure_at > FORGET_AFTER:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        wait = _wait(policy, row.failures)
        row.locked_until = now + wait if wait else None
        end = row.locked_until
        uow.commit()
    return end


def record_success(ctx: "EngineContext", username: str) -> None:
    """A correct login outside any back-off clears the account's counter."""
    with ctx.uow() as uow:
        row = uow.session.get(LoginFailure, account_subject(username))
        if row is not None:
            uow.session.delete(row)
            uow.commit()
