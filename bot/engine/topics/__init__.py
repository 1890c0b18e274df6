"""Topic understanding: which of the scenario's topics a rep's line talks about (docs/topics.md)."""

from bot.engine.topics.index import KINDS, Keywords, Topic, TopicIndex, TopicMatch, topic_keys

__all__ = ["KINDS", "Keywords", "Topic", "TopicIndex", "TopicMatch", "topic_keys"]
