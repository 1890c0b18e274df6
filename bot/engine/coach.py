"""The coach: a short note after each rep line (practice mode) and hints on request.

A note names the technique the rep used, says whether it fit the moment (from what the turn
did), and what to try next. A hint suggests a question for the current step: an example from
the question bank, pointed at the scenario's own topic ("ask why about *the doubled returns*").
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from bot.vocab import Event, Technique

from .rules import DEEP_GATE, SHALLOW_GATE
from .scenario import NEED_FACTS
from .state import SessionState, rng_for
from .turn import TurnOutcome

if TYPE_CHECKING:
    from bot.classifier import QuestionBank

    from .machine import DialogueMachine


# The coach's own names for the techniques, used when no question bank is at hand.
NAMES: dict[str, tuple[str, str]] = {
    "greeting": ("寒暄问候", "greeting"),
    "closed_question": ("封闭式问题", "closed question"),
    "open_question": ("开放式问题", "open question"),
    "confirm_question": ("确认式问题", "confirming question"),
    "curiosity_care": ("好奇与关心", "curiosity and care"),
    "humble_disclaimer": ("低调声明", "humble disclaimer"),
    "revisit_topic": ("重拾旧话题", "revisiting a topic"),
    "what_else": ("还有吗", "what else"),
    "why": ("为什么", "why"),
    "what_if": ("如果", "what if"),
    "how_do_you_see": ("你怎么看", "how do you see it"),
    "need_confirmation": ("确认明确需求", "confirming the explicit need"),
    "answer_with_question": ("以问答问", "answering with a question"),
    "pitch": ("推销", "pitch"),
    "statement": ("陈述", "statement"),
}

# How the turn went, by the machine's event; {topic} is the fact the turn brought out.
VERDICTS: dict[str, tuple[str, str]] = {
    "greeted": ("礼貌开场，第一印象不错。", "A polite opening: a good first impression."),
    "opener_answered": (
        "好开头：容易回答的封闭式问题让客户先开口。",
        "Good start: an easy closed question gets the customer talking.",
    ),
    "small_talk": ("客户只是简单回应，没有新信息。", "A short answer; nothing new came out."),
    "guarded": (
        "信任还不够，开放式问题只换来一句敷衍。",
        "Trust is still thin, so the open question got a cool, short answer.",
    ),
    "situation": (
        "关心和好奇起作用了：客户讲了{topic}。",
        "Care and curiosity worked: you heard about {topic}.",
    ),
    "care": ("关心拉近了距离。", "Your care brought you closer."),
    "permission": ("先征求同意，客户放下了戒备。", "Asking permission first lowered the customer's guard."),
    "deflected": (
        "问得太早：信任还不够，客户回避了。",
        "Too early: without enough trust, the customer dodged the question.",
    ),
    "deflected_softened": (
        "先征求同意是对的，但时机还早，客户婉拒了，没有伤到关系。",
        "Asking permission was right, but it is still early; the customer declined without offence.",
    ),
    "no_problem_yet": (
        "还没有问题摆上桌面，这个问题无从谈起。",
        "No problem is on the table yet, so the question has nothing to hold on to.",
    ),
    "dug": (
        "很好的追问：客户往下讲了一层（{topic}）。",
        "A good 'why': the customer went one level deeper ({topic}).",
    ),
    "root_found": (
        "挖到根了：{topic}，这正是你的方案能满足的需求。",
        "You reached the root: {topic}. That is the need your solution meets.",
    ),
    "at_root": (
        "这个问题已经挖到底，再问为什么没有新东西。",
        "This problem is dug to its root; another 'why' adds nothing.",
    ),
    "sibling": ("“还有吗”打开了另一个问题：{topic}。", "'What else' opened another problem: {topic}."),
    "nothing_else": ("客户暂时没有别的可说。", "The customer has nothing more to add here."),
    "implication": (
        "“如果”让客户自己看到了利害（{angle}）。",
        "'What if' let the customer see for himself what is at stake ({angle}).",
    ),
    "view": (
        "客户对你的想法给出了看法，留意其中的顾虑。",
        "The customer gave their view of your idea; note the doubt in it.",
    ),
    "view_too_early": (
        "根本需求还没找到，现在谈方案太早。",
        "The root need is not found yet; too early for solution ideas.",
    ),
    "need": ("明确需求有进展：客户说出了{topic}。", "Explicit need: the customer told you the {topic}."),
    "need_not_ready": (
        "客户的动机还不够，先用“如果”让客户看到利害，再谈时间和预算。",
        "Not motivated yet: let what-if questions show the stakes, then ask about timing and budget.",
    ),
    "need_done": ("时间和预算都已经确认过了。", "Timing and budget are already confirmed."),
    "confirmed": ("总结确认让客户觉得被听懂了。", "Summing up made the customer feel understood."),
    "confirm_nothing": ("还没有新内容可以确认。", "There was nothing new to sum up yet."),
    "revisited": (
        "重拾上次的话题，客户接着上次往下谈。",
        "Picking up the last visit's topic let the customer continue where you left off.",
    ),
    "revisited_talk": (
        "回到客户刚说过的话题，显示你在认真听。",
        "Going back to what the customer said shows you listened.",
    ),
    "revisit_unknown": (
        "客户没说过这个，别编造共同记忆。",
        "The customer never said that; don't invent shared history.",
    ),
    "answered_back": (
        "以问答问：简短回答再反问，客户讲出了更多。",
        "Answering with a question: a short answer and a question back drew out more.",
    ),
    "answered_plainly": (
        "回答了客户的问题；下次简短回答后再反问一句。",
        "You answered the customer's question; next time add a question back.",
    ),
    "statement": (
        "这是陈述不是提问，客户只是在听。",
        "That was a statement, not a question; the customer just listened.",
    ),
    "pitch_early": (
        "推销太早：还没有需求就介绍产品，信任下降了。",
        "Pitching too early: product talk before a need costs trust.",
    ),
    "pitch_after_need": (
        "需求已经清楚，介绍方案可以，但要准备回应顾虑。",
        "The need is clear, so presenting is fine; be ready for the customer's doubts.",
    ),
    "private": (
        "私人话题让客户不舒服，信任下降了。",
        "A private topic made the customer uneasy and cost trust.",
    ),
    "walked_out": ("客户结束了拜访。", "The customer ended the visit."),
    "none": ("", ""),
}
IGNORED = ("你没有回应客户的问题。", "You did not respond to the customer's question.")
ANGLES: dict[str, tuple[str, str]] = {
    "vision": ("解决后的愿景", "the vision of it solved"),
    "long_term_harm": ("不解决的长期损害", "long-term harm if unsolved"),
    "spreading_harm": ("不解决的扩散损害", "spreading harm if unsolved"),
    "long_term_gain": ("解决后的长期收益", "long-term gain if solved"),
    "spreading_gain": ("解决后的扩散收益", "spreading gain if solved"),
    "avoid_harm_review": ("避害审视", "the avoid-harm review"),
}
NEED_WORDS = {"deadline": ("时间计划", "deadline"), "budget": ("预算", "budget")}

# Why the coach suggests a technique next; {topic} is the scenario's topic for it.
REASONS: dict[str, tuple[str, str]] = {
    "answer_with_question": (
        "先简短回答客户的问题，再反问一句",
        "answer the customer's question briefly, then ask one back",
    ),
    "closed_question": (
        "问一个容易回答的封闭式问题，让客户先开口",
        "ask an easy closed question to get the customer talking",
    ),
    "curiosity_care": (
        "关心客户的状态或其身边的变化",
        "show care for how the customer is doing, or curiosity about what is changing around them",
    ),
    "humble_disclaimer": (
        "信任还薄，深问之前先征求同意",
        "trust is thin: ask permission before a deeper question",
    ),
    "why": ("围绕「{topic}」问为什么，往下挖一层", "ask why about {topic} to dig one level deeper"),
    "what_else": ("问问还有没有别的问题", "ask what else is on the customer's mind"),
    "what_if": (
        "用“如果”让客户想象「{topic}」不解决或解决后的样子",
        "ask what if {topic} stays unsolved, or gets solved",
    ),
    "how_do_you_see": (
        "说出你的想法或同行的案例，问客户怎么看",
        "offer your idea or a peer's case and ask for the customer's view",
    ),
    "need_confirmation": ("确认时间计划和预算", "confirm the deadline and the budget"),
    "confirm_question": (
        "总结客户说的话，确认你理解对了",
        "sum up what the customer said and check you got it right",
    ),
    "revisit_topic": ("接着上次拜访的话题问", "pick up the topic of your last visit"),
}

# Examples when no question bank is at hand (the bank's examples are preferred).
FALLBACK_EXAMPLES: dict[str, tuple[str, str]] = {
    "answer_with_question": (
        "这个要看情况。您最关心的是哪一点？",
        "It depends. Which part matters most to you?",
    ),
    "closed_question": ("你们现在是两班倒吗？", "Do you run two shifts at the moment?"),
    "curiosity_care": (
        "最近行业变化挺大，对您这边影响大吗？",
        "The industry is changing fast; how is that hitting you?",
    ),
    "humble_disclaimer": ("冒昧问一句，可以吗？", "May I ask you something a bit direct?"),
    "why": ("是什么原因造成的呢？", "What do you think is causing it?"),
    "what_else": ("除此之外，还有别的让您头疼的吗？", "Besides that, is anything else giving you trouble?"),
    "what_if": ("如果到年底还没解决，会怎么样？", "If this isn't solved by year end, what happens?"),
    "how_do_you_see": (
        "有家同行是这样做的，您觉得在这里行得通吗？",
        "A peer tried this; do you think it would work here?",
    ),
    "need_confirmation": ("您希望什么时候之前解决？", "By when would you want this solved?"),
    "confirm_question": ("所以最主要的问题是这个，对吗？", "So the main issue is this one, right?"),
    "revisit_topic": (
        "上次您提到的那件事，后来怎么样了？",
        "Last time you mentioned that issue; how has it gone since?",
    ),
}


_STOPWORDS = frozenset(
    {
        "the", "and", "for", "that", "this", "with", "your", "you", "what", "have", "from", "they",
        "their", "them", "were", "will", "would", "could", "about", "there", "which", "when", "been",
        "does", "into", "more", "than", "then", "just", "only", "also", "some",
    }
)  # fmt: skip
_CJK = re.compile(r"[\u4e00-\u9fff]+")
_LATIN = re.compile(r"[a-z]{4,}")


def _words(text: str, lang: str) -> set[str]:
    """Comparable units of a text: Chinese character pairs, or English words of 4+ letters."""
    if lang == "zh":
        return {run[i : i + 2] for run in _CJK.findall(text) for i in range(len(run) - 1)}
    return {word for word in _LATIN.findall(text.lower()) if word not in _STOPWORDS}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "zh" else pair[1]


class Coach:
    """Notes and hints for one scenario version; ``bank`` is the question bank (loaded lazily)."""

    def __init__(self, dialogue: DialogueMachine, bank: QuestionBank | None = None) -> None:
        self.d = dialogue
        self.customer = dialogue.customer
        # None: not loaded yet; False: could not be loaded (the coach's own words are used).
        self._bank: QuestionBank | Literal[False] | None = bank
        self._vocab: dict[str, frozenset[str]] = {}

    # -- what to do next ---------------------------------------------------------------------

    def suggest(self, state: SessionState) -> tuple[Technique, str | None]:
        """The technique that fits the moment, and the scenario topic it is about (if any)."""
        c = self.customer
        if state.pending_question is not None:
            return Technique.ANSWER_WITH_QUESTION, None
        if state.prior and state.turn <= 3 and state.trust >= SHALLOW_GATE - 10:
            return Technique.REVISIT_TOPIC, None
        if state.trust < SHALLOW_GATE:
            return self._to_earn_liking(state), None
        if not any(p.id in state.revealed for p in c.problems):
            return (
                Technique.CURIOSITY_CARE if c.next_situation(state) is not None else Technique.WHAT_ELSE
            ), None
        if c.next_cause(state) is not None or not c.root_found(state):
            return self._towards_the_root(state)
        return self._after_the_root(state)

    def _to_earn_liking(self, state: SessionState) -> Technique:
        """Before the customer likes the rep: easy questions, care, or asking permission."""
        if state.opener_closed == 0 and state.turn < 3:
            return Technique.CLOSED_QUESTION
        if self.customer.next_situation(state) is not None:
            return Technique.CURIOSITY_CARE
        return Technique.HUMBLE_DISCLAIMER

    def _towards_the_root(self, state: SessionState) -> tuple[Technique, str | None]:
        """A problem is out but no root need yet: dig, or look for another problem."""
        c = self.customer
        if c.next_cause(state) is None and c.next_sibling(state) is not None:
            return Technique.WHAT_ELSE, None
        return Technique.WHY, state.current_problem

    def _after_the_root(self, state: SessionState) -> tuple[Technique, str | None]:
        """A root need is out: motivation (what if), the customer's view, then deadline and budget."""
        c = self.customer
        motivated = c.motivated(state)
        if state.trust < DEEP_GATE:
            if c.next_sibling(state) is not None and not motivated:
                return Technique.WHAT_ELSE, None
            return Technique.HUMBLE_DISCLAIMER, None
        if not motivated:
            root_problem = next(
                (p.id for p in c.problems if c.root_found(state, p.id)), state.current_problem
            )
            return Technique.WHAT_IF, root_problem
        if c.next_view(state) is not None:
            return Technique.HOW_DO_YOU_SEE, None
        if any(fact not in state.revealed for fact in NEED_FACTS):
            return Technique.NEED_CONFIRMATION, None
        return Technique.CONFIRM_QUESTION, None

    def name(self, technique: str, lang: str) -> str:
        bank = self.bank()
        if bank is not None:
            try:
                return bank.technique(technique).name[lang]
            except KeyError:
                pass
        return _pick(NAMES.get(technique, (technique, technique)), lang)

    def bank(self) -> QuestionBank | None:
        if self._bank is None:
            try:
                from bot.classifier import default_bank

                self._bank = default_bank()
            except Exception:  # a missing or broken bank must not stop a rehearsal
                self._bank = False
        return self._bank or None

    def _reason(self, technique: str, topic_id: str | None, lang: str) -> str:
        text = _pick(REASONS.get(technique, (NAMES[technique][0], NAMES[technique][1])), lang)
        topic = self.customer.topic(topic_id, lang) if topic_id else ("这个问题" if lang == "zh" else "it")
        return text.format(topic=topic)

    # -- notes and hints ---------------------------------------------------------------------

    def note(self, outcome: TurnOutcome, state: SessionState) -> str:
        """The practice-mode note after a rep line."""
        lang = state.lang
        primary = outcome.technique if outcome.technique in NAMES else None
        primary = primary or (outcome.techniques[0] if outcome.techniques else Technique.STATEMENT)
        topic = ""
        if outcome.revealed:
            fact = outcome.revealed[-1]
            topic = self.customer.topic(fact, lang) if fact not in ("deadline", "budget") else ""
            if fact in NEED_WORDS:
                topic = _pick(NEED_WORDS[fact], lang)
        angle = ""
        if outcome.event == Event.IMPLICATION:
            implication = next(i for i in self.customer.implications if i.id == outcome.revealed[-1])
            angle = _pick(ANGLES[implication.angle], lang)
        verdict = _pick(VERDICTS.get(outcome.event, ("", "")), lang).format(topic=topic, angle=angle)
        parts = [f"【{self.name(primary, lang)}】" if lang == "zh" else f"[{self.name(primary, lang)}]"]
        if outcome.ignored_question:
            parts.append(_pick(IGNORED, lang))
        if verdict:
            parts.append(verdict)
        if state.active:
            technique, topic_id = self.suggest(state)
            prefix = "下一步：" if lang == "zh" else "Next: "
            parts.append(prefix + self._reason(technique, topic_id, lang) + ("。" if lang == "zh" else "."))
        return ("" if lang == "zh" else " ").join(parts)

    def _vocabulary(self, lang: str) -> frozenset[str]:
        """Words of the scenario (its topics, industry, company, solution), for picking examples."""
        cached = self._vocab.get(lang)
        if cached is not None:
            return cached
        s = self.customer.scenario
        texts = [s.customer.industry.get(lang), s.customer.company.get(lang), s.solution.name.get(lang)]
        texts += [s.solution.summary.get(lang), s.title.get(lang)]
        texts += [topic.get(lang) for topic in self.customer.loaded.fact_topic.values()]
        vocabulary = frozenset(word for text in texts for word in _words(text, lang))
        self._vocab[lang] = vocabulary
        return vocabulary

    def _closest_to_scenario(self, examples: list[str], lang: str) -> list[str]:
        """The bank's examples sharing the most words with the scenario (all, if none shares two)."""
        vocabulary = self._vocabulary(lang)
        scores = [len(vocabulary.intersection(_words(example, lang))) for example in examples]
        best = max(scores, default=0)
        if best < 2:  # one shared word is chance ("team", "问题"), not relevance
            return examples
        return [e for e, score in zip(examples, scores, strict=True) if score == best]

    def hint(self, state: SessionState) -> str:
        """A question to try now for the suggested technique: the scenario's own example if it has
        one, else the question bank's closest to the scenario."""
        lang = state.lang
        technique, topic_id = self.suggest(state)
        rng = rng_for(state.seed, state.turn, salt=101 + state.hints)
        own = self.customer.scenario.hints.get(technique)
        if technique == Technique.ANSWER_WITH_QUESTION and state.pending_question is not None:
            # The customer is waiting on one question: the example must answer that one.
            asked = next(
                (q for q in self.customer.scenario.customer_questions if q.id == state.pending_question), None
            )
            own = asked.hint if asked is not None and asked.hint is not None else own
        examples: list[str] = own.for_lang(lang) if own is not None else []
        if not examples:
            bank = self.bank()
            if bank is not None:
                try:
                    examples = bank.technique(technique).examples[lang]
                except KeyError:
                    examples = []
            if not examples:
                examples = [_pick(FALLBACK_EXAMPLES[technique], lang)]
            examples = self._closest_to_scenario(examples, lang)
        example = examples[rng.randrange(len(examples))]
        name = self.name(technique, lang)
        reason = self._reason(technique, topic_id, lang)
        if lang == "zh":
            return f"提示（{name}）：{reason}。例如：{example}"
        return f"Hint ({name}): {reason}. For example: {example}"
