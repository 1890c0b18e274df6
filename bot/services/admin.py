"""``AdminService``: an admin manages teams and users: create, move between teams, (de)activate,
and import many users at once from CSV.

Deactivation ends every sign-in session of the user at once (``web_sessions.set_active``). A
CSV import is all or nothing: every row is checked first and any bad row (reported with its row
number and the reason) means no user is created.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bot.passwords import hash_password, password_problem
from bot.storage import Database, Store, Team, User, store

from . import web_sessions
from .accounts import new_demo_password
from .errors import RehearsalError, UserNotFound

ROLES = ("rep", "trainer", "manager", "admin")
LANGUAGES = ("zh", "en")
LOGIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,79}$")
TEAM_NAME_MAX = 120
NAME_MAX = 120
IMPORT_COLUMNS = ("login", "name", "role", "team", "language", "password")
IMPORT_MAX_ROWS = 1000


class NotAnAdmin(RehearsalError):
    code = "not_an_admin"


class AdminRefused(RehearsalError):
    """A request an admin may not make as asked (a taken login, a team name in use, ...)."""

    code = "refused"


class TeamNotFound(RehearsalError):
    code = "team_not_found"


@dataclass(frozen=True)
class TeamView:
    id: int
    name: str
    members: int


@dataclass(frozen=True)
class UserView:
    id: int
    login: str
    name: str
    role: str
    language: str
    team_id: int | None
    team: str | None
    active: bool


@dataclass(frozen=True)
class RowProblem:
    row: int  # the line of the file (the header is line 1)
    reason: str


@dataclass(frozen=True)
class ImportResult:
    """What an import did: the users created (with the passwords made for rows that gave none,
    shown once), or, when any row is bad, every problem and nothing created."""

    created: list[tuple[str, str | None]]
    problems: list[RowProblem]


@dataclass(frozen=True)
class _Row:
    line: int
    login: str
    name: str
    role: str
    team: str | None
    language: str
    password: str | None


class AdminAPI(Protocol):
    def teams(self, admin_id: int) -> list[TeamView]: ...

    def users(self, admin_id: int) -> list[UserView]: ...

    def create_team(self, admin_id: int, name: str) -> TeamView: ...

    def create_user(
        self,
        admin_id: int,
        *,
        login: str,
        name: str,
        role: str,
        team_id: int | None,
        language: str,
        password: str,
    ) -> UserView: ...

    def move(self, admin_id: int, user_id: int, team_id: int | None) -> UserView: ...

    def set_active(self, admin_id: int, user_id: int, active: bool) -> UserView: ...

    def import_csv(self, admin_id: int, text: str) -> ImportResult: ...


def _user(user: User) -> UserView:
    return UserView(
        id=user.id,
        login=user.login or "",
        name=user.display_name,
        role=user.role,
        language=user.language,
        team_id=user.team_id,
        team=user.team.name if user.team else None,
        active=user.active,
    )


def _row_problem(row: _Row, seen: set[str], s: Store) -> str | None:
    if not LOGIN.match(row.login):
        return "login: letters, digits and . _ @ - only, 1 to 80 characters"
    if row.login.lower() in seen:
        return f"login {row.login!r} appears twice in the file"
    if s.users.by_login(row.login) is not None:
        return f"login {row.login!r} exists already"
    if row.role not in ROLES:
        return f"role must be one of {', '.join(ROLES)}"
    if row.language not in LANGUAGES:
        return "language must be zh or en"
    if len(row.name) > NAME_MAX or (row.team and len(row.team) > TEAM_NAME_MAX):
        return "name or team longer than 120 characters"
    if row.password is not None:
        problem = password_problem(row.password, login=row.login)
        if problem is not None:
            return f"password: {problem.en}"
    return None


def parse_rows(text: str) -> tuple[list[_Row], list[RowProblem]]:
    """The rows of an import file and the problems of its shape (header, columns, size)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if "login" not in header:
        return [], [RowProblem(1, f"the first line must name the columns: {','.join(IMPORT_COLUMNS)}")]
    unknown = [h for h in header if h not in IMPORT_COLUMNS]
    if unknown:
        return [], [RowProblem(1, f"unknown column(s): {', '.join(unknown)}")]
    reader.fieldnames = header
    rows: list[_Row] = []
    problems: list[RowProblem] = []
    for record in reader:
        line = reader.line_num
        if None in record:
            problems.append(RowProblem(line, "more cells than columns"))
            continue
        cell = {k: (v or "").strip() for k, v in record.items()}
        if not any(cell.values()):
            continue  # a blank line
        rows.append(
            _Row(
                line=line,
                login=cell.get("login", ""),
                name=cell.get("name", "") or cell.get("login", ""),
                role=(cell.get("role", "") or "rep").lower(),
                team=cell.get("team", "") or None,
                language=(cell.get("language", "") or "zh").lower(),
                password=cell.get("password", "") or None,
            )
        )
    if len(rows) > IMPORT_MAX_ROWS:
        problems.append(RowProblem(1, f"at most {IMPORT_MAX_ROWS} users per file"))
    if not rows and not problems:
        problems.append(RowProblem(1, "no users in the file"))
    return rows, problems


