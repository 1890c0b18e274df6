"""Topic understanding: which of the scenario's topics a rep's line talks about (docs/topics.md)."""

from bot.engine.topics.index import Keywords, TopicIndex, TopicMatch, topic_keys
from bot.engine.topics.topic_texts import KINDS, Topic

__all__ = ["KINDS", "Keywords", "Topic", "TopicIndex", "TopicMatch", "topic_keys"]
