"""``AccountService``: sign-in, users, link codes, Telegram links, language preference, demo accounts.

Every call is one transaction and hands back plain values (``Account``, ``LinkedRep``), never
storage models, so channels need neither SQLAlchemy nor ``bot.storage``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Protocol

from sqlalchemy.exc import IntegrityError

from bot.config import Settings
from bot.passwords import CheckGate, hash_password, password_problem
from bot.storage import Database, Store, User, store

from .errors import UserNotFound
from .outbox import Outbound
from .telegram import post_answer
from .user_settings import linked_rep
from .views import TELEGRAM_CHANNEL, LinkedRep, telegram_turn_id, telegram_update_id

DEMO_ACCOUNTS = (
    # login, role, display name: each password is random, made when the account is created
    ("demo", "rep", "演示销售 Demo Rep"),
    ("manager", "manager", "演示经理 Demo Manager"),
    ("trainer", "trainer", "演示培训师 Demo Trainer"),
)
DEMO_TEAM = "Demo team"
LINK_CODE_TTL = timedelta(minutes=15)


@cache
def _dummy_hash() -> str:
    """Verified against when the login is unknown (or inactive), so a wrong login costs as much
    time as a wrong password and response times do not reveal which logins exist. Made on first
    use: an Argon2 hash at import cost every command and every worker's start 0.3 s."""
    return hash_password("not-a-real-password")


@dataclass(frozen=True)
class Account:
    """A user as channels see one."""

    id: int
    login: str
    display_name: str
    role: str
    language: str
    active: bool = True


@dataclass(frozen=True)
class DemoAccount:
    """A demo account created just now, with its password (shown once, on the terminal)."""

    login: str
    password: str
    role: str

    def line(self) -> str:
        return f"Demo {self.role}: login '{self.login}', password '{self.password}'"


@dataclass(frozen=True)
class TelegramStart:
    """What /start did: ``kind`` is linked, bad_code, welcome_back, welcome_new, deactivated
    (the account was deactivated: nothing changes) or duplicate."""

    kind: str
    name: str = ""
    language: str = ""


#: How a channel words its answer to /start; the service queues it with the claim.
StartReply = Callable[[TelegramStart], Sequence[Outbound]]


def _account(user: User) -> Account:
    return Account(
        id=user.id,
        login=user.login or "",
        display_name=user.display_name,
        role=user.role,
        language=user.language,
        active=user.active,
    )


def _linked(user: User | None) -> LinkedRep | None:
    return linked_rep(user)


def new_demo_password() -> str:
    """A random password that meets the policy (16 characters, ~96 bits)."""
    password = secrets.token_urlsafe(12)
    while password_problem(password) is not None:  # practically never; the policy decides
        password = secrets.token_urlsafe(12)
    return password


class AccountsAPI(Protocol):
    """Accounts for channels. Every call is one database transaction."""

    def check_credentials(
        self, login: str, password: str, gate: CheckGate | None = None
    ) -> Account | None: ...

    def account(self, user_id: int) -> Account | None: ...

    def issue_link_code(self, user_id: int, *, ttl: timedelta = LINK_CODE_TTL) -> str: ...

    def telegram_rep(self, telegram_user_id: int) -> LinkedRep | None: ...

    def claim_telegram_update(
        self, update_id: int, telegram_user_id: int
    ) -> tuple[bool, LinkedRep | None]: ...

    def telegram_start(
        self,
        update_id: int,
        telegram_user_id: int,
        chat_id: int,
        *,
        full_name: str,
        language: str,
        code: str | None,
        reply: StartReply | None = None,
    ) -> TelegramStart: ...

    def set_language(self, user_id: int, language: str) -> None: ...

    def rep_for_login(self, login: str, *, language: str) -> Account: ...


