"""Logging in without telling more than "yes" or "no" (issue 12 defect 7).

* **Throttling.** Failed logins are counted per account — the email as typed, whether
  or not an administrator holds it, so a refusal tells nothing about who exists — and
  per client address.  After ``ACCOUNT_LIMIT`` failures within ``WINDOW`` an account is
  locked; an address after ``ADDRESS_LIMIT`` (several administrators may share one
  address; a password sprayer tries many accounts from one).  A locked account or
  address is refused, right password or not, for a back-off that doubles with each
  lockout (``BACKOFF``, at most ``MAX_BACKOFF``); once locked, each further failure
  locks it again, until a success resets the account or a day passes without a failure
  (``FORGET``).  A success does not reset its address: the holder of one password
  could otherwise clear the count of the guesses made from there at other accounts.
* **Counted before checked.**  An attempt counts as failed before its password is
  checked, and is taken back when the password was right: concurrent attempts
  (threads, several console processes on one database) cannot slip past the limit
  while their passwords are checked, and the slow check (scrypt) runs outside the
  database's transaction.
* The counts are in the database (``login_throttle``), so every console process sees
  the same ones; time comes from the store's injected clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine.errors import Throttled
from engine.security import hash_token

from .common import aware, duration_text
from .database import ConsoleDatabase
from .schema import LoginThrottleRow

WINDOW = timedelta(minutes=15)
ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 20
BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=1)
FORGET = timedelta(days=1)


@dataclass(frozen=True)
class Attempt:
    """A login admitted and counted as failed: the keys it was counted under (the
    account's first), and whether counting it locked each."""

    keys: tuple[str, ...]
    locked: tuple[bool, ...]


@dataclass(frozen=True)
class Counted:
    """What a failure is counted against: one account or one address."""

    key: str
    limit: int
    whose: str  # how the refusal names it


class LoginThrottle:
    def __init__(self, db: ConsoleDatabase) -> None:
        self.db = db

    def admit(self, email: str, address: str) -> Attempt:
        """Count an attempt as failed, or refuse it (Throttled, with how long to wait)
        while its account or its address is locked."""
        now = self.db.now()
        counted = [Counted(_key("account", email.strip().lower()), ACCOUNT_LIMIT, "with this email")]
        if address:
            counted.append(Counted(_key("address", address), ADDRESS_LIMIT, "from this address"))
        with self.db.session() as s:
            # a day without failure forgets an account or address (and keeps the table small)
            s.execute(delete(LoginThrottleRow).where(LoginThrottleRow.last_failure < now - FORGET))
            rows = [_row(s, c.key, now) for c in counted]
            for row, c in zip(rows, counted, strict=True):
                _refuse_while_locked(row, now, c.whose)
            locked = tuple(_count_failure(row, now, c.limit) for row, c in zip(rows, counted, strict=True))
        return Attempt(tuple(c.key for c in counted), locked)

    def succeeded(self, attempt: Attempt) -> None:
        """The password was right: its account starts afresh, its address's count takes
        the attempt back."""
        account, *address = attempt.keys
        with self.db.session() as s:
            s.execute(delete(LoginThrottleRow).where(LoginThrottleRow.key_hash == account))
            for key, locked in zip(address, attempt.locked[1:], strict=True):
                row = s.scalar(select(LoginThrottleRow).where(LoginThrottleRow.key_hash == key).with_for_update())
                if row is not None:
                    row.failures = max(row.failures - 1, 0)
                    if locked:
                        row.lockouts = max(row.lockouts - 1, 0)
                        row.locked_until = None


def _key(kind: str, value: str) -> str:
    # hashed: a password typed into the email field is not kept in the clear
    return hash_token(f"{kind}:{value}")


def _row(s: Session, key: str, now: datetime) -> LoginThrottleRow:
    """The key's row, locked for this transaction (on PostgreSQL; SQLite has one writer
    at a time anyway); made when missing, even by two processes at once."""
    insert = postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert
    fresh = {"key_hash": key, "failures": 0, "window_start": now, "last_failure": now, "lockouts": 0}
    s.execute(insert(LoginThrottleRow).values(**fresh).on_conflict_do_nothing(index_elements=["key_hash"]))
    return s.scalars(select(LoginThrottleRow).where(LoginThrottleRow.key_hash == key).with_for_update()).one()


def _refuse_while_locked(row: LoginThrottleRow, now: datetime, whose: str) -> None:
    until = aware(row.locked_until)
    if until is not None and until > now:
        seconds = math.ceil((until - now).total_seconds())
        raise Throttled(
            "login",
            f"too many failed attempts to log on {whose}: try again in {duration_text(seconds)}",
            retry_after=seconds,
        )


def _count_failure(row: LoginThrottleRow, now: datetime, limit: int) -> bool:
    """Count one failure; True when it locks the row."""
    started = aware(row.window_start)
    if not row.lockouts and started is not None and now - started > WINDOW:
        row.failures, row.window_start = 0, now
    row.failures += 1
    row.last_failure = now
    if row.failures < limit and not row.lockouts:
        return False
    row.lockouts += 1
    row.locked_until = now + min(BACKOFF * 2 ** min(row.lockouts - 1, 16), MAX_BACKOFF)
    return True


__all__ = ["ACCOUNT_LIMIT", "ADDRESS_LIMIT", "BACKOFF", "WINDOW", "Attempt", "LoginThrottle"]
