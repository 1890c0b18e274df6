"""The method's guards: what the customer is ready for, read from the session's state.

``Guards`` is the part of a turn's ``transitions`` model the transition table's conditions
name; ``reactions.TurnModel`` adds what the customer does.
"""

from __future__ import annotations

import random

from bot.vocab import Angle, Lang, Stage, Step, Technique

from .customer import Customer
from .forms import GOODBYE_CUES, analysis_asked, asks_about_things
from .listening import (
    FAMILY_GAP,
    FAMILY_MIN,
    FAMILY_RATIO,
    FOREIGN_MASS,
    FOREIGN_SHARE,
    FOREIGN_WORD,
    NO_FOCUS,
    OWN_CONTENT_MIN,
    REACH_MIN,
    RETURN_CUES,
    RETURN_SHARE,
    SITUATION_MIN,
    Focus,
    angle_wanted,
    has_cue,
    is_conditional,
    is_question,
    is_tag_question,
)
from .rules import (
    DEEP_GATE,
    GUARDED_BELOW,
    NEXT_STEP_TRUST,
    PRECISION_SOFTENING,
    SHALLOW_GATE,
    SOFTENING,
    STAGE_TRUST,
)
from .scenario import NEED_FACTS, AnalysisFact, Problem, View
from .stakes import Stakes
from .state import SessionState, rng_for


