"""Which stake a what-if draws out: of the problem it is about, the one it names, else by the
angle it asks for (review, vision, harm or gain, spreading or long-term). Mixed into
``guards.Guards``, whose turn input it reads."""

from __future__ import annotations

from bot.vocab import Angle, Lang

from .customer import HARM_ANGLES, Customer
from .listening import FAMILY_MIN, STAKE_LEAD, STAKE_MIN, Focus, angle_wanted
from .scenario import Implication
from .state import SessionState


class Stakes:
    """The what-if's stake, for the transition table's guards and the reactions."""

    customer: Customer
    state: SessionState
    text: str
    lang: Lang
    focus: Focus

    def topic_problem(self, override: bool = True) -> str | None:
        raise NotImplementedError  # guards.Guards: the problem the line is about

    def angle_asked(self) -> Angle | None:
        """The review or the vision a what-if asks for; "if it stays unsolved, what worries you?"
        pictures the problem going on, and with no review to tell it asks for the harm."""
        wanted = angle_wanted(self.text, self.lang)
        if wanted is Angle.AVOID_HARM_REVIEW and self.customer.imagines_unsolved(self.text, self.lang):
            return None
        return wanted

    def review_not_ready(self) -> bool:
        """A what-if asking what would worry him about a change (the avoid-harm review) when he
        has none to tell yet: not reachable (its cause is still hidden) or not in this scenario."""
        if self.angle_asked() is not Angle.AVOID_HARM_REVIEW or self.implication() is not None:
            return False
        return not any(
            i.angle == Angle.AVOID_HARM_REVIEW and i.id in self.state.revealed
            for i in self.customer.implications
        )

    def implication(self) -> Implication | None:
        """The implication a what-if draws out: of the problem it is about only; the one it names,
        else by the angle it asks for (review, vision, harm or gain, spreading or long-term)."""
        # The named problem when he has told it or would talk about it; else the current one.
        wanted = angle_wanted(self.text, self.lang)
        candidates = self._stake_candidates(self.topic_problem())
        if wanted is not None and not any(Angle(i.angle) == wanted for _, i in candidates):
            # The review or vision asked for belongs to the problem the talk is on, not to the
            # family the line's words lean to ("if you switch to traffic-based rotas, what worries
            # you?" while the openings are on the table).
            candidates = self._stake_candidates(self.topic_problem(override=False)) or candidates
            if not any(Angle(i.angle) == wanted for _, i in candidates):
                candidates = self._wanted_elsewhere(wanted) or candidates
        if not candidates or self._review_missing(candidates):
            return None  # what would worry him about a change: no gain or loss stands in for it
        c = self.customer
        harm = c.imagines_unsolved(self.text, self.lang)
        direction = c.direction(self.text, self.lang)  # None when the line says neither
        scope = c.scope_of(self.text, self.lang)
        named = self._named_stake(candidates, wanted, direction, harm)
        if named is not None and (scope is None or wanted is not None or named.angle.startswith(scope)):
            return named  # (not when the line asks who else is hit, and it names a long-term harm)
        if direction is None and wanted is None:
            harm = self._harm_by_words(candidates, scope)

        def group(i: Implication) -> tuple[int, int, int]:
            angle = Angle(i.angle)
            return (
                0 if wanted is None or angle == wanted else 1,
                0 if (angle in HARM_ANGLES) == harm or angle == wanted else 1,
                0 if scope is None or angle.startswith(scope) else 1,
            )

        best = min(group(i) for _, i in candidates)
        # Within the angles asked for, the stake the line's words clearly point to.
        lead = self._stake_lead([i for _, i in candidates if group(i) == best])
        return min(candidates, key=lambda e: (group(e[1]), 0 if e[1] is lead else 1, e[0]))[1]

    def _wanted_elsewhere(self, wanted: Angle) -> list[tuple[int, Implication]]:
        """The stakes of the next problem the line's own words lean to (family >= FAMILY_MIN, told)
        that has the review or vision asked for, when the problem heard has none: "if every
        workshop went over to servicing by the data, what would worry you?" heard as the charter
        goal, one word short of the breakdowns, which his worries about the change belong to."""
        for problem, score in self.focus.families:
            if score < FAMILY_MIN:
                break
            found = self._stake_candidates(problem) if self.customer.acknowledged(problem, self.state) else []
            if any(Angle(i.angle) == wanted for _, i in found):
                return found
        return []

    def _harm_by_words(self, candidates: list[tuple[int, Implication]], scope: str | None) -> bool:
        """A what-if with no harm or gain words: the stake its own words clearly point to decides,
        of the scope asked for ("what else does it knock on to?" asks for a spreading stake). With
        no stake clearly named, a spreading question ("who else feels it?") asks what the problem
        drags along: the spreading harm before the gain."""
        scoped = [i for _, i in candidates if scope is not None and i.angle.startswith(scope)]
        lead = self._stake_lead(scoped or [i for _, i in candidates])
        if lead is not None:
            return Angle(lead.angle) in HARM_ANGLES
        return any(Angle(i.angle) in HARM_ANGLES for i in scoped)

    def _review_missing(self, candidates: list[tuple[int, Implication]]) -> bool:
        review = Angle.AVOID_HARM_REVIEW
        return self.angle_asked() is review and not any(Angle(i.angle) == review for _, i in candidates)

    def _named_stake(
        self,
        candidates: list[tuple[int, Implication]],
        wanted: Angle | None,
        direction: str | None,
        harm: bool,
    ) -> Implication | None:
        """The stake the line names, unless it asks the other way ("if you could fix it" names a
        harm's words) or for another angle."""
        for _, i in candidates:
            angle = Angle(i.angle)
            if (
                i.id == self.focus.implication
                and (wanted is None or angle == wanted)
                and (wanted is not None or direction is None or (angle in HARM_ANGLES) == harm)
            ):
                return i
        return None

    def _stake_candidates(self, problem: str | None) -> list[tuple[int, Implication]]:
        """The implications a what-if about ``problem`` may draw out, with their order."""
        s, c = self.state, self.customer
        candidates = [
            (index, i)
            for index, i in enumerate(c.implications)
            if i.id not in s.revealed
            and (i.problem == problem or c.acknowledged(i.problem, s))
            and c._met(i.requires, s.revealed)
        ]
        if problem is not None:
            candidates = [(index, i) for index, i in candidates if i.problem == problem]
        return candidates

    def _stake_lead(self, implications: list[Implication]) -> Implication | None:
        """The one the line's own words match at least STAKE_MIN and STAKE_LEAD times any other."""
        stakes = dict(self.focus.stakes)
        ranked = sorted(implications, key=lambda i: -stakes.get(i.id, 0.0))
        if not ranked or stakes.get(ranked[0].id, 0.0) < STAKE_MIN:
            return None
        second = stakes.get(ranked[1].id, 0.0) if len(ranked) > 1 else 0.0
        return ranked[0] if stakes[ranked[0].id] >= STAKE_LEAD * second else None
