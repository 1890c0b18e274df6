"""The product's domain words, each defined once.

Every id the engine stores, the classifier emits and the channels show is one of these
``StrEnum`` members. They compare equal to their string values, so stored JSON and old
sessions keep reading as before; display names come from the text catalogue, never from here.
"""

from __future__ import annotations

from enum import StrEnum


class Lang(StrEnum):
    """A language of the interface and of a visit (Chinese first)."""

    ZH = "zh"
    EN = "en"


class Stage(StrEnum):
    """The relationship stage, in the order a visit climbs them."""

    FIRST_IMPRESSION = "first_impression"
    LIKING = "liking"
    TRUST = "trust"
    PERSUASION = "persuasion"
    EXCITATION = "excitation"


class Step(StrEnum):
    """The need-questioning step, in order, then the two ways a visit ends."""

    OPENER = "opener"
    CURIOSITY = "curiosity"
    ANALYSIS = "analysis"
    WHAT_IF = "what_if"
    HOW_DO_YOU_SEE = "how_do_you_see"
    NEED_CONFIRMATION = "need_confirmation"
    ENDED = "ended"
    CLOSED_BY_CUSTOMER = "closed_by_customer"


#: The steps a visit moves through while it is open.
QUESTIONING_STEPS: tuple[Step, ...] = (
    Step.OPENER,
    Step.CURIOSITY,
    Step.ANALYSIS,
    Step.WHAT_IF,
    Step.HOW_DO_YOU_SEE,
    Step.NEED_CONFIRMATION,
)
#: The steps that end a visit.
END_STEPS: tuple[Step, ...] = (Step.ENDED, Step.CLOSED_BY_CUSTOMER)


class Technique(StrEnum):
    """A questioning technique (or a non-question) a rep line is classified as."""

    GREETING = "greeting"
    CLOSED_QUESTION = "closed_question"
    OPEN_QUESTION = "open_question"
    CONFIRM_QUESTION = "confirm_question"
    CURIOSITY_CARE = "curiosity_care"
    HUMBLE_DISCLAIMER = "humble_disclaimer"
    REVISIT_TOPIC = "revisit_topic"
    WHAT_ELSE = "what_else"
    WHY = "why"
    WHAT_IF = "what_if"
    HOW_DO_YOU_SEE = "how_do_you_see"
    NEED_CONFIRMATION = "need_confirmation"
    ANSWER_WITH_QUESTION = "answer_with_question"
    PITCH = "pitch"
    STATEMENT = "statement"
    INTEREST_CHECK = "interest_check"


#: Techniques that ask the customer nothing.
NON_QUESTIONS: frozenset[Technique] = frozenset({Technique.GREETING, Technique.PITCH, Technique.STATEMENT})


class Angle(StrEnum):
    """The angle a what-if explores to build motivation."""

    VISION = "vision"
    LONG_TERM_HARM = "long_term_harm"
    SPREADING_HARM = "spreading_harm"
    LONG_TERM_GAIN = "long_term_gain"
    SPREADING_GAIN = "spreading_gain"
    AVOID_HARM_REVIEW = "avoid_harm_review"


class Event(StrEnum):
    """What a rep's line did in the visit, as the engine judged it; the coach's verdict follows it."""

    GREETED = "greeted"
    OPENER_ANSWERED = "opener_answered"
    SMALL_TALK = "small_talk"
    GUARDED = "guarded"
    SITUATION = "situation"
    CARE = "care"
    PERMISSION = "permission"
    DEFLECTED = "deflected"
    DEFLECTED_SOFTENED = "deflected_softened"
    NO_PROBLEM_YET = "no_problem_yet"
    DUG = "dug"
    ROOT_FOUND = "root_found"
    AT_ROOT = "at_root"
    ANALYSED = "analysed"  # an analysis question of the problem's type drew out its fact
    SIBLING = "sibling"
    NOTHING_ELSE = "nothing_else"
    REVIEW_NOT_YET = "review_not_yet"  # asked what would worry him about a change, before he weighs one
    IMPLICATION = "implication"
    VIEW = "view"
    VIEW_TOO_EARLY = "view_too_early"
    NEED = "need"
    NEED_NOT_READY = "need_not_ready"
    NEED_DONE = "need_done"
    CONFIRMED = "confirmed"
    CONFIRM_NOTHING = "confirm_nothing"
    REVISITED = "revisited"
    REVISITED_TALK = "revisited_talk"
    REVISIT_UNKNOWN = "revisit_unknown"
    ANSWERED_BACK = "answered_back"
    ANSWERED_PLAINLY = "answered_plainly"
    STATEMENT = "statement"
    PITCH_EARLY = "pitch_early"
    PITCH_AFTER_NEED = "pitch_after_need"
    PRIVATE = "private"
    OFF_TOPIC = "off_topic"  # asked about something this customer does not have
    IMPOLITE = "impolite"  # an opener without etiquette ("hey buddy, who's in charge?")
    UNCLEAR = "unclear"  # named nothing the customer could place
    INTEREST = "interest"  # the customer answered an interest check
    NEXT_STEP_AGREED = "next_step_agreed"
    NEXT_STEP_DECLINED = "next_step_declined"
    WALKED_OUT = "walked_out"
    ENDED = "ended"
    NONE = "none"


class Style(StrEnum):
    """A customer's social style: what earns his trust beyond the method (persona ``style``)."""

    ANALYTICAL = "analytical"  # numbers and precise questions
    DRIVER = "driver"  # short, to-the-point lines; a long one costs
    AMIABLE = "amiable"  # care for him and his people, modesty
    EXPRESSIVE = "expressive"  # his ideas and the picture of a better future


class Mode(StrEnum):
    """Practice: the coach comments on every line. Exam: silent until the scorecard."""

    PRACTICE = "practice"
    EXAM = "exam"


class Status(StrEnum):
    """Where a rehearsal session stands."""

    ACTIVE = "active"
    ENDED = "ended"
    # The customer walked out: its own outcome, never counted as a finished visit.
    CLOSED_BY_CUSTOMER = "closed_by_customer"
    # Left idle longer than ``idle_close_hours``: closed with the partial scorecard.
    ABANDONED = "abandoned"


class Channel(StrEnum):
    """Where a rep's line came from."""

    WEB = "web"
    TELEGRAM = "telegram"
    CLI = "cli"
    WECOM = "wecom"


class Role(StrEnum):
    """What a signed-in user may do."""

    REP = "rep"
    MANAGER = "manager"
    TRAINER = "trainer"
    ADMIN = "admin"


__all__ = [
    "END_STEPS",
    "NON_QUESTIONS",
    "QUESTIONING_STEPS",
    "Angle",
    "Channel",
    "Event",
    "Lang",
    "Mode",
    "Role",
    "Stage",
    "Status",
    "Step",
    "Style",
    "Technique",
]
