"""When a visit is still open (begun on the web, say) and the rep asks for a new one: the choice
to continue it or to end it and pick another, both with inline buttons; and /progress."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.config import Settings
from bot.names import CHANNEL_NAMES, TECHNIQUE_NAMES, name_of
from bot.services import Progress, Services, SessionView, UnknownTimeZone

from .callbacks import ActivePress, active_continue, active_end, pick_scenario
from .claims import Rep
from .delivery import Outgoing
from .formatting import customer_line, esc, localised, scenario_title, session_title, state_line
from .texts import text

CHANNEL = "telegram"


def active_choice(rep: Rep, active: SessionView, *, edit: bool = False) -> Outgoing:
    """ "You have a visit in progress": continue it, or end it and start another."""
    buttons = [
        [InlineKeyboardButton(text("active_continue", rep.lang), callback_data=active_continue(active.id))],
        [InlineKeyboardButton(text("active_end_start", rep.lang), callback_data=active_end(active.id))],
    ]
    prompt = text(
        "active_visit_choice",
        rep.lang,
        title=esc(session_title(active)),
        channel=esc(name_of(CHANNEL_NAMES, active.channel, rep.lang)),
    )
    return Outgoing(prompt, InlineKeyboardMarkup(buttons), edit=edit)


def scenario_menu(rep: Rep, services: Services, *, edit: bool = False, lead: str = "") -> list[Outgoing]:
    """The scenarios as an inline keyboard (``lead`` goes above the prompt)."""
    scenarios = services.rehearsals.scenarios()
    if not scenarios:
        return [Outgoing(text("no_scenarios", rep.lang), edit=edit)]
    rows = [
        [InlineKeyboardButton(scenario_title(s, rep.lang), callback_data=pick_scenario(s.id))]
        for s in scenarios
    ]
    prompt = text("choose_scenario", rep.lang)
    return [Outgoing(f"{lead}\n\n{prompt}" if lead else prompt, InlineKeyboardMarkup(rows), edit=edit)]


def answer_active(rep: Rep, press: ActivePress, services: Services) -> list[Outgoing]:
    """A press on the choice: continue (the customer's last words again) or end and choose."""
    active = services.rehearsals.active_session(rep.user_id)
    if active is None or active.id != press.session_id:  # ended meanwhile: choose a new one
        return scenario_menu(rep, services, edit=True, lead=text("active_gone", rep.lang))
    if press.end:
        result = services.rehearsals.end(active.id, user_id=rep.user_id, channel=CHANNEL)
        score = (result.scorecard or {}).get("score")
        lead = text(
            "active_ended",
            rep.lang,
            title=esc(session_title(active)),
            score=esc(score if score is not None else "—"),
        )
        return scenario_menu(rep, services, edit=True, lead=lead)
    messages = [Outgoing(text("active_continued", rep.lang, title=esc(session_title(active))), edit=True)]
    last = next((turn for turn in reversed(active.turns) if turn.speaker == "customer"), None)
    if last is not None:
        scenario = next((s for s in services.rehearsals.scenarios() if s.id == active.scenario_id), None)
        name = scenario.card(rep.lang).get("name") if scenario else None
        said = customer_line(last.text, name, rep.lang)
        if active.mode == "practice":
            said += f"\n\n<code>{state_line(active.stage, active.step, active.trust, rep.lang)}</code>"
        messages.append(Outgoing(said))
    return messages


def progress_message(progress: Progress, rep: Rep, settings: Settings) -> str:
    """/progress: the score trend, the weakest technique, open assignments and what to practise."""
    lang = rep.lang
    lines = [text("progress_title", lang, visits=progress.visits)]
    scores = [p.score for p in progress.trend if p.score is not None]
    if scores:
        lines.append(text("progress_trend", lang, scores=esc(" → ".join(str(s) for s in scores[-8:]))))
    else:
        lines.append(text("progress_none", lang))
    if progress.weakest:
        lines.append(
            text("progress_weakest", lang, technique=esc(name_of(TECHNIQUE_NAMES, progress.weakest, lang)))
        )
    if progress.next is not None:
        title = localised(progress.next.title, lang)
        technique = esc(name_of(TECHNIQUE_NAMES, progress.next.technique, lang))
        lines.append(text("progress_next", lang, technique=technique, title=esc(title)))
    lines.append(text("progress_assignments", lang, count=len(progress.assignments)))
    if settings.public_url:
        lines.append(text("progress_link", lang, url=esc(f"{settings.public_url.rstrip('/')}/progress")))
    return "\n".join(lines)


def progress_command(rep: Rep, args: list[str], services: Services, settings: Settings) -> list[Outgoing]:
    return [Outgoing(progress_message(services.progress.for_rep(rep.user_id), rep, settings))]


def settings_command(rep: Rep, args: list[str], services: Services) -> list[Outgoing]:
    """/settings: the time zone times are shown in; ``/settings tz Asia/Shanghai`` changes it."""
    if len(args) >= 2 and args[0].lower() in ("tz", "timezone", "zone", "时区"):
        try:
            zone = services.settings.set_time_zone(rep.user_id, args[1])
        except UnknownTimeZone:
            return [Outgoing(text("settings_bad_zone", rep.lang, zone=esc(args[1])))]
        return [Outgoing(text("settings_zone_set", rep.lang, zone=esc(zone or "UTC")))]
    zone = services.settings.time_zone(rep.user_id) or "UTC"
    return [Outgoing(text("settings_show", rep.lang, zone=esc(zone)))]
