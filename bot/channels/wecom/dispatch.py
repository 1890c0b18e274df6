"""One decrypted WeCom message → the use case it asks for; runs in a worker thread.

Every path claims the message's ``MsgId`` in the transaction that queues its replies (see
``bot/services/wecom.py``), so WeCom's retries of a callback change nothing and say nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from bot.channels.text import unreadable
from bot.config import Settings
from bot.services import (
    CommandsInTransaction,
    LinkedRep,
    NoteList,
    RehearsalError,
    Services,
    VisitCommands,
)

from . import handlers
from .crypto import Inbound
from .handlers import Rep, pieces
from .texts import text


def _guarded(
    rep: Rep, action: handlers.Command, args: list[str], services: Services, settings: Settings
) -> list[str]:
    try:
        return action(rep, args, services)
    except RehearsalError as error:
        return [handlers.error_text(error, rep.lang, settings)]


def _command(services: Services, settings: Settings, inbound: Inbound, name: str, args: list[str]) -> None:
    wecom, default = services.wecom, settings.default_lang
    if name == "start":
        render = partial(handlers.start_texts, guessed_lang=default)
        code = args[0] if args else None
        wecom.start(
            inbound.userid,
            inbound.msg_id,
            name=inbound.userid,
            language=default,
            code=code,
            render=lambda done: pieces(render(done)),
        )
        return
    if name == "notes":
        _notes(services, settings, inbound)
        return
    visit = handlers.VISIT_COMMANDS.get(name)
    if visit is not None:
        _change_visit(services, settings, inbound, lambda rep, visits: visit(rep, args, visits))
        return
    found = handlers.COMMANDS.get(name)
    if found is None:
        _fixed(services, inbound, "unknown_command", default)
        return
    action, claim_first = found
    if claim_first:
        claimed, linked = wecom.claim(inbound.userid, inbound.msg_id)
        if claimed:
            wecom.answer(inbound.userid, pieces(_for_rep(linked, action, args, services, settings)))
        return
    # Reads only: act first, then claim and queue together (a retry finds the claim).
    texts = pieces(_for_rep(wecom.rep(inbound.userid), action, args, services, settings))
    wecom.answer_once(inbound.userid, inbound.msg_id, lambda rep: texts)


def _notes(services: Services, settings: Settings, inbound: Inbound) -> None:
    """/notes: claim, list and queue in one transaction; read once delivered."""

    def render(linked: LinkedRep | None, found: NoteList) -> Sequence[str]:
        rep = Rep.of(linked, settings.default_lang)
        if rep is None:
            return pieces([text("need_start", settings.default_lang)])
        return pieces(handlers.notes(rep, found))

    services.wecom.notes(inbound.userid, inbound.msg_id, render)


def _change_visit(
    services: Services,
    settings: Settings,
    inbound: Inbound,
    action: Callable[[Rep, VisitCommands], list[str]],
) -> None:
    """/hint, /end or the pick that starts a visit: claim, change and replies in the message's
    one transaction (``WeComService.command``)."""

    def render(linked: LinkedRep | None, visits: CommandsInTransaction) -> Sequence[str]:
        rep = Rep.of(linked, settings.default_lang)
        if rep is None:
            return pieces([text("need_start", settings.default_lang)])
        try:
            return pieces(action(rep, visits))
        except RehearsalError as error:
            return pieces([handlers.error_text(error, rep.lang, settings)])

    services.wecom.command(inbound.userid, inbound.msg_id, render)


def _for_rep(
    linked: LinkedRep | None,
    action: handlers.Command,
    args: list[str],
    services: Services,
    settings: Settings,
) -> list[str]:
    rep = Rep.of(linked, settings.default_lang)
    if rep is None:
        return [text("need_start", settings.default_lang)]
    return _guarded(rep, action, args, services, settings)


def _fixed(services: Services, inbound: Inbound, key: str, default: str) -> None:
    """A fixed reply that changes nothing, queued once however often WeCom delivers."""

    def render(linked: LinkedRep | None) -> list[str]:
        rep = Rep.of(linked, default)
        return [text(key, rep.lang if rep else default)]

    services.wecom.answer_once(inbound.userid, inbound.msg_id, render)


def _pick(services: Services, settings: Settings, inbound: Inbound, number: int, option: int | None) -> None:
    wecom = services.wecom

    def act(rep: Rep, args: list[str], services: Services) -> list[str]:
        return handlers.choose(rep, number, option, services.rehearsals)

    if option is None:
        texts = pieces(_for_rep(wecom.rep(inbound.userid), act, [], services, settings))
        wecom.answer_once(inbound.userid, inbound.msg_id, lambda rep: texts)
        return
    # Starts a visit: claim, start and replies together.
    _change_visit(
        services, settings, inbound, lambda rep, visits: handlers.choose(rep, number, option, visits)
    )


def handle(services: Services, settings: Settings, inbound: Inbound) -> None:
    """Act on one message and queue the replies (nothing for a redelivery)."""
    if not inbound.userid or inbound.msg_type == "event":
        return  # entering the application, menu clicks…: nothing to answer
    if inbound.msg_type != "text":
        _fixed(services, inbound, "unsupported", settings.default_lang)
        return
    if unreadable(inbound.content):
        # Control characters or nothing visible: not a line anyone meant to say; nothing stored.
        _fixed(services, inbound, "unreadable_text", settings.default_lang)
        return
    command = handlers.parse_command(inbound.content)
    if command is not None:
        _command(services, settings, inbound, *command)
        return
    pick = handlers.parse_pick(inbound.content)
    if pick is not None:
        linked = services.wecom.rep(inbound.userid)
        active = services.rehearsals.active_session(linked.user_id, with_turns=False) if linked else None
        if linked is not None and active is None:
            _pick(services, settings, inbound, *pick)
            return
    render = partial(handlers.line_texts, services=services, settings=settings)
    services.wecom.line(inbound.userid, inbound.msg_id, inbound.content, lambda line: pieces(render(line)))


__all__ = ["handle"]