class AccountService:
    """Implements ``AccountsAPI`` over ``bot.storage``."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def check_credentials(self, login: str, password: str, gate: CheckGate | None = None) -> Account | None:
        """The account when login and password match and it is active; None otherwise (slow on
        purpose: Argon2). With a ``gate`` the hash check takes one of its slots and raises
        ``TooBusy`` (without hashing) when none is free. The check runs after the read's
        transaction ends, so a slow hash holds no connection."""
        verify = (gate or CheckGate(1)).verify
        with store(self.db) as s:
            user = s.users.by_login(login.strip())
            account = _account(user) if user is not None else None
            password_hash = user.password_hash if user is not None else None
        if account is None or not password_hash or not account.active:
            verify(_dummy_hash(), password)
            return None
        return account if verify(password_hash, password) else None

    def account(self, user_id: int) -> Account | None:
        with store(self.db) as s:
            user = s.users.get(user_id)
            return _account(user) if user is not None else None

    def create_user(
        self,
        login: str,
        password: str,
        *,
        display_name: str | None = None,
        role: str = "rep",
        language: str = "zh",
        team: str | None = None,
    ) -> Account:
        """A new account that signs in as ``login`` (raises ValueError when the login is taken)."""
        with store(self.db, write=True) as s:
            if s.users.by_login(login):
                raise ValueError(f"a user with login {login!r} exists already")
            user = s.users.create(
                display_name or login,
                login=login,
                role=role,
                language=language,
                password_hash=hash_password(password),
                team=s.users.get_or_create_team(team) if team else None,
            )
            return _account(user)

    def rep_for_login(self, login: str, *, language: str) -> Account:
        """The account signing in as ``login``; a rep without a password is created if missing."""
        with store(self.db, write=True) as s:
            user = s.users.by_login(login) or s.users.create(login, login=login, language=language)
            return _account(user)

    def accounts(self, *, role: str | None = None) -> list[Account]:
        with store(self.db) as s:
            return [_account(user) for user in s.users.list(role=role)]

    def issue_link_code(self, user_id: int, *, ttl: timedelta = LINK_CODE_TTL) -> str:
        """A one-time code that links a Telegram account to this user."""
        with store(self.db, write=True) as s:
            user = s.users.get(user_id)
            if user is None:
                raise UserNotFound(f"no user {user_id}")
            return s.users.issue_link_code(user, ttl=ttl)

    def telegram_rep(self, telegram_user_id: int) -> LinkedRep | None:
        with store(self.db) as s:
            return _linked(s.users.by_telegram(telegram_user_id))

    def claim_telegram_update(self, update_id: int, telegram_user_id: int) -> tuple[bool, LinkedRep | None]:
        """Claim the update (False: seen before) and look up the rep, in one transaction."""
        with store(self.db, write=True) as s:
            if s.inbound.get(TELEGRAM_CHANNEL, telegram_turn_id(update_id)) is not None:
                return False, None  # already handled as a rehearsal turn
            if not s.inbound.claim(TELEGRAM_CHANNEL, telegram_update_id(update_id)):
                return False, None
            return True, _linked(s.users.by_telegram(telegram_user_id))

    def telegram_start(
        self,
        update_id: int,
        telegram_user_id: int,
        chat_id: int,
        *,
        full_name: str,
        language: str,
        code: str | None,
        reply: StartReply | None = None,
    ) -> TelegramStart:
        """/start: link to a web account by code, welcome back, or create a rep (in ``language``).

        With ``reply``, the answer the channel words for it is queued in the same transaction.
        """
        with store(self.db, write=True) as s:
            done = self._telegram_start(
                s, update_id, telegram_user_id, chat_id, full_name=full_name, language=language, code=code
            )
            if reply is not None:
                post_answer(s, update_id, chat_id, reply(done))
            return done

    @staticmethod
    def _telegram_start(
        s: Store,
        update_id: int,
        telegram_user_id: int,
        chat_id: int,
        *,
        full_name: str,
        language: str,
        code: str | None,
    ) -> TelegramStart:
        if not s.inbound.claim(TELEGRAM_CHANNEL, telegram_update_id(update_id)):
            return TelegramStart("duplicate")
        if code:
            user = s.users.redeem_link_code(code)
            if user is None:
                return TelegramStart("bad_code")
            if not user.active:
                return TelegramStart("deactivated", user.display_name, user.language)
            s.users.link_telegram(telegram_user_id, user, chat_id)
            return TelegramStart("linked", user.display_name, user.language)
        user = s.users.by_telegram(telegram_user_id)
        if user is not None and not user.active:
            return TelegramStart("deactivated", user.display_name, user.language)
        if user is not None:
            s.users.link_telegram(telegram_user_id, user, chat_id)  # remember the current chat
            return TelegramStart("welcome_back", user.display_name, user.language)
        name = full_name.strip() or f"Telegram {telegram_user_id}"
        user = s.users.create(name, role="rep", language=language)
        s.users.link_telegram(telegram_user_id, user, chat_id)
        return TelegramStart("welcome_new", name, language)

    def set_language(self, user_id: int, language: str) -> None:
        with store(self.db, write=True) as s:
            user = s.users.get(user_id)
            if user is not None:
                user.language = language

    def ensure_demo_accounts(self, settings: Settings) -> list[DemoAccount]:
        """Create the missing demo accounts (when ``settings.demo_accounts``); returns the ones
        created now, with their random passwords, so they are shown once and never again."""
        if not settings.demo_accounts:
            return []
        try:
            return self._create_demo_accounts(settings.default_lang)
        except IntegrityError:  # another worker created them at the same moment
            return self._create_demo_accounts(settings.default_lang)

    def _create_demo_accounts(self, language: str) -> list[DemoAccount]:
        created = []
        with store(self.db, write=True) as s:
            team = s.users.get_or_create_team(DEMO_TEAM)
            for login, role, name in DEMO_ACCOUNTS:
                if s.users.by_login(login) is None:
                    password = new_demo_password()
                    s.users.create(
                        name,
                        login=login,
                        role=role,
                        language=language,
                        password_hash=hash_password(password),
                        team=team,
                    )
                    created.append(DemoAccount(login, password, role))
        return created
