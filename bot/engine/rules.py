"""The method's numbers: stage thresholds, the trust gates of deep questions, and what each move
wins or costs. Tuning the engine means editing this file only."""

from __future__ import annotations

from typing import Final

from bot.vocab import NON_QUESTIONS, Stage, Technique

# Trust thresholds of the relationship stages (the stage needs facts too, see ``table.STAGE_ROWS``).
STAGE_TRUST: Final[dict[Stage, float]] = {
    Stage.FIRST_IMPRESSION: 0,
    Stage.LIKING: 30,
    Stage.TRUST: 45,
    Stage.PERSUASION: 55,
    Stage.EXCITATION: 60,
}
SHALLOW_GATE: Final = 30.0  # why / what else need the customer to like the rep
DEEP_GATE: Final = 45.0  # what if / how do you see it / deadline and budget need trust
SOFTENING: Final = 10.0  # a humble disclaimer lowers each gate by this much
PRECISION_SOFTENING: Final = 5.0  # a line naming the cause or stake asked about lowers its fact's min_trust
NEXT_STEP_TRUST: Final = 55.0  # a next step (meeting, pilot, proposal) needs this much trust
WALK_OUT_TRUST: Final = 5.0
# Deflected questions alone never take trust more than this below the visit's start.
DEFLECT_FLOOR_BELOW_START: Final = 10.0
WALK_OUT_PITCHES: Final = 3
GUARDED_BELOW: Final[dict[str, float]] = {"low": 40.0, "medium": 30.0, "high": 20.0}

# Trust moves, in points of 0-100. Mistakes the persona is ``offended_by`` cost twice as much.
GAIN: Final[dict[str, float]] = {
    "greeting": 3.0,
    "opener_closed": 6.0,
    "closed": 1.0,
    "guarded": 1.0,
    "care": 7.0,
    "care_again": 3.0,
    "open": 4.0,
    "reveal": 4.0,
    "implication": 5.0,
    "view": 5.0,
    "need": 3.0,
    "permission": 2.0,
    "confirm": 4.0,
    "revisit_prior": 8.0,
    "revisit_talk": 3.0,
    "answer_back": 6.0,
    "accept_answer": 1.0,
    "pitch_after_need": 1.0,
    "interest": 4.0,
    "referral": 6.0,  # the rep names who referred him (the best door, the method says)
    "next_step": 5.0,
}
COST: Final[dict[str, float]] = {
    "deflect": 4.0,
    "hold_back": 2.0,  # pressing on after he held a fact back (the first time is free; never doubled)
    "pitch_early": 7.0,
    "private": 6.0,
    "ignored": 3.0,
    "need_not_ready": 2.0,
    "view_too_early": 1.0,
    "revisit_unknown": 3.0,
    "off_topic": 4.0,  # times the number of off-topic questions in a row
    "unclear": 1.0,
    "next_step_early": 2.0,
    "impolite": 6.0,  # "hey buddy, who's in charge?"
}
OFFENCE_OF: Final[dict[str, str]] = {
    "deflect": "deep_questions_before_trust",
    "pitch_early": "early_pitch",
    "private": "private_topics",
    "impolite": "private_topics",  # the same lack of etiquette
}

QUESTION_TECHNIQUES: Final = frozenset(Technique) - NON_QUESTIONS
# A granted permission is spent by the first of these hard questions.
HARD_QUESTIONS: Final = frozenset(
    {
        Technique.WHY,
        Technique.WHAT_IF,
        Technique.HOW_DO_YOU_SEE,
        Technique.NEED_CONFIRMATION,
        Technique.WHAT_ELSE,
    }
)
# Lines that may leave the customer's question open without the customer minding.
NOT_IGNORING: Final = frozenset({Technique.STATEMENT, Technique.PITCH})
