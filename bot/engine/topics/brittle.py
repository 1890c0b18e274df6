"""Brittleness warnings for trainers (``coach validate``): topics a rep cannot name apart.

A rep who names a topic in the scenario's own words should be heard as talking about it. When a
topic's own short name (its ``topic:`` title) matches another topic first, or only by a hair, a
rep asking about it will often get the other topic's fact; keywords (docs/topics.md) or a more
specific title fix it. Facts are checked, not the solution or the visit's purpose.
"""

from __future__ import annotations

from typing import Final

from .index import TopicIndex
from .topic_texts import LANGS

# The title must beat the runner-up by this much (cosine points) to be safe.
MARGIN: Final = 0.05
CHECKED_KINDS: Final = frozenset({"situation", "problem", "cause", "implication"})


def topic_warnings(index: TopicIndex) -> list[str]:
    """One line per topic whose own title is heard as another topic, or barely as itself."""
    warnings = []
    for topic in index.topics:
        if topic.kind not in CHECKED_KINDS:
            continue
        for lang in LANGS:
            title = topic.title.get(lang)
            if not title:
                continue
            match = index.match(title, lang)
            if match.topic is None or match.generic:
                warnings.append(f"{topic.key} ({lang}): its title {title!r} names nothing; add keywords")
            elif match.topic != topic.key:
                warnings.append(
                    f"{topic.key} ({lang}): its title {title!r} is heard as {match.topic}; "
                    "add keywords or a more specific title"
                )
            elif (
                match.runner_up is not None
                and _family(index, match.runner_up) != _family(index, topic.key)
                and match.score - match.runner_up_score < MARGIN
            ):
                warnings.append(
                    f"{topic.key} ({lang}): its title {title!r} is barely told apart from "
                    f"{match.runner_up}; add keywords"
                )
    return warnings


def _family(index: TopicIndex, key: str) -> str:
    """The problem a topic belongs to (its own key for a problem or a situation item)."""
    return index.topic(key).parent or key
