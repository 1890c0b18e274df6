"""The simulated customer: what they know, what they would share next, and how they word it.

The customer never decides *whether* to answer: that is the state machine's job (the method's
guards). Given that the machine lets a question through, the customer picks the next fact it
opens up and a wording for it. Wordings are chosen with a random generator the caller seeds
from (session seed, turn number), so a replay is exact and another seed sounds different.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from bot.vocab import Angle

from .forms import asks_who_is_hit
from .listening import listen_line
from .scenario import (
    LISTEN_REPLY_KEYS,
    NEED_FACTS,
    REPLY_KEYS,
    CustomerQuestion,
    Implication,
    Lines,
    LoadedScenario,
    Problem,
    Scenario,
    SituationItem,
    View,
)
from .text_keys import REPLY_KEYS as REPLY_TEXT_KEYS
from .text_keys import lines

if TYPE_CHECKING:
    from .state import SessionState

# Plain wordings for every situation the engine handles are the catalogue's customer.reply.*
# (text_keys.REPLY_KEYS, one variant per line); a scenario's ``replies`` override them.
assert set(REPLY_TEXT_KEYS) == set(REPLY_KEYS), "every reply key needs a default wording"

# How a "what if" question points: at the problem left unsolved (harm) or solved (gain), and at
# the long run or at the people and places around it. Counted, not matched once: "if you could
# not fix it" has a gain word and a harm word, and the negation wins the tie.
HARM_CUES: dict[str, tuple[str, ...]] = {
    "zh": (
        "不", "没", "一直", "继续", "拖", "恶化", "还是", "这样下去", "持续", "更糟", "失去", "丢", "亏",
        "垮", "出事", "损失", "流失", "罚", "下去", "照这样", "老是", "总是", "越来越多", "万一", "伤人",
        "受伤", "下滑", "往下掉", "越来越少", "连累", "牵连", "拖累", "波及", "再这么", "吃掉",
    ),
    "en": (
        "not ", "n't", "never", "still", "unsolved", "worse", "carry on", "carries on", "continue",
        "goes on", "keeps", "keep ", "stays", "stay ", "remain", "nothing changes", "like this",
        "as it is", "fail", "lose", "losing", "lost ", "miss", "go wrong", "goes wrong", "hurt",
        "damage", "penalt", "fine ", "fined", "go on", "going on", "went on", "carried on",
        "carrying on", "kept", "keeping", "stayed", "worst", "more and more", "pile up", "piling up",
    ),
}  # fmt: skip
GAIN_CUES: dict[str, tuple[str, ...]] = {
    "zh": (
        "能", "解决了", "做到", "做成", "假如", "想象", "改善", "提升", "省下", "赢", "如果有", "好了",
        "受益", "降回", "降到", "降下来", "减少", "少了", "稳住", "不亏", "不再",
    ),
    "en": (
        "could", "solved", "fixed", "imagine", "knew", "managed to", "succeed", "better", "improve",
        "save", "win", "if you had", "give you", "do for you", "bring you", "be worth", "back up",
        "what would you do with", "benefit", "without losing", "came down", "come down", "fell back",
        "settled", "steadied",
    ),
}  # fmt: skip
SPREAD_CUES: dict[str, tuple[str, ...]] = {
    "zh": (
        "还有谁", "其他", "其它", "别的", "连带", "波及", "除了", "影响到", "拖累", "连累", "牵连",
        "跟着", "牵扯", "哪些人", "卷进", "殃及",
    ),
    "en": (
        "who else", " other ", " others", "besides", "spread", "knock-on", "elsewhere", "beyond",
        "anyone else", "spill", "ripple", "drag down", "drags down", "knock on", "knocks on",
        "dragged into", "drags in", "dragged in", "pulled into", "caught up in", "which teams",
        "which departments",
    ),
}  # fmt: skip
LONG_CUES: dict[str, tuple[str, ...]] = {
    "zh": (
        "明年",
        "长期",
        "以后",
        "将来",
        "几年",
        "未来",
        "长远",
        "年底",
        "再拖一年",
        "最坏",
        "往后",
        "今后",
        "长此以往",
    ),
    "en": (
        "next year",
        "long",
        "years",
        "future",
        "by then",
        "eventually",
        "in the end",
        "year end",
        "another year",
        "the worst",
    ),
}
# "What could happen?", "what could go wrong?" ask for a consequence, not for the gain of a fix:
# their "could" is no gain cue.
_NEUTRAL_COULD = re.compile(r"\bcould\s+(?:(?:it|that|this|they|there)\s+)?(?:happen|go|come|be|mean|end)\b")


# A Chinese A-not-A question ("能不能", "会不会", "有没有") asks yes or no: its 不 / 没 is no
# harm and its 能 no gain.
_A_NOT_A = re.compile(r"(.)[不没]\1")
# Words whose 不 negates nothing: "会有什么不同" asks what changes, no harm.
_NOT_NEGATING = re.compile(r"不同|不一样|不错|不少|不仅|不过|不管|不断")


def _leanings(text: str, lang: str) -> tuple[int, int]:
    """How many harm and gain cues a what-if has (see HARM_CUES)."""
    lowered = _NOT_NEGATING.sub("", _A_NOT_A.sub("", text.lower())) if lang == "zh" else text.lower()
    harm = sum(1 for cue in HARM_CUES[lang] if cue in lowered)
    harm += asks_who_is_hit(text, lang)  # "who else feels it?" asks who bears the harm
    if lang == "en":
        lowered = _NEUTRAL_COULD.sub(" ", lowered)
    gain = sum(1 for cue in GAIN_CUES[lang] if cue in lowered)
    return harm, gain


HARM_ANGLES = frozenset({Angle.LONG_TERM_HARM, Angle.SPREADING_HARM, Angle.AVOID_HARM_REVIEW})
# Words that say a need-confirmation question is about money rather than timing.
BUDGET_CUES: dict[str, tuple[str, ...]] = {
    "zh": (
        "预算", "费用", "钱", "投入", "资金", "经费", "成本", "花多少", "多少投资", "盘子", "批下来", "额度",
    ),
    "en": ("budget", "cost", "spend", "money", "cash", "fund", "invest", "price", "afford", "pay"),
}  # fmt: skip
# A deadline question asks "by when": it wins over a money word in it ("with the price hearing in
# March, by when must a pilot start?"); money words are whole words ("fund", not "refund").
_WHEN: Final = re.compile(
    r"什么时候|啥时候|哪天|哪一天|最晚|最迟|多久|多长时间|何时|几月|期限|截止|时间表|"
    r"\b(?:when|by when|how soon|how long|deadline|what date|which month|timeline|timetable)\b",
    re.IGNORECASE,
)
_MONEY: Final = re.compile(
    "|".join(BUDGET_CUES["zh"]) + r"|\b(?:budget|budgets|cost|costs|spend|money|cash|funds?|funding|"
    r"invest\w*|price|afford|pay|paid|how much)\b",
    re.IGNORECASE,
)


def asked_need(text: str) -> str | None:
    """``deadline`` or ``budget``: what a need-confirmation question asks for, None when unclear."""
    if _WHEN.search(text):
        return "deadline"
    return "budget" if _MONEY.search(text) else None


DEFAULT_PRIVATE: dict[str, tuple[str, ...]] = {
    "zh": ("多大了", "年龄", "结婚", "工资", "收入", "薪水"),
    "en": ("how old", "your age", "married", "salary", "how much do you earn", "your income"),
}


_HIS: dict[str, tuple[str, ...]] = {"zh": ("您的", "你的", "您", "你"), "en": ("your ", "you ")}


def _about_him(lowered: str, cue: str, lang: str) -> bool:
    """The private word is asked about the customer himself ("your salary", "您的工资")."""
    return any(his + cue in lowered for his in _HIS[lang])


def joiner(lang: str) -> str:
    """How two customer sentences are put together in a language."""
    return "" if lang == "zh" else " "


# How often a quiet or a talkative customer picks the wording that fits his manner (the shortest,
# the longest); otherwise another, so a rehearsal replayed does not sound canned.
IN_MANNER: Final = 0.75


class Customer:
    """The customer of one scenario version (shared by every session of it; holds no session data)."""

    def __init__(self, loaded: LoadedScenario) -> None:
        self.loaded = loaded
        s = loaded.scenario
        self.scenario = s
        self.persona = s.customer
        self.situation: Sequence[SituationItem] = s.situation
        self.problems: Sequence[Problem] = s.problems
        self.implications: Sequence[Implication] = s.implications
        self.views: Sequence[View] = s.views
        self.questions_after: dict[str, list[CustomerQuestion]] = {}
        for question in s.customer_questions:
            self.questions_after.setdefault(question.after, []).append(question)
        self.questions = {q.id: q for q in s.customer_questions}
        self.causes_total = sum(len(p.causes) for p in s.problems)
        self.implication_ids = frozenset(i.id for i in s.implications)
        self.motivation_needed = s.explicit_need.motivation_needed
        self.fact_lines: dict[str, dict[str, list[str]]] = {}
        for item in s.situation:
            self.fact_lines[item.id] = self._by_lang(item.says)
        for problem in s.problems:
            self.fact_lines[problem.id] = self._by_lang(problem.symptom)
            for cause in problem.causes:
                self.fact_lines[cause.id] = self._by_lang(cause.says)
            for fact in problem.analysis:
                self.fact_lines[fact.id] = self._by_lang(fact.says)
        for implication in s.implications:
            self.fact_lines[implication.id] = self._by_lang(implication.says)
        for view in s.views:
            self.fact_lines[view.id] = self._by_lang(view.says)
        self.fact_lines["deadline"] = self._by_lang(s.explicit_need.deadline)
        self.fact_lines["budget"] = self._by_lang(s.explicit_need.budget)
        self.replies: dict[str, dict[str, list[str]]] = {}
        for key, text_key in REPLY_TEXT_KEYS.items():
            written = s.replies.get(key)
            self.replies[key] = {
                lang: (written.for_lang(lang) if written else []) or list(lines(text_key, lang))
                for lang in ("zh", "en")
            }
        self.listen_replies = self._listen_replies(s.replies)
        self.private_cues: dict[str, tuple[str, ...]] = {
            lang: tuple(
                word.lower()
                for word in (
                    self.persona.private_topics.for_lang(lang) if self.persona.private_topics else []
                )
            )
            or DEFAULT_PRIVATE[lang]
            for lang in ("zh", "en")
        }
        # A private word his own business talks about (the supermarket's wages, 最低工资) is private
        # only when it is asked about him: "your salary", "您的工资".
        self.business_cues: dict[str, frozenset[str]] = {
            lang: self._business_cues(s, lang) for lang in ("zh", "en")
        }

    @staticmethod
    def _listen_replies(replies: dict[str, Lines]) -> dict[str, dict[str, list[str]]]:
        """The scenario's own wordings of the listening moments; a language it did not word keeps
        the catalogue's lines (not the other language's)."""
        return {
            key: {lang: list(getattr(written, lang, None) or []) for lang in ("zh", "en")}
            for key, written in replies.items()
            if key in LISTEN_REPLY_KEYS
        }

    @staticmethod
    def _by_lang(lines: Lines) -> dict[str, list[str]]:
        return {lang: list(lines.for_lang(lang)) for lang in ("zh", "en")}

    # -- wording ---------------------------------------------------------------------------

    def say(self, key: str, lang: str, rng: random.Random, **fields: str) -> str:
        """A wording for one of the engine's situations (``REPLY_KEYS``); ``{name}`` placeholders
        are filled from ``fields`` (plain replacement: a stray brace in a trainer's line is text)."""
        options = self.replies[key][lang]
        text = options[rng.randrange(len(options))]
        for name, value in fields.items():
            text = text.replace("{" + name + "}", value)
        return text

    def listen(self, key: str, lang: str, rng: random.Random, avoid: str = "", **fields: str) -> str:
        """A wording of a listening moment: the scenario's own, else the catalogue's."""
        written = self.listen_replies.get(key, {}).get(lang, ())
        return listen_line(key, lang, rng, avoid=avoid, written=written, **fields)

    def tell(self, fact_id: str, lang: str, rng: random.Random) -> str:
        """A wording of one fact, in his manner: a quiet customer (``talkative: low``) mostly
        picks the shortest of the trainer's wordings, a talkative one the longest."""
        options = self.fact_lines[fact_id][lang]
        talkative = self.persona.talkative
        if talkative == "medium" or len(options) < 2:
            return options[rng.randrange(len(options))]
        ranked = sorted(options, key=len, reverse=talkative == "high")
        if rng.random() < IN_MANNER:
            return ranked[0]
        return ranked[1 + rng.randrange(len(ranked) - 1)]

    def pick(self, lines: Lines, lang: str, rng: random.Random) -> str:
        options = self._by_lang(lines)[lang]
        return options[rng.randrange(len(options))]

    def opening(self, lang: str, rng: random.Random) -> str:
        return self.pick(self.scenario.opening, lang, rng)

    def topic(self, fact_id: str, lang: str) -> str:
        text = self.loaded.fact_topic.get(fact_id)
        return text.get(lang) if text else fact_id

    # -- what the customer would share next -----------------------------------------------

    @staticmethod
    def _met(requires: Sequence[str], revealed: Sequence[str]) -> bool:
        return all(fact in revealed for fact in requires)

    def next_situation(self, state: SessionState) -> SituationItem | None:
        for item in self.situation:
            if item.id not in state.revealed and self._met(item.requires, state.revealed):
                return item
        return None

    def next_sibling(self, state: SessionState, exclude: str | None = None) -> Problem | None:
        """The next problem he has not told (not ``exclude``: "apart from X, anything else?")."""
        for problem in self.problems:
            if (
                problem.id not in state.revealed
                and problem.id != exclude
                and self._met(problem.requires, state.revealed)
            ):
                return problem
        return None

    def next_cause(
        self, state: SessionState, problem_id: str | None = None, after: int = -1
    ) -> tuple[Problem, int] | None:
        """A problem (the current one by default) and the index of its next unrevealed cause
        below ``after`` (a cause the rep named: a why about it digs to what lies beneath it)."""
        problem_id = problem_id or state.current_problem
        if problem_id is None:
            return None
        problem = self.loaded.problems[problem_id]
        for index, cause in enumerate(problem.causes):
            if index > after and cause.id not in state.revealed:
                return problem, index
        return None

    def reachable(self, problem_id: str, state: SessionState) -> bool:
        """A problem he would talk about if the rep named it: its conditions met, trust enough."""
        problem = self.loaded.problems[problem_id]
        return self._met(problem.requires, state.revealed) and problem.min_trust <= state.trust

    def acknowledged(self, problem_id: str, state: SessionState) -> bool:
        """He has told the problem, or answered about it (one of its causes or implications)."""
        if problem_id in state.revealed:
            return True
        problem = self.loaded.problems[problem_id]
        return any(c.id in state.revealed for c in problem.causes) or any(
            i.problem == problem_id and i.id in state.revealed for i in self.implications
        )

    def root_found(self, state: SessionState, problem_id: str | None = None) -> bool:
        problems = [self.loaded.problems[problem_id]] if problem_id else self.problems
        return any(p.causes[-1].id in state.revealed for p in problems)

    def motivation_count(self, state: SessionState) -> int:
        """How many implications (what is at stake) the customer has seen so far."""
        return sum(1 for fact in state.revealed if fact in self.implication_ids)

    def motivated(self, state: SessionState) -> bool:
        """True once enough is at stake for the customer to talk about deadline and budget."""
        return self.motivation_count(state) >= self.motivation_needed

    def next_view(self, state: SessionState) -> View | None:
        for view in self.views:
            if (
                view.id not in state.revealed
                and self.root_found(state, view.problem)
                and self._met(view.requires, state.revealed)
            ):
                return view
        return None

    def next_need(self, state: SessionState, text: str, lang: str) -> str | None:
        """``deadline`` or ``budget``: the one the question is about, else the one still missing."""
        left = [fact for fact in NEED_FACTS if fact not in state.revealed]
        if not left:
            return None
        wanted = asked_need(text)
        if wanted is None:
            return left[0]
        return wanted if wanted in left else None  # told already: he says so, not the other one

    def question_after(self, fact_id: str, state: SessionState) -> CustomerQuestion | None:
        for question in self.questions_after.get(fact_id, ()):
            if question.id not in state.asked:
                return question
        return None

    # -- reading the rep's words ----------------------------------------------------------

    def names_referral(self, text: str, lang: str) -> bool:
        """True when the line names someone the scenario lists as a possible referral."""
        referrals = self.persona.referrals
        if referrals is None:
            return False
        lowered = text.lower()
        return any(name.lower() in lowered for name in referrals.for_lang(lang))

    def _business_cues(self, s: Scenario, lang: str) -> frozenset[str]:
        """The private words his business talks about too (see ``is_private``)."""
        business = " ".join(self._business_text(s, lang)).lower()
        return frozenset(cue for cue in self.private_cues[lang] if cue in business)

    @staticmethod
    def _business_text(s: Scenario, lang: str) -> list[str]:
        """What the scenario says about his business: situation, problems, causes, stakes."""
        titles = [i.topic for i in s.situation] + [p.topic for p in s.problems]
        titles += [c.topic for p in s.problems for c in p.causes]
        found: list[str] = [getattr(title, lang, None) or "" for title in titles]
        for lines_of in (*(i.says for i in s.situation), *(p.symptom for p in s.problems)):
            found.extend(lines_of.for_lang(lang))
        for implication in s.implications:
            found.extend(implication.says.for_lang(lang))
        return found

    def is_private(self, text: str, lang: str) -> bool:
        lowered = text.lower()
        business = self.business_cues[lang]
        return any(
            cue in lowered and (cue not in business or _about_him(lowered, cue, lang))
            for cue in self.private_cues[lang]
        )

    @staticmethod
    def imagines_unsolved(text: str, lang: str) -> bool:
        """True when a what-if pictures the problem left unsolved rather than solved."""
        harm, gain = _leanings(text, lang)
        return harm > 0 and harm >= gain

    @staticmethod
    def direction(text: str, lang: str) -> str | None:
        """``harm`` or ``gain`` when the what-if says which way it looks, else None."""
        harm, gain = _leanings(text, lang)
        if not harm and not gain:
            return None
        return "harm" if harm >= gain else "gain"

    @staticmethod
    def scope_of(text: str, lang: str) -> str | None:
        """``spreading`` or ``long_term`` when the question points there, else None."""
        lowered = f" {text.lower()}"  # " other " as a word: "another year" spreads nowhere
        if any(cue in lowered for cue in SPREAD_CUES[lang]):
            return "spreading"
        if any(cue in lowered for cue in LONG_CUES[lang]):
            return "long_term"
        return None
