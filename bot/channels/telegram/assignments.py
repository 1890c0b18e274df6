"""How the bot tells a rep of a new practice assignment, and reminds them before it is due.

Queued through the outbox by ``AssignmentService`` in the transaction that stores the assignment
(or claims the reminder); worded here, in the rep's language.
"""

from __future__ import annotations

from html import escape

from bot.i18n import N_
from bot.services import AssignmentPush

from .texts import text

ASSIGNMENT_KEYS = (
    # TRANSLATORS: {title} is the scenario's title; {mode} is telegram.mode_practice or _exam;
    # {language} is telegram.language_zh or _en; {due} is the due date and time (UTC);
    # {pass_mark} is the score that passes, out of 100. Telegram HTML: keep the tags.
    N_("telegram.assignment_new"),
    # TRANSLATORS: the same placeholders as telegram.assignment_new. Telegram HTML: keep the tags.
    N_("telegram.assignment_reminder"),
)


def assignment_message(push: AssignmentPush, lang: str) -> str:
    """The announcement (or the reminder) of an assignment, as Telegram HTML."""
    a = push.assignment
    return text(
        "assignment_reminder" if push.reminder else "assignment_new",
        lang,
        title=escape(a.title),
        mode=text(f"mode_{a.mode}", lang),
        language=text(f"language_{a.language}", lang),
        due=a.due_at.strftime("%Y-%m-%d %H:%M UTC"),
        pass_mark=a.pass_mark,
    )


__all__ = ["ASSIGNMENT_KEYS", "assignment_message"]
