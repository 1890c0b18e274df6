"""Words a rep may use for what the customer calls otherwise: "staff turnover" for his 流失率,
"shortages" for his stock-outs, "out-of-date" for his expired drugs.

Each group lists words of one meaning, written from general knowledge rather than from any test
line. A word only ever stands for a member of its group that *this scenario's own text uses*: a
word of a line that the scenario never uses is read as the first member of its group that it
does. A word the scenario uses is left alone, and a group none of whose words the scenario uses
changes nothing, so the mapping is derived from the scenario and cannot make a line about another
business look like his (no group holds a thing of another business, see ``domains.py``).

English members are single words (compared by stem, like the lines) or phrases (written with
"_" or "-", compared as text, either way; a line starting "+" goes on with the group of the line
before); Chinese members are compared as text, inside the line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from bot.classifier.text import clean, normalise
from bot.engine.topics.text import PHRASE, WORD, Tokens, stem

# One group a line. A word stands for the first member the scenario uses; a word of two meanings
# (流失: staff or customers leaving) comes last and is marked *: the scenario's word, never the line's.
_EN = """
    turnover attrition resignations resign resigned quit quitting leavers
    stockout stockouts stock-out out_of_stock
    shortage shortfall
    expired expiry outdated out-of-date past_their_date lapsed
    complaint complaints complain grievance grievances gripe gripes
    error errors mistake mistakes slip-up slip-ups
    penalty penalties sanction sanctions
    breakdown breakdowns outage outages downtime
    offline disconnected disconnect disconnects disconnecting go_dark goes_dark going_dark went_dark
    + lose_connection loses_connection losing_connection lost_connection lose_signal losing_signal
    recruit recruiting recruitment hiring hire
    login logins log-in username usernames user_name credentials
    inventory stockpile
    write-off writeoff
    return returns returned reject rejects rejected rejection
    technician technicians mechanic mechanics repairman repairmen
    mis-shipment mis-shipments mispick mispicks mis-pick mis-picks wrong_item wrong_items
    trapped entrapment entrapments
"""
_ZH = """
    离职 辞职 跳槽 走人 流失*
    缺药 断药 缺货 断货 断供
    过期 失效 超期
    投诉 客诉 抱怨
    罚款 处罚 罚金
    故障 宕机 停机
    掉线 离线 断线 失联 断网
    招聘 招人 招工
    库存 存货
    退货 退回来 退回 打回来 打回 退件 拒收
    技师 技工 维修工 修理工
    错发 发错 装错 错装 拣错 错拣 配错 送错
    差错 出错 失误
"""


@cache
def _en_groups() -> tuple[tuple[str, ...], ...]:
    groups: list[list[str]] = []
    for line in _EN.strip().splitlines():
        members = [m.replace("_", " ") for m in line.split()]
        if members[0] == "+":  # the group of the line before goes on
            groups[-1].extend(members[1:])
        else:
            groups.append(members)
    return tuple(tuple(group) for group in groups)


@cache
def _zh_groups() -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(line.split()) for line in _ZH.strip().splitlines())


def _is_phrase(member: str) -> bool:
    return " " in member or "-" in member


@dataclass(frozen=True)
class Synonyms:
    """The synonyms of one language for one scenario: which of a line's words stand for his."""

    lang: str
    stems: dict[str, str] = field(default_factory=dict)  # en: a stem he never uses -> his stem
    texts: tuple[tuple[re.Pattern[str], str], ...] = ()  # phrases / zh words -> his word

    def rewrite(self, text: str) -> str:
        """The line with its phrases (en) or words (zh) of a group replaced by his."""
        for pattern, his in self.texts:
            text = pattern.sub(his, text)
        return text

    def remap(self, found: Tokens) -> Tokens:
        """English stems he never uses replaced by his own of the same group."""
        if not self.stems or not any(w in self.stems for w in found.words):
            return found
        words = tuple(self.stems.get(w, w) for w in found.words)
        features = []
        for feature in found.features:
            kind, body = feature[0], feature[2:]
            if kind == WORD:
                body = self.stems.get(body, body)
            elif kind == PHRASE:
                body = "_".join(self.stems.get(part, part) for part in body.split("_"))
            features.append(f"{kind}:{body}")
        return Tokens(words, tuple(features))


def build_synonyms(
    lang: str, everything: Iterable[str], vocabulary: frozenset[str], topical: frozenset[str] | None = None
) -> Synonyms:
    """The synonyms of ``lang`` that ``everything`` (the scenario's text) makes his words.

    ``topical``: the (English) stems some topic uses. A member the scenario uses only outside its
    topics (the briefing's "started as a mechanic") still stands for the member its topics use
    ("technician"), or a rep's word of it would match nothing."""
    normalised = [normalise(clean(t), lang) for t in everything]
    if lang == "zh":
        return _zh_synonyms("\n".join(normalised))
    return _en_synonyms("\n".join(normalised).lower(), vocabulary, topical)


def _zh_synonyms(joined: str) -> Synonyms:
    texts: list[tuple[re.Pattern[str], str]] = []
    for group in _zh_groups():
        members = [m.rstrip("*") for m in group]
        used = [m for m in members if m in joined]
        if used:
            texts.extend(
                (re.compile(re.escape(m.rstrip("*"))), used[0])
                for m in group
                if not m.endswith("*") and m not in joined
            )
    return Synonyms("zh", texts=tuple(texts))


def _en_synonyms(lowered: str, vocabulary: frozenset[str], topical: frozenset[str] | None) -> Synonyms:
    stems: dict[str, str] = {}
    phrases: list[tuple[re.Pattern[str], str]] = []
    for group in _en_groups():
        used = [m for m in group if _en_uses(m, lowered, vocabulary)]
        if not used:
            continue
        if topical is not None:
            # Members no topic uses are not his words here: they stand for one a topic uses.
            used = [m for m in used if _is_phrase(m) or stem(m) in topical] or used
        his = used[0]
        for member in group:
            if member in used:
                continue
            if _is_phrase(member):
                phrases.append((re.compile(_phrase_pattern(member), re.IGNORECASE), his))
            elif not _is_phrase(his):
                stems.setdefault(stem(member), stem(his))
    return Synonyms("en", stems=stems, texts=tuple(phrases))


def _phrase_pattern(member: str) -> str:
    """A phrase written with spaces or hyphens, either way, plural or not."""
    return r"\b" + r"[\s-]+".join(re.escape(p) for p in re.split(r"[\s-]+", member)) + r"s?\b"


def _en_uses(member: str, lowered: str, vocabulary: frozenset[str]) -> bool:
    if _is_phrase(member):
        return bool(re.search(_phrase_pattern(member), lowered))
    return stem(member) in vocabulary


__all__ = ["Synonyms", "build_synonyms"]