class Guards(Stakes):
    """One turn's input (the session's state and the rep's line) and the conditions on it."""

    # The machines' current states, as plain strings: ``transitions`` reads an Enum by its name.
    stage: str
    step: str

    def __init__(
        self,
        customer: Customer,
        state: SessionState,
        text: str,
        techniques: list[Technique],
        focus: Focus = NO_FOCUS,
    ) -> None:
        self.customer = customer
        self.focus = focus
        self.state = state
        self.stage = str(state.stage)
        self.step = str(state.step)
        self.text = text
        self.techniques = techniques
        self.lang: Lang = state.lang
        self.rng: random.Random = rng_for(state.seed, state.turn)
        self.softened = state.permission or Technique.HUMBLE_DISCLAIMER in techniques[1:]
        # The problem talked about before this line (the turn makes a named one current).
        self.discussed: str | None = state.current_problem

    def _gate(self, gate: float) -> bool:
        """True when the customer is not ready for a question that needs ``gate`` trust."""
        return self.state.trust < gate - (SOFTENING if self.softened else 0.0)

    def needs_more_trust(self, min_trust: float) -> bool:
        """True when a fact's own trust requirement is not met; a line that names the very cause,
        problem or stake asked about shows the rep listened, and lowers it a little."""
        precise = self.focus.kind == "named" and self.focus.problem is not None
        return self.state.trust < min_trust - (PRECISION_SOFTENING if precise else 0.0)

    def too_early_shallow(self) -> bool:
        return self._gate(SHALLOW_GATE)

    def too_early_deep(self) -> bool:
        return self._gate(DEEP_GATE)

    def guarded(self) -> bool:
        return self.state.trust < GUARDED_BELOW[self.customer.persona.talkative]

    def has_problem(self) -> bool:
        """A problem to talk about: the one the line names (told, or one he would talk about),
        else the current one."""
        return self.topic_problem() is not None

    def problem_on_table(self) -> bool:
        """He has told a problem (the visit's flow moves on to analysing it)."""
        return self.state.current_problem is not None

    def topic_problem(self, override: bool = True) -> str | None:
        """The problem a question is about: the one the line names when he has told it, answered
        about it or would talk about it now; else (generic, or not reachable) the current one."""
        f, s, c = self.focus, self.state, self.customer
        if f.kind == "named" and f.problem is not None:
            if c.acknowledged(f.problem, s):
                return self._family_override(f.problem) if override else f.problem
            # One he has not told: only once a problem is on the table (a why before he sees any
            # has nothing to hold on to), when the line clearly names it, its cause or its stake
            # (not a view or a question of his that shares its words) and he would talk about it.
            if (
                s.current_problem is not None
                and f.clear
                and str(f.key).startswith(("problem:", "cause:", "implication:"))
                and c.reachable(f.problem, s)
            ):
                return self._family_override(f.problem) if override else f.problem
        return self._family_override(s.current_problem) if override else s.current_problem

    def _family_override(self, chosen: str | None) -> str | None:
        """``chosen``, unless the line's own words (no echo or context boost) clearly lean to
        another problem's family, one he has told or would talk about: "if the terminals keep
        dropping out..." while the on-time rate is on the table is about the terminals, even
        when no single topic of theirs wins the match (docs/engine.md, "Problem families")."""
        f, s, c = self.focus, self.state, self.customer
        if f.kind not in ("named", "generic") or not f.families:
            return chosen
        leader = self._family_leader(chosen)
        if leader is None:
            return chosen
        # A problem he has not told takes the question only from a line clearly naming a topic of it.
        untold_named = f.clear and f.problem == leader and c.reachable(leader, s)
        if c.acknowledged(leader, s) or (s.current_problem is not None and untold_named):
            return leader
        return chosen

    def _family_leader(self, chosen: str | None) -> str | None:
        """The other problem whose family the line's own words lean to enough to take the question
        from ``chosen``, if any (the rules of ``_family_override``)."""
        f = self.focus
        base = next((value for problem, value in f.families if problem == chosen), 0.0)
        leader, score = f.families[0]
        if f.kind == "named" and chosen != self.discussed and leader == self.discussed:
            # The line names another problem than the one just discussed: an explicit mention is
            # not won back for the talk by the words it shares with the talk's problem.
            return None
        if chosen is not None and chosen == self.discussed and has_cue(self.text, RETURN_CUES, self.lang):
            # "Back to X": a return to an earlier problem, so the one just discussed yields to
            # another the line's words name almost as well.
            leader, score = next(((p, v) for p, v in f.families if p != chosen), (chosen, 0.0))
            return leader if score >= FAMILY_MIN and score >= RETURN_SHARE * base else None
        if leader == chosen or score < FAMILY_MIN:
            return None
        if f.kind == "generic" and f.known >= OWN_CONTENT_MIN:
            return leader if score > base else None
        return leader if score >= FAMILY_RATIO * base and score - base >= FAMILY_GAP else None

    def named_cause(self) -> tuple[str, int] | None:
        """The problem and the index of the cause the line names, if it names one."""
        f = self.focus
        if f.kind != "named" or f.key is None or not f.key.startswith("cause:"):
            return None
        problem_id, _, cause_id = f.key.removeprefix("cause:").partition("/")
        ids = [cause.id for cause in self.customer.loaded.problems[problem_id].causes]
        return problem_id, ids.index(cause_id)

    def dig_target(self) -> tuple[Problem, int] | None:
        """What a why digs to: beneath the cause the line names (its own cause, per the chain),
        else the next cause of the problem it is about."""
        named = self.named_cause()
        if named is not None and self.topic_problem() == named[0]:
            problem_id, index = named
            if self.customer.loaded.problems[problem_id].causes[index].id not in self.state.revealed:
                # Not told yet: the line heads for it (a hunch, or the premise of a deeper why; the
                # matcher cannot tell them apart), and he answers about it. A weak match ("what's
                # causing the shortages?" sharing one word with what he says of a deeper cause)
                # asks about the problem: he digs from the top of its chain. So does a why in
                # the words of a cause two levels below the next untold one: he goes level by
                # level, and the rep described the problem in its root's words.
                top = self.customer.next_cause(self.state, problem_id)
                if not self.focus.clear or (top is not None and top[1] < index - 1):
                    return top
                return self.customer.loaded.problems[problem_id], index
            return self.customer.next_cause(self.state, problem_id, after=index)
        return self.customer.next_cause(self.state, self.topic_problem())

    # -- what the line is about (``listening.Focus``) ------------------------------------------

    def off_topic(self) -> bool:
        return self.focus.kind == "off_topic"

    def unclear(self) -> bool:
        return self.focus.kind == "unclear"

    def names_new_problem_directly(self) -> bool:
        """The line names a problem he has not told, or one of its causes (not only something
        that belongs to it, like a view or an implication)."""
        return self.names_new_problem() and str(self.focus.key).startswith(("problem:", "cause:"))

    def names_unreachable_problem(self) -> bool:
        """The line names a problem (or its cause) he has not told and would not talk about now."""
        f = self.focus
        return (
            self.names_new_problem_directly()
            and f.problem is not None
            and not self.customer.acknowledged(f.problem, self.state)
            and not self.customer.reachable(f.problem, self.state)
        )

    def names_new_problem(self) -> bool:
        """The line names one of the customer's problems he has not told yet (not set aside)."""
        f = self.focus
        return (
            f.kind == "named"
            and f.problem is not None
            and f.problem != f.aside
            and f.problem not in self.state.revealed
        )

    def names_new_situation(self) -> bool:
        """The line names a change around the customer he has not told yet."""
        f = self.focus
        return (
            f.kind == "named"
            and f.situation is not None
            and f.score >= SITUATION_MIN
            and f.situation not in self.state.revealed
        )

    def asks_about_new_situation(self) -> bool:
        """A closed question about a change around him he has not told, and he is ready to tell
        it (not a tag question: "..., right?" checks what the rep already knows)."""
        if not self.names_new_situation() or is_tag_question(self.text, self.lang):
            return False
        item = next(i for i in self.customer.situation if i.id == self.focus.situation)
        return self.customer._met(item.requires, self.state.revealed) and item.min_trust <= self.state.trust

    def names_stranger(self) -> bool:
        """The line names someone or somewhere he never mentioned ("what if Lingzui's orders go
        out late?"): another customer's client, site or brand; he asks who that is."""
        return bool(self.focus.stranger)

    def asks_about_foreign(self) -> bool:
        """A yes/no question about something this customer does not have: a word of some weight he
        never uses, none of his own, and the line names none of his topics ("any hospitals?")."""
        f = self.focus
        foreign = f.kind in ("generic", "unclear") and f.foreign >= FOREIGN_WORD and f.known < FOREIGN_WORD
        return foreign and asks_about_things(self.text, self.lang)

    def asks_about_foreign_things(self) -> bool:
        """A question whose words are mostly things this customer does not have (another
        business's doctors and patients, a plant abroad) and that names none of his topics: "not
        us, what do you mean?" rather than a change he volunteers or the current problem dug."""
        f = self.focus
        # A what-if whose words of his still lean to a problem he told ("网上评分要是继续往下掉..."
        # with the ratings on the table) pictures it in the rep's own words: not another business.
        leans = (
            bool(f.families)
            and f.families[0][1] >= FAMILY_MIN
            and is_conditional(self.text, self.lang)
            and self.customer.acknowledged(f.families[0][0], self.state)
        )
        return (
            f.kind in ("generic", "unclear")
            and f.foreign >= FOREIGN_MASS
            and f.foreign >= FOREIGN_SHARE * f.known
            and not leans
        )

    def names_untold(self) -> bool:
        """The line clearly names a problem, cause, stake or view he has not told: a yes/no
        question about it ("is it because inspection only happens at the end?") is the rep's
        hunch, which he neither confirms nor denies (closed questions do not uncover causes)."""
        f = self.focus
        return (
            f.kind == "named"
            and f.clear
            and str(f.key).startswith(("problem:", "cause:", "implication:", "view:"))
            and f.fact not in self.state.revealed
        )

    def names_other_topic(self) -> bool:
        """The line names a topic that is not a problem's (the solution, a change with no problem)."""
        return self.focus.kind == "named" and self.focus.problem is None

    def names_open_implication(self) -> bool:
        """The line names what is at stake (an implication he has not told, trust enough): any
        question about it is heard as a what-if."""
        f = self.focus
        if f.kind != "named" or f.implication is None or self.too_early_deep():
            return False
        found = self.implication()
        return found is not None and found.id == f.implication

    def why_names_open_implication(self) -> bool:
        """A why naming a stake he is ready to tell ("why would the valuation suffer?"): told, when
        the line names it clearly or its problem has no cause left to dig. A weak match on a stake
        in a why about a problem with causes left asks for the cause ("what's driving the doctors
        to send files that way?" shares words with the leak the files could cause)."""
        if not self.names_open_implication():
            return False
        if not self.can_dig():
            return True
        # Clearly named, once the problem's causes are being talked about: a why about a problem
        # none of whose causes is out yet asks for the first one ("why are drivers getting to
        # customers late?" shares words with the late-running routes, a stake).
        problem = self.customer.loaded.problems.get(str(self.focus.problem))
        analysed = problem is not None and any(c.id in self.state.revealed for c in problem.causes)
        return self.focus.score >= REACH_MIN and analysed

    def asks_about_open_implication(self) -> bool:
        """A yes/no or care question that clearly names what is at stake ("when one truck runs
        late, does it spread to the other routes?"): heard as the what-if it is (not a tag
        question, which checks what the rep believes)."""
        return (
            self.focus.score >= REACH_MIN
            and is_question(self.text)
            and not is_tag_question(self.text, self.lang)
            and self.names_open_implication()
        )

    def names_open_view(self) -> bool:
        """The line names an idea he has a view on, and he is ready to give it."""
        f = self.focus
        if f.kind != "named" or f.view is None or self.too_early_deep():
            return False
        found = self.view()
        return found is not None and found.id == f.view

    def says_more_unprompted(self, named: bool) -> bool:
        """An open question about a problem he told: he says more about it, nothing unrelated (the
        visit's purpose or the solution names no problem); a talkative customer goes on anyway."""
        if named and self.focus.problem is not None:
            return self.has_problem()
        return self.customer.persona.talkative == "high"

    def pictures_view(self) -> bool:
        """A what-if about an idea he has a view on, that does not ask what it would win or cost
        him: "if you caught drift at once, what would it give you?" asks for the gain, which an
        untold stake of his answers before his view of the idea does; "what would worry you
        most?" asks for the avoid-harm review, not the view."""
        if not self.names_open_view() or angle_wanted(self.text, self.lang) is Angle.AVOID_HARM_REVIEW:
            return False
        return self.customer.direction(self.text, self.lang) is None or self.implication() is None

    def visit_tone(self) -> str:
        """How the visit went, for the farewell: warm, neutral or cool."""
        s = self.state
        if s.next_step == "agreed" or (self.motivated() and s.trust >= 55):
            return "warm"
        return "cool" if s.trust < 35 or s.off_topic >= 3 or s.pitches_before_need > 0 else "neutral"

    def takes_leave(self) -> bool:
        """A greeting once the next step is agreed or deadline and budget are being confirmed, or
        one with leave-taking words once he has told something, is the rep taking leave."""
        s = self.state
        late = s.next_step == "agreed" or s.step == Step.NEED_CONFIRMATION
        return s.greeted and (late or (bool(s.revealed) and has_cue(self.text, GOODBYE_CUES, self.lang)))

    def need_confirmed(self) -> bool:
        """Motivated, a deadline or budget out, and trust enough to commit to a next step."""
        s = self.state
        return (
            self.customer.motivated(s)
            and any(fact in s.revealed for fact in NEED_FACTS)
            and s.trust >= NEXT_STEP_TRUST
        )

    def analysis_fact(self) -> tuple[Problem, AnalysisFact] | None:
        """The fact an analysis question of the problem's type draws out ("where in the process
        do the defects start?"): of the problem the line is about, told, not yet said."""
        if not self.customer.loaded.has_analysis:  # most scenarios: no problem lookup on every question
            return None
        problem_id = self.topic_problem()
        problem = self.customer.loaded.problems.get(problem_id) if problem_id else None
        if problem is None or not problem.analysis or problem.id not in self.state.revealed:
            return None
        asked = analysis_asked(self.text, self.lang, problem.type)
        found = (f for f in problem.analysis if f.asks == asked and f.id not in self.state.revealed)
        fact = next(found, None)
        return (problem, fact) if fact is not None else None

    def asks_open_analysis(self) -> bool:
        return self.analysis_fact() is not None

    def can_dig(self) -> bool:
        return self.dig_target() is not None

    def has_sibling(self) -> bool:
        return self.sibling() is not None

    def sibling(self) -> Problem | None:
        """The problem a what-else opens: the next one he has not told, not the one set aside."""
        return self.customer.next_sibling(self.state, exclude=self.focus.aside)

    def has_situation_left(self) -> bool:
        return self.customer.next_situation(self.state) is not None

    def has_situation_revealed(self) -> bool:
        return any(item.id in self.state.revealed for item in self.customer.situation)

    def has_implication(self) -> bool:
        return self.implication() is not None

    def root_found(self) -> bool:
        return self.customer.root_found(self.state)

    def has_view(self) -> bool:
        return self.view() is not None

    def view(self) -> View | None:
        """The customer's view on the problem the line is about (any problem for a generic line)."""
        s, c = self.state, self.customer
        ready = [
            v
            for v in c.views
            if v.id not in s.revealed and c.root_found(s, v.problem) and c._met(v.requires, s.revealed)
        ]
        f = self.focus
        if f.kind == "named" and f.problem is not None:
            # The view the line names, else his view on the problem it names (nothing on another).
            return next((v for v in ready if v.id == f.view), None) or next(
                (v for v in ready if v.problem == f.problem), None
            )
        # A generic line, or one about the solution or a peer's case: the problem on the table first.
        return next((v for v in ready if v.problem == s.current_problem), None) or next(iter(ready), None)

    def motivated(self) -> bool:
        return self.customer.motivated(self.state)

    def need_left(self) -> bool:
        return any(fact not in self.state.revealed for fact in NEED_FACTS)

    def has_news(self) -> bool:
        return len(self.state.revealed) > self.state.confirmed_upto

    def has_prior(self) -> bool:
        """Something of an earlier visit to pick up (or picked up by naming it this very turn)."""
        return bool(self.state.prior) or bool(getattr(self, "revealed", None))

    def has_facts(self) -> bool:
        return bool(self.state.revealed)

    def pending(self) -> bool:
        return self.state.pending_question is not None

    def trust_at_liking(self) -> bool:
        return self.state.trust >= STAGE_TRUST[Stage.LIKING]

    def trust_at_trust(self) -> bool:
        return self.state.trust >= STAGE_TRUST[Stage.TRUST]

    def trust_at_persuasion(self) -> bool:
        return self.state.trust >= STAGE_TRUST[Stage.PERSUASION]

    def trust_at_excitation(self) -> bool:
        return self.state.trust >= STAGE_TRUST[Stage.EXCITATION]
