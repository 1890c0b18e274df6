"""What each transition does: the customer's reactions to a rep's line.

``TurnModel`` is the ``transitions`` model of one turn. The transition table (``table.py``)
names its guards (from ``guards.Guards``) and its reactions (here); each reaction makes the
customer answer, moves ``delta`` (this turn's trust change) and names the turn's ``event``
for the coach.
"""

from __future__ import annotations

from bot.vocab import Event, Step, Technique

from .customer import Customer
from .forms import asks_for_detail
from .guards import Guards
from .listening import NO_FOCUS, Focus
from .rules import COST, DEFLECT_FLOOR_BELOW_START, GAIN, OFFENCE_OF, WALK_OUT_TRUST
from .state import SessionState


class TurnModel(Guards):
    """One turn: the guards' input plus what the customer says and does in reply."""

    def __init__(
        self,
        customer: Customer,
        state: SessionState,
        text: str,
        techniques: list[Technique],
        focus: Focus = NO_FOCUS,
    ) -> None:
        super().__init__(customer, state, text, techniques, focus)
        self.parts: list[str] = []
        self.reply_key = ""  # the last engine wording used this turn (none when only facts were told)
        self.revealed: list[str] = []
        self.event = Event.NONE
        self.delta = 0.0
        self.asked_question: str | None = None

    def say(self, key: str, **fields: str) -> None:
        """Add the customer's wording for one of the engine's situations to the reply; a fallback
        said last turn is worded differently this time (or, with one wording only, shortened)."""
        text = self.customer.say(key, self.lang, self.rng, **fields)
        if key == self.state.last_reply_key and text in self.state.last_customer:
            for _ in range(4):
                text = self.customer.say(key, self.lang, self.rng, **fields)
                if text not in self.state.last_customer:
                    break
            else:
                text = self.customer.listen("again", self.lang, self.rng, avoid=self.state.last_customer)
        self.reply_key = key
        self.parts.append(text)

    def listen(self, key: str, **fields: str) -> None:
        """Add one of the listening moments' wordings (``listening.LISTEN_KEYS``)."""
        self.reply_key, avoid = key, self.state.last_customer
        self.parts.append(self.customer.listen(key, self.lang, self.rng, avoid=avoid, **fields))

    def about(self, key: str, fallback: str) -> None:
        """Say ``key`` about the topic the line named, or the plain ``fallback`` for a generic line."""
        told = key != "nothing_more_about" or self.focus.fact in self.state.revealed  # "all I know": told
        # Echoing something he has not told is only right when the rep clearly named it: on a loose
        # match he would put words in the rep's mouth, and give away a fact unasked.
        echo = self.focus.clear or self.focus.fact in self.state.revealed
        if self.focus.kind == "named" and self.focus.title and told and echo:
            self.listen(key, topic=self.focus.title)
        else:
            self.say(fallback)

    def reveal(self, fact_id: str) -> None:
        """The customer tells a fact (once), and may raise the question it prompts."""
        if fact_id in self.state.revealed:
            return
        self.state.revealed.append(fact_id)
        self.revealed.append(fact_id)
        if fact_id in self.state.prior:
            self.state.prior.remove(fact_id)
        self.parts.append(self.customer.tell(fact_id, self.lang, self.rng))
        question = self.customer.question_after(fact_id, self.state)
        if question is not None and self.state.pending_question is None and self.asked_question is None:
            self.asked_question = question.id

    def cost(self, kind: str) -> None:
        """Lose the trust a mistake costs; double when this persona is offended by it."""
        offended = OFFENCE_OF.get(kind) in self.customer.persona.offended_by
        self.delta -= COST[kind] * (2 if offended else 1)

    def greet(self) -> None:
        self.event, s = Event.GREETED, self.state
        if self.takes_leave():
            return self.farewell(ending=False)
        if not s.greeted:
            s.greeted, self.delta = True, self.delta + GAIN["greeting"]
        self.say("greeting")

    def answer_closed(self) -> None:
        if self.state.step == Step.OPENER and self.state.opener_closed < 2:
            self.state.opener_closed += 1
            self.delta += GAIN["opener_closed"]
            self.event = Event.OPENER_ANSWERED
        else:
            self.delta += GAIN["closed"]
            self.event = Event.SMALL_TALK
        # The script's "yes, that's right" answers yes/no questions: not a count, a name, a hunch.
        asked = asks_for_detail(self.text, self.lang) or ("hunch" if self.names_untold() else None)
        if asked is None:
            self.say("small_talk")
        else:
            self.listen(f"closed_{asked}")

    def answer_guarded(self) -> None:
        self.event = Event.GUARDED
        self.delta += GAIN["guarded"]
        self.say("guarded")

    def answer_open(self) -> None:
        named = self.focus.kind == "named" and self.focus.situation is None
        item = None if named else self.customer.next_situation(self.state)
        if item is not None and item.min_trust <= self.state.trust:
            self._tell_situation(item.id, GAIN["open"])
        elif self.says_more_unprompted(named) and self.can_dig():
            self.dig()
        else:
            self.event = Event.SMALL_TALK
            self.delta += GAIN["closed"]
            self.say("small_talk")

    def show_care(self) -> None:
        item = self.customer.next_situation(self.state)
        self.state.cares += 1
        gain = GAIN["care"] if self.state.cares <= 2 else GAIN["care_again"]
        if item is not None and item.min_trust <= self.state.trust:
            self._tell_situation(item.id, gain)
            return
        self.event = Event.CARE
        self.delta += GAIN["care_again"]
        self.say("small_talk")

    def _tell_situation(self, fact_id: str, gain: float) -> None:
        item = next(i for i in self.customer.situation if i.id == fact_id)
        self.event = Event.SITUATION
        self.delta += gain
        self.reveal(item.id)
        if item.leads_to is not None and item.leads_to not in self.state.revealed:
            self._open_problem(item.leads_to)

    def _open_problem(self, problem_id: str) -> None:
        self.state.current_problem = problem_id
        self.reveal(problem_id)

    def grant_permission(self) -> None:
        self.event = Event.PERMISSION
        self.state.permission = True
        self.delta += GAIN["permission"]
        self.say("permission")

    def deflect(self) -> None:
        self.state.deflections += 1
        if self.softened:
            self.event = Event.DEFLECTED_SOFTENED
            self.say("deflect_softened")
        else:
            self.event = Event.DEFLECTED
            self.cost("deflect")
            self._bound_fall()
            self.about("deflect_about", "deflect")

    def _bound_fall(self) -> None:
        """Questions asked too early never push trust below a floor under where the visit began:
        the rep can still win him back by answering, disclaiming and showing care."""
        floor = max(WALK_OUT_TRUST + 5.0, self.customer.persona.initial_trust - DEFLECT_FLOOR_BELOW_START)
        if self.state.trust + self.delta < floor:
            self.delta = min(0.0, floor - self.state.trust)

    def hold_back(self) -> None:
        """A well-timed question whose fact needs more trust: he keeps it back, about the topic."""
        self.state.deflections += 1
        self.event = Event.DEFLECTED
        last = self.state.last_event or (self.state.history[-1]["event"] if self.state.history else None)
        if last in (Event.DEFLECTED, Event.DEFLECTED_SOFTENED):
            self.delta -= COST["hold_back"]  # pressing on after he held back once
            self._bound_fall()
        self.about("deflect_about", "deflect")

    def no_problem_yet(self) -> None:
        self.event = Event.NO_PROBLEM_YET
        self.about("not_yet_about", "no_problem_yet")

    def talk_off_topic(self) -> None:
        """The rep asked about something this customer does not have (or someone he never named:
        "Lingzui? who is that?"): no fact, and it costs more each time in a row."""
        self.event = Event.OFF_TOPIC
        self.state.off_topic += 1
        self.state.off_topic_run += 1
        self.delta -= COST["off_topic"] * self.state.off_topic_run
        self.listen("stranger" if self.focus.stranger else "off_topic", name=self.focus.stranger)

    def mind_manners(self) -> None:
        """No surname and title, slang: the customer answers coolly and trusts the rep less."""
        self.event = Event.IMPOLITE
        self.state.offences += 1
        self.cost("impolite")
        self.listen("impolite")

    def say_not_ours(self) -> None:  # no, not something he has (what does the rep mean?): -1
        self.event = Event.UNCLEAR
        self.cost("unclear")
        self.listen("not_ours")

    def ask_what_meant(self) -> None:
        self.event = Event.UNCLEAR
        self.cost("unclear")
        self.listen("unclear")

    def open_named(self) -> None:
        """The line names a problem the customer has not told: he tells it when it is reachable
        (its conditions met, trust enough), else he does not see it as a problem yet."""
        problem_id = self.focus.problem
        assert problem_id is not None  # guarded by names_new_problem
        problem = self.customer.loaded.problems[problem_id]
        if not self.customer._met(problem.requires, self.state.revealed):
            self.not_told_yet()
            return
        leading = next(
            (
                i
                for i in self.customer.situation
                if i.leads_to == problem_id
                and i.id not in self.state.revealed
                and self.customer._met(i.requires, self.state.revealed)
                and i.min_trust <= self.state.trust
            ),
            None,
        )
        if leading is not None:  # he tells the change behind it first, and the problem with it
            self._tell_situation(leading.id, GAIN["reveal"])
            return
        if problem.min_trust > self.state.trust:
            self.deflect()
            return
        self.event = Event.SIBLING
        self.delta += GAIN["reveal"]
        self._open_problem(problem_id)

    def not_told_yet(self) -> None:
        """The line names a problem he has not told: not his problem yet (no fact, no cost)."""
        self.event = Event.NO_PROBLEM_YET
        self.about("not_yet_about", "no_problem_yet")

    def tell_named_situation(self) -> None:
        """The line names a change around him: he tells it when ready, else answers as usual."""
        item = next(i for i in self.customer.situation if i.id == self.focus.situation)
        if not self.customer._met(item.requires, self.state.revealed) or item.min_trust > self.state.trust:
            if Technique.CURIOSITY_CARE in self.techniques[:1]:
                self.show_care()
            else:
                self.answer_open()
            return
        self.state.cares += 1
        self._tell_situation(item.id, GAIN["care"] if self.state.cares <= 2 else GAIN["open"])

    def tell_named_change(self) -> None:
        """A closed question about a change around him: yes, and what it is."""
        assert self.focus.situation is not None  # guarded by asks_about_new_situation
        self.state.cares += 1
        self._tell_situation(self.focus.situation, GAIN["care"] if self.state.cares <= 2 else GAIN["open"])

    def check_interest(self) -> None:
        """The interest check, answered by where the customer stands."""
        self.event = Event.INTEREST
        if not any(p.id in self.state.revealed for p in self.customer.problems):
            self.state.interest = "puzzled"
            self.listen("interest_puzzled")
        elif not self.motivated():
            self.state.interest = "lukewarm"
            self.listen("interest_lukewarm")
        else:
            if self.state.interest != "interested":
                self.delta += GAIN["interest"]
            self.state.interest = "interested"
            self.listen("interest_yes")

    def agree_next_step(self) -> None:
        self.event = Event.NEXT_STEP_AGREED
        if self.state.next_step != "agreed":
            self.delta += GAIN["next_step"]
        self.state.next_step = "agreed"
        self.listen("next_step_yes")

    def decline_next_step(self) -> None:
        """Politely no, with the reason in the customer's terms."""
        self.event = Event.NEXT_STEP_DECLINED
        if self.state.next_step != "agreed":
            self.state.next_step = "declined"
        self.cost("next_step_early")
        if not any(p.id in self.state.revealed for p in self.customer.problems):
            self.listen("next_step_no_problem")
        elif not self.motivated():
            self.listen("next_step_not_motivated")
        elif not any(fact in self.state.revealed for fact in ("deadline", "budget")):
            self.listen("next_step_no_need")
        else:
            self.listen("next_step_low_trust")

    def dig(self) -> None:
        """The cause beneath the one the line names, else the next one of its problem; a why
        about a problem he has not told yet (but would talk about) opens it first."""
        found = self.dig_target()
        assert found is not None  # guarded by can_dig
        problem, index = found
        cause = problem.causes[index]
        if self.needs_more_trust(cause.min_trust):
            self.hold_back()
            return
        self.state.current_problem = problem.id
        self.delta += GAIN["reveal"]
        if self.focus.key == f"problem:{problem.id}" and problem.id not in self.state.revealed:
            self.reveal(problem.id)
        self.reveal(cause.id)
        self.event = Event.ROOT_FOUND if index == len(problem.causes) - 1 else Event.DUG

    def analyse(self) -> None:
        found = self.analysis_fact()
        assert found is not None  # guarded by asks_open_analysis
        problem, fact = found
        if self.needs_more_trust(fact.min_trust):
            return self.hold_back()
        self.state.current_problem, self.event = problem.id, Event.ANALYSED
        self.delta += GAIN["reveal"]
        self.reveal(fact.id)

    def at_root(self) -> None:
        self.event = Event.AT_ROOT
        self.about("nothing_more_about", "no_deeper")

    def open_sibling(self) -> None:
        problem = self.sibling()
        assert problem is not None  # guarded by has_sibling
        if problem.min_trust > self.state.trust:
            self.hold_back()
            return
        self.event = Event.SIBLING
        self.delta += GAIN["reveal"]
        self._open_problem(problem.id)

    def tell_more_situation(self) -> None:
        item = self.customer.next_situation(self.state)
        assert item is not None  # guarded by has_situation_left
        if item.min_trust > self.state.trust:
            self.deflect()
            return
        self._tell_situation(item.id, GAIN["reveal"])

    def nothing_new(self) -> None:
        self.event = Event.SMALL_TALK
        self.about("nothing_more_about", "small_talk")

    def nothing_else(self) -> None:
        self.event = Event.NOTHING_ELSE
        self.about("nothing_more_about", "nothing_else")

    def review_not_yet(self) -> None:
        self.event = Event.REVIEW_NOT_YET
        self.say("review_not_yet")

    def imagine(self) -> None:
        implication = self.implication()
        assert implication is not None  # guarded by has_implication
        if self.needs_more_trust(implication.min_trust):
            self.hold_back()
            return
        self.state.current_problem = implication.problem
        self.event = Event.IMPLICATION
        self.delta += GAIN["implication"]
        self.reveal(implication.id)

    def share_view(self) -> None:
        view = self.view()
        assert view is not None  # guarded by has_view
        self.event = Event.VIEW
        self.delta += GAIN["view"]
        self.reveal(view.id)

    def view_too_early(self) -> None:
        self.event = Event.VIEW_TOO_EARLY
        self.cost("view_too_early")
        self.say("view_too_early")

    def confirm_need(self) -> None:
        fact = self.customer.next_need(self.state, self.text, self.lang)
        if fact is None:  # the one asked for is out already (need_left: the other is not)
            return self.need_done()
        self.event = Event.NEED
        self.delta += GAIN["need"]
        self.reveal(fact)

    def need_not_ready(self) -> None:
        self.event = Event.NEED_NOT_READY
        self.cost("need_not_ready")
        self.say("need_not_ready")

    def need_done(self) -> None:
        self.event = Event.NEED_DONE
        self.say("need_done")

    def confirm_yes(self) -> None:
        self.event = Event.CONFIRMED
        self.state.confirmed_upto = len(self.state.revealed)
        self.delta += GAIN["confirm"]
        self.say("confirm_yes")

    def confirm_nothing(self) -> None:
        self.event = Event.CONFIRM_NOTHING
        self.say("confirm_nothing")

    def revisit(self) -> None:
        """Pick up where an earlier visit left off: its facts count again, its problem is current."""
        self.event = Event.REVISITED
        recalled = self.state.pick_up_earlier(self.revealed)  # the named: turn.recall_named
        problems = [f for f in recalled if f in self.customer.loaded.problems]
        owners = [
            self.customer.loaded.cause_owner[f] for f in recalled if f in self.customer.loaded.cause_owner
        ]
        if problems or owners:
            self.state.current_problem = (owners or problems)[-1]
        topical = [f for f in recalled if f in self.customer.loaded.fact_topic]
        topic = self.customer.topic(topical[-1], self.lang) if topical else ""
        self.delta += GAIN["revisit_prior"]
        self.say("revisit", topic=topic)

    def revisit_talk(self) -> None:
        self.event = Event.REVISITED_TALK
        named = [f for f in (self.focus.problem, self.focus.fact) if f in self.state.revealed]
        topical = [f for f in [*self.state.revealed, *named] if f in self.customer.loaded.fact_topic]
        topic = self.customer.topic(topical[-1], self.lang) if topical else ""  # the one the rep named
        self.delta += GAIN["revisit_talk"]
        self.say("revisit_talk", topic=topic)  # "as I said", not "last time": it is this visit

    def revisit_unknown(self) -> None:
        self.event = Event.REVISIT_UNKNOWN
        self.cost("revisit_unknown")
        self.say("revisit_unknown")

    def answer_back(self) -> None:
        question_id = self.state.pending_question
        assert question_id is not None  # guarded by pending
        question = self.customer.questions[question_id]
        self.state.pending_question = None
        self.state.answered_back += 1
        self.event = Event.ANSWERED_BACK
        self.delta += GAIN["answer_back"]
        self.parts.append(self.customer.pick(question.answered, self.lang, self.rng))
        if question.reveals is not None:
            if question.reveals in self.customer.loaded.problems:
                self._open_problem(question.reveals)
            else:
                self.reveal(question.reveals)

    def accept_answer(self) -> None:
        self.state.pending_question = None
        self.event = Event.ANSWERED_PLAINLY
        self.delta += GAIN["accept_answer"]
        self.say("small_talk")

    def neutral(self) -> None:
        self.event = Event.STATEMENT
        self.say("statement")

    def reject_pitch(self) -> None:
        self.event = Event.PITCH_EARLY
        self.state.pitches += 1
        self.state.pitches_before_need += 1
        self.cost("pitch_early")
        self.say("pitch_early")

    def hear_pitch(self) -> None:
        self.event = Event.PITCH_AFTER_NEED
        self.state.pitches += 1
        self.delta += GAIN["pitch_after_need"]
        self.say("pitch_after_need")
        question = self.customer.question_after("pitch", self.state)
        if question is not None and self.state.pending_question is None:
            self.asked_question = question.id

    def offend_private(self) -> None:
        self.event = Event.PRIVATE
        self.state.offences += 1
        self.cost("private")
        self.say("private_topic")

    def walk_out(self) -> None:
        self.event = Event.WALKED_OUT if self.event == Event.NONE else self.event
        self.say("close_visit")

    def farewell(self, ending: bool = True) -> None:
        """Goodbye in the tone the visit earned: warm (the scenario's own words), neutral or cool."""
        self.event = Event.ENDED if ending else self.event
        tone = self.visit_tone()
        self.say("farewell") if tone == "warm" else self.listen(f"farewell_{tone}")