class AdminService:
    """Implements ``AdminAPI`` over ``bot.storage``. Every call checks the caller is an admin."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    def _admin(s: Store, admin_id: int) -> User:
        admin = s.users.get(admin_id)
        if admin is None or admin.role != "admin" or not admin.active:
            raise NotAnAdmin("Only admins may do this.")
        return admin

    @staticmethod
    def _team(s: Store, team_id: int | None) -> Team | None:
        if team_id is None:
            return None
        team = s.session.get(Team, team_id)
        if team is None:
            raise TeamNotFound("No such team.")
        return team

    def teams(self, admin_id: int) -> list[TeamView]:
        with store(self.db) as s:
            self._admin(s, admin_id)
            members: dict[int, int] = {}
            for user in s.users.list():
                if user.team_id is not None:
                    members[user.team_id] = members.get(user.team_id, 0) + 1
            return [TeamView(t.id, t.name, members.get(t.id, 0)) for t in s.browse.teams()]

    def users(self, admin_id: int) -> list[UserView]:
        with store(self.db) as s:
            self._admin(s, admin_id)
            return [_user(user) for user in s.users.list()]

    def create_team(self, admin_id: int, name: str) -> TeamView:
        name = name.strip()
        if not name or len(name) > TEAM_NAME_MAX:
            raise AdminRefused("A team name has 1 to 120 characters.")
        with store(self.db, write=True) as s:
            self._admin(s, admin_id)
            if s.browse.team_by_name(name) is not None:
                raise AdminRefused(f"A team named {name!r} exists already.")
            team = s.users.get_or_create_team(name)
            return TeamView(team.id, team.name, 0)

    def create_user(
        self,
        admin_id: int,
        *,
        login: str,
        name: str,
        role: str,
        team_id: int | None,
        language: str,
        password: str,
    ) -> UserView:
        row = _Row(0, login.strip(), name.strip() or login.strip(), role, None, language, password)
        with store(self.db) as s:
            self._admin(s, admin_id)
            problem = _row_problem(row, set(), s)
        if problem is not None:
            raise AdminRefused(problem)
        password_hash = hash_password(password)  # outside the transaction: ~0.1 s
        with store(self.db, write=True) as s:
            self._admin(s, admin_id)
            if s.users.by_login(row.login) is not None:
                raise AdminRefused(f"login {row.login!r} exists already")
            user = s.users.create(
                row.name,
                login=row.login,
                role=row.role,
                language=row.language,
                password_hash=password_hash,
                team=self._team(s, team_id),
            )
            return _user(user)

    def move(self, admin_id: int, user_id: int, team_id: int | None) -> UserView:
        with store(self.db, write=True) as s:
            self._admin(s, admin_id)
            user = s.users.get(user_id)
            if user is None:
                raise UserNotFound("No such user.")
            user.team = self._team(s, team_id)
            s.session.flush()
            return _user(user)

    def set_active(self, admin_id: int, user_id: int, active: bool) -> UserView:
        """(De)activate a user; deactivating ends every sign-in session of theirs at once."""
        with store(self.db) as s:
            self._admin(s, admin_id)
            if user_id == admin_id and not active:
                raise AdminRefused("You cannot deactivate yourself.")
        try:
            web_sessions.set_active(self.db, user_id, active)
        except LookupError as exc:
            raise UserNotFound("No such user.") from exc
        with store(self.db) as s:
            user = s.users.get(user_id)
            assert user is not None
            return _user(user)

    def import_csv(self, admin_id: int, text: str) -> ImportResult:
        """Create the users of a CSV file (columns login, name, role, team, language, password;
        only login is required) in one transaction, or none of them when any row is bad."""
        with store(self.db) as s:
            self._admin(s, admin_id)
        return import_users(self.db, text, check=lambda s: self._admin(s, admin_id))


def import_users(db: Database, text: str, *, check: Callable[[Store], object] | None = None) -> ImportResult:
    """Check every row, then create them all in one transaction (``check`` runs in it first:
    the caller is still an admin). The command line calls this directly, as the operator."""
    rows, problems = parse_rows(text)
    with store(db) as s:
        seen: set[str] = set()
        for row in rows:
            problem = _row_problem(row, seen, s)
            if problem is not None:
                problems.append(RowProblem(row.line, problem))
            seen.add(row.login.lower())
    if problems:
        return ImportResult([], sorted(problems, key=lambda p: p.row))
    passwords = [row.password or new_demo_password() for row in rows]
    hashes = [hash_password(password) for password in passwords]  # ~0.1 s each, before writing
    with store(db, write=True) as s:
        if check is not None:
            check(s)
        for row, password_hash in zip(rows, hashes, strict=True):
            if s.users.by_login(row.login) is not None:  # created since the check: roll back all
                raise AdminRefused(f"row {row.line}: login {row.login!r} exists already")
            s.users.create(
                row.name,
                login=row.login,
                role=row.role,
                language=row.language,
                password_hash=password_hash,
                team=s.users.get_or_create_team(row.team) if row.team else None,
            )
    created = [(row.login, None if row.password else pw) for row, pw in zip(rows, passwords, strict=True)]
    return ImportResult(created, [])
