"""Which of a scenario's topics a rep's line talks about.

A ``TopicIndex`` is built once per loaded scenario: every topic's own text in both languages
(titles weigh more than what the customer says about it), optional trainer keywords, a
per-scenario IDF, and postings from feature to topic so that matching one line is a handful of
dictionary look-ups. ``match`` scores the line against every topic by cosine similarity, adds
a boost for words the customer already said (echoing the customer keeps the topic those words
came from) and a small one for the topic the customer just talked about, then decides whether
the line is *generic* (no content of its own: it refers to the context topic) or *off-topic*
(it names things this customer does not have). See docs/topics.md.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from types import MappingProxyType

from bot.classifier.text import clean, detect_lang, normalise
from bot.engine.scenario import LoadedScenario, Scenario
from bot.engine.topics.families import families_of, family_scores
from bot.engine.topics.synonyms import build_synonyms
from bot.engine.topics.text import BIGRAM, KIND_WEIGHT, PHRASE, WORD, Tokens, learn_terms, stem, tokens
from bot.engine.topics.topic_texts import KEYWORD, LANGS, Topic, TopicTexts, all_strings
from bot.engine.topics.words import GENERIC_EN, GENERIC_ZH, NOT_NAMES_EN

Keywords = Mapping[str, Mapping[str, Sequence[str]]]

# Scoring knobs, tuned on tests/data/topics_dev only (see docs/topics.md).
SAID_BOOST = 0.25  # times the share of the line that echoes one customer line
SAID_DECAY = 0.7  # each older customer line counts this much less
SAID_LINES = 6  # how many recent customer lines are looked at
CONTEXT_BOOST = 0.06  # the topic the customer just talked about
IDF_POWER = 0.6  # < 1 flattens IDF, so the scenario's central words are not drowned by rare ones
MIN_SCORE = 0.06  # below this nothing is matched
GENERIC_MAX = 0.2  # a line of generic words only is generic unless it matches this well
OFF_TOPIC_MAX = 0.3  # an off-topic line matches no topic better than this
OFF_TOPIC_MARGIN = 0.5  # foreign words must outweigh known ones by this much


@dataclass(frozen=True, slots=True)
class TopicMatch:
    """What a line is about. ``topic`` is None when nothing matched (or the line is off-topic);
    then ``runner_up`` names the best candidate anyway. For a generic line ``topic`` is the
    context topic and ``runner_up`` the best other one."""

    topic: str | None
    score: float
    runner_up: str | None = None
    runner_up_score: float = 0.0
    off_topic: bool = False  # the line names things this customer does not have
    generic: bool = False  # no content of its own: "why is that?" (topic = the context topic)
    unknown: tuple[str, ...] = ()  # the line's words no topic of this scenario uses
    known_mass: float = 0.0  # how much the line's specific words this scenario uses weigh
    # Each problem with the score of its family (the problem, its causes, implications and views:
    # the best member plus FAMILY_SECOND of the next), best first: which problem a line is about
    # when its best single topic is a neighbour's ("a what-if about the returns" naming a cause).
    families: tuple[tuple[str, float], ...] = ()
    # The implications the line's own words match, with their cosine (for a what-if's stake).
    stakes: tuple[tuple[str, float], ...] = ()


def topic_keys(scenario: Scenario) -> list[str]:
    """Every topic key of a scenario, in index order."""
    return scenario.topic_keys()


# A capitalised English word inside a sentence ("at Lingzui's", "in Yuhang"): a name. Not the
# first word of a sentence, not an all-capitals acronym (ERP, TMS), which reps use for any business.
_NAME_RE = re.compile(r"(?<![.!?:;]\s)(?<!^)\b[A-Z][a-z]+(?:'s|’s)?\b")

# A number, with at most a short unit ("2019", "30", "5g"); "4s店" (a car dealer) is a word.
_NUMERIC_RE = re.compile(r"[0-9][0-9.,:%]*[a-z]{0,2}")


@dataclass
class _LangIndex:
    """The precomputed part of the index for one language."""

    idf: dict[str, float]
    postings: dict[str, list[tuple[int, float]]]  # feature -> (topic number, weight)
    vocabulary: frozenset[str]  # content words anywhere in the scenario
    bigrams: frozenset[str]  # character bigrams anywhere in the scenario (zh)
    generic: frozenset[str]
    wordings: list[tuple[str, int, frozenset[str]]]  # customer wording, its topic, its features
    unknown_idf: float
    terms: frozenset[str]  # Chinese terms jieba splits, joined again (the user dictionary)


class TopicIndex:
    """The topics of one scenario, ready to match rep lines against (built once per version)."""

    def __init__(self, scenario: LoadedScenario | Scenario, keywords: Keywords | None = None) -> None:
        s = scenario.scenario if isinstance(scenario, LoadedScenario) else scenario
        self.scenario_id = s.id
        texts = TopicTexts()
        texts.collect(s)
        self.topics: list[Topic] = texts.topics
        fields, spoken = texts.fields, texts.spoken

        self.keys: list[str] = [t.key for t in self.topics]
        self._fact_keys: dict[str, str] = {t.id: t.key for t in self.topics if t.id}
        self.position: dict[str, int] = {key: n for n, key in enumerate(self.keys)}
        for key, per_lang in (keywords or {}).items():
            if key not in self.position:
                raise KeyError(f"keywords for an unknown topic {key!r} (known: {', '.join(self.keys)})")
            for lang, words in per_lang.items():
                if lang in LANGS:
                    fields[self.position[key]][lang].extend((word, KEYWORD) for word in words)

        everything = list(all_strings(s))
        extra = [w for per_lang in (keywords or {}).values() for ws in per_lang.values() for w in ws]
        self.terms = learn_terms(everything, extra)
        self._langs: dict[str, _LangIndex] = {
            lang: self._build(
                lang, [f[lang] for f in fields], [sp[lang] for sp in spoken], everything + extra
            )
            for lang in LANGS
        }
        # A line's word the scenario never uses stands for its own word of the same meaning. Not the
        # words of analysis facts (problems' side facts, no topics): adding one must not change how
        # the scenario's other lines are heard.
        heard = _without_analysis(s, everything) + extra
        self._synonyms = {
            lang: build_synonyms(lang, heard, self._langs[lang].vocabulary, self._topic_words(lang))
            for lang in LANGS
        }
        self._said_cache: dict[tuple[str, str], tuple[tuple[int, frozenset[str]], ...]] = {}
        self._family, self._stakes = families_of(self.topics)
        # A turn reads its line several times (the match, the match without context, the
        # another-business check, the clauses of "apart from X, Y?"): a few recent lines are kept
        # so each is cut once per turn. Small on purpose: it is not a cache of the rep's lines.
        self._line_tokens = lru_cache(maxsize=8)(self._tokenize)
        self._line_vector = lru_cache(maxsize=8)(self._vectorize)

    def _topic_words(self, lang: str) -> frozenset[str]:
        """The words some topic of this scenario uses in ``lang`` (not the briefing's alone)."""
        return frozenset(f[2:] for f in self._langs[lang].postings if f[0] == WORD)

    def _tokenize(self, text: str, lang: str) -> Tokens:
        synonyms = self._synonyms[lang]
        return synonyms.remap(tokens(synonyms.rewrite(text), lang, self._langs[lang].terms))

    def _vectorize(self, text: str, lang: str) -> tuple[Tokens, Mapping[str, float], tuple[float, ...]]:
        """The line's tokens, weighted features and plain cosines (before any boost)."""
        found = self._line_tokens(text, lang)
        weights = _weights(found, self._langs[lang])
        return found, MappingProxyType(weights), tuple(self._cosines(weights, lang))

    def line_language(self, text: str, lang: str) -> str:
        """The language ``text`` is matched in: the session's, unless it is clearly the other."""
        return detect_lang(text, default="zh" if lang == "zh" else "en")

    def content_words(self, text: str, lang: str) -> list[str]:
        """The words of ``text`` that can name a topic, once each, in order: no generic word of
        this scenario's language, no number. ``lang`` as ``line_language`` returns it."""
        generic = self._langs[lang].generic
        words = self._line_tokens(text, lang).words
        return list(dict.fromkeys(w for w in words if w not in generic and not _NUMERIC_RE.fullmatch(w)))

    def strangers(self, text: str, lang: str) -> tuple[str, ...]:
        """The names in an English line that nothing of this scenario uses: someone or somewhere
        the customer never mentioned (Chinese has no capitals to tell names by: none)."""
        if lang != "en":
            return ()
        vocabulary = self._langs["en"].vocabulary
        found = []
        for name in _NAME_RE.findall(text.strip()):
            bare = name.removesuffix("'s").removesuffix("’s")
            if bare.lower() in NOT_NAMES_EN:
                continue
            words = tokens(bare, "en").words
            if words and not any(word in vocabulary for word in words):
                found.append(bare)
        return tuple(found)

    def uses(self, key: str, word: str, lang: str) -> bool:
        """Topic ``key`` uses ``word``: the word itself, or for a Chinese word of three characters
        or more one of its bigrams (a paraphrase jieba cuts differently)."""
        number = self.position[key]
        postings = self._langs[lang].postings
        features = [f"{WORD}:{word}"]
        if not word.isascii() and len(word) > 2:
            features.extend(f"{BIGRAM}:{word[i : i + 2]}" for i in range(len(word) - 1))
        return any(n == number for feature in features for n, _ in postings.get(feature, ()))

    def _build(
        self,
        lang: str,
        fields: list[list[tuple[str, float]]],
        spoken: list[list[str]],
        everything: list[str],
    ) -> _LangIndex:
        """TF-IDF vectors of every topic in one language, as postings."""
        terms = self.terms if lang == "zh" else frozenset()
        counts: list[dict[str, float]] = []
        for parts in fields:
            tf: dict[str, float] = {}
            for text, weight in parts:
                for feature in tokens(text, lang, terms).features:
                    tf[feature] = tf.get(feature, 0.0) + weight * KIND_WEIGHT[feature[0]]
            counts.append(tf)
        n = len(counts)
        df: Counter[str] = Counter(f for tf in counts for f in tf)
        # Smooth IDF: a feature in every topic still counts a little, one in a single topic most.
        idf = {f: (1.0 + math.log((1 + n) / (1 + d))) ** IDF_POWER for f, d in df.items()}
        postings: dict[str, list[tuple[int, float]]] = {}
        for number, tf in enumerate(counts):
            vector = {f: math.log1p(c) * idf[f] for f, c in tf.items()}
            norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
            for f, v in vector.items():
                postings.setdefault(f, []).append((number, v / norm))
        vocabulary: set[str] = set()
        bigrams: set[str] = set()
        for text in everything:
            found = tokens(text, lang, terms)
            vocabulary.update(found.words)
            bigrams.update(f for f in found.features if f[0] == BIGRAM)
        wordings = [
            (_key(text, lang), number, frozenset(tokens(text, lang, terms).features))
            for number, texts in enumerate(spoken)
            for text in texts
        ]
        generic = GENERIC_ZH if lang == "zh" else _generic_stems()
        return _LangIndex(
            idf=idf,
            postings=postings,
            vocabulary=frozenset(vocabulary),
            bigrams=frozenset(bigrams),
            generic=generic,
            wordings=wordings,
            unknown_idf=(1.0 + math.log(1 + n)) ** IDF_POWER,
            terms=terms,
        )

    # -- matching ------------------------------------------------------------------------------

    def topic(self, key: str) -> Topic:
        return self.topics[self.position[key]]

    def key_for_fact(self, fact_id: str) -> str | None:
        """The topic key of a fact id the engine reveals (``leak_penalty`` -> ``implication:leak_penalty``).

        Fact ids are unique across kinds (the scenario checks enforce it); deadline and budget
        are not topics and give None.
        """
        return self._fact_keys.get(fact_id)

    def said_topics(self, line: str, lang: str) -> tuple[tuple[int, frozenset[str]], ...]:
        """The topics a customer line came from (a reply may join several wordings), memoised."""
        cache_key = (line, lang)
        found = self._said_cache.get(cache_key)
        if found is None:
            text = _key(line, lang)
            found = tuple(
                (number, features)
                for wording, number, features in self._langs[lang].wordings
                if wording and wording in text
            )
            if len(self._said_cache) < 4096:  # a session repeats its lines every turn
                self._said_cache[cache_key] = found
        return found

    def match(
        self,
        text: str,
        lang: str,
        *,
        said: Sequence[str] = (),
        context_topic: str | None = None,
    ) -> TopicMatch:
        """The topic ``text`` talks about; ``said`` is the customer's lines so far, most recent last.

        ``lang`` is the session's language; a line clearly in the other language is matched in
        that one.
        """
        # Reps switch languages mid-visit: a Chinese line in an English session is matched
        # against the Chinese text of the topics, not flagged off-topic for its foreign words.
        lang = self.line_language(text, lang)
        index = self._langs[lang]
        found, weights, raw = self._line_vector(text, lang)
        context = self.position.get(context_topic) if context_topic else None
        scores = self._boosted(raw, weights, lang, said, context)
        ranked = sorted(range(len(scores)), key=scores.__getitem__, reverse=True)
        verdict = self._verdict(found, index, lang, scores, ranked, context)
        # Families from the line's own words only: the echo and context boosts favour the problem
        # just talked about, which is what a line naming another problem must overcome.
        if not verdict.known_mass:
            return verdict
        stakes = tuple((self.topics[n].id, raw[n]) for n in self._stakes if raw[n] > 0)
        return replace(verdict, families=family_scores(raw, self._family), stakes=stakes)

    def _cosines(self, weights: Mapping[str, float], lang: str) -> list[float]:
        """Cosine similarity of the line with each topic."""
        index = self._langs[lang]
        norm = math.sqrt(sum(w * w for w in weights.values()))
        scores = [0.0] * len(self.topics)
        if not norm:
            return scores
        for feature, weight in weights.items():
            for number, value in index.postings.get(feature, ()):
                scores[number] += weight * value / norm
        return scores

    def _boosted(
        self,
        raw: Sequence[float],
        weights: Mapping[str, float],
        lang: str,
        said: Sequence[str],
        context: int | None,
    ) -> list[float]:
        """The cosines plus the echo and context boosts (a new list)."""
        scores = list(raw)
        norm = math.sqrt(sum(w * w for w in weights.values()))
        if not norm:
            return scores
        # Echoing the customer: the share of the line's weight found in one of his lines.
        factor = SAID_BOOST
        for line in reversed(said[-SAID_LINES:]):
            for number, features in self.said_topics(line, lang):
                echo = sum(w * w for f, w in weights.items() if f in features) / (norm * norm)
                scores[number] += factor * echo
            factor *= SAID_DECAY
        if context is not None:
            scores[context] += CONTEXT_BOOST
        return scores

    def _verdict(
        self,
        found: Tokens,
        index: _LangIndex,
        lang: str,
        scores: list[float],
        ranked: list[int],
        context: int | None,
    ) -> TopicMatch:
        """On a topic, generic (refers to the context), or off-topic (foreign to this customer)."""
        best, second = ranked[0], ranked[1]
        best_score = scores[best]

        def guess(number: int) -> str | None:
            return self.keys[number] if scores[number] > 0 else None

        content = [w for w in found.words if not _NUMERIC_RE.fullmatch(w)]
        specific = [w for w in content if w not in index.generic]
        unknown = tuple(w for w in specific if not self._known(w, lang, index))
        if not content or (best_score < GENERIC_MAX and not specific):
            if context is None:
                return TopicMatch(None, 0.0, guess(best), best_score, generic=True)
            other = second if best == context else best
            return TopicMatch(self.keys[context], scores[context], guess(other), scores[other], generic=True)

        # Off-topic: the words foreign to this scenario outweigh the ones it knows, and nothing
        # matches well. Generic words count on neither side (any visit uses them).
        unknown_mass = sum(specificity(w) for w in unknown)
        known_mass = sum(specificity(w) for w in specific if w not in unknown)
        off_topic = (
            unknown_mass >= 1.0
            and unknown_mass > known_mass + OFF_TOPIC_MARGIN
            and best_score < OFF_TOPIC_MAX
        )
        if off_topic or best_score < MIN_SCORE:
            # No topic: the best candidate is still named, as the runner-up, for the coach and logs.
            return TopicMatch(
                None,
                best_score,
                guess(best),
                best_score,
                off_topic=off_topic,
                unknown=unknown,
                known_mass=known_mass,
            )
        return TopicMatch(
            self.keys[best], best_score, guess(second), scores[second], unknown=unknown, known_mass=known_mass
        )

    @staticmethod
    def _known(word: str, lang: str, index: _LangIndex) -> bool:
        """A word this scenario uses; a Chinese word also when one of its bigrams is used."""
        if word in index.vocabulary:
            return True
        if lang == "zh" and len(word) > 2:
            return any(f"{BIGRAM}:{word[i : i + 2]}" in index.bigrams for i in range(len(word) - 1))
        return False


def _without_analysis(s: Scenario, everything: list[str]) -> list[str]:
    """The scenario's strings but its problems' analysis facts."""
    told = {text for problem in s.problems for fact in problem.analysis for text in all_strings(fact)}
    return [text for text in everything if text not in told]


def _weights(found: Tokens, index: _LangIndex) -> dict[str, float]:
    """Each feature of the line weighted by its kind and its rarity in this scenario."""
    weights: dict[str, float] = {}
    for feature in found.features:
        weight = KIND_WEIGHT[feature[0]] * index.idf.get(feature, index.unknown_idf)
        if feature[0] == PHRASE:
            # "car maker" is the scenario's "carmaker": the joined stems, when it uses them.
            compound = f"{WORD}:{stem(feature[2:].replace('_', ''))}"
            if compound in index.idf and compound not in weights:
                weights[compound] = KIND_WEIGHT[WORD] * index.idf[compound]
        weights[feature] = weight
    return weights


def _key(text: str, lang: str) -> str:
    """A customer line as compared with the scenario's wordings: normalised, no spaces."""
    return normalise(clean(text), lang).replace(" ", "")


@cache
def _generic_stems() -> frozenset[str]:
    """The stems of the generic English words, each tokenised alone: joined into one text (in a
    frozenset's order, which varies from run to run) some were read as stop words by their
    neighbours, so a word such as "next" was generic in one process and not in the next."""
    return frozenset(stem for word in sorted(GENERIC_EN) for stem in tokens(word, "en").words)


def specificity(word: str) -> float:
    """How much a word says about a business. Without a frequency list, length stands in:
    a single Chinese character or a short English stem says little, a long one says a lot."""
    if not word.isascii():
        return 0.3 if len(word) == 1 else 1.0 if len(word) == 2 else 1.5
    return 0.5 if len(word) <= 3 else 1.0 if len(word) <= 6 else 1.5
