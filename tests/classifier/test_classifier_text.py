"""Text preparation: cleaning, language, normalisation, segmentation, shorthand."""

from __future__ import annotations

import re
import subprocess
import sys

from bot.classifier.text import (
    MAX_CHARS,
    Shorthand,
    clauses,
    clean,
    detect_lang,
    inside_word,
    normalise,
    search,
    segment,
    sentences,
    to_simplified,
)


def test_clean_drops_control_and_format_characters() -> None:
    assert clean("a\x00b\x07c") == "a b c"
    assert clean("为什么\u200b？\ufeff") == "为什么?"
    assert clean("  line one\nline two\t ") == "line one line two"
    assert clean("") == ""
    assert clean(None) == ""  # type: ignore[arg-type]


def test_clean_makes_full_width_ascii_and_caps_length() -> None:
    assert clean("ＷＨＹ，为什么？！") == "WHY,为什么?!"
    long = "x" * 50_000
    assert len(clean(long)) <= MAX_CHARS + 5


def test_detect_lang() -> None:
    assert detect_lang("为什么这个流程这么慢") == "zh"
    assert detect_lang("目前用的是SaaS版还是本地部署") == "zh"
    assert detect_lang("Why did the 华东 team switch?") == "en"
    assert detect_lang("😀😀") == "zh"
    assert detect_lang("1234", default="en") == "en"


def test_traditional_to_simplified_only_when_needed() -> None:
    assert to_simplified("為什麼這個流程需要三個部門簽字") == "为什么这个流程需要三个部门签字"
    text = "为什么这个流程需要三个部门签字"
    assert to_simplified(text) is text


def test_normalise_lowercases_drops_apostrophes_and_applies_shorthand() -> None:
    shorthand = Shorthand({"u": "you", "teh": "the"}, "en")
    assert normalise("What's TEH plan for u?", "en", shorthand) == "whats the plan for you?"
    assert normalise("We're ready", "en") == "we are ready"  # "were" would read as a verb
    zh = Shorthand({"甚么": "什么"}, "zh")
    assert normalise("為甚麼", "zh", zh) == "为什么"


def test_sentences_and_clauses() -> None:
    text = "mr. smith, thanks. why did it stall? ok"
    parts = [text[s:e].strip() for s, e in sentences(text)]
    assert parts == ["mr. smith, thanks.", "why did it stall?", "ok"]
    start, end = sentences(text)[0]
    assert [text[s:e].strip() for s, e in clauses(text, start, end)] == ["mr. smith", "thanks."]


def test_segment_uses_jieba_tokens() -> None:
    tokens = segment("几乎所有门店都用")
    assert "几乎" in tokens and "门店" in tokens


def test_segmenter_prints_nothing() -> None:
    code = "from bot.classifier.text import segment; segment('我们的预算有多少')"
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == "" and completed.stderr == ""


def test_not_inside_uses_jieba_word_boundaries() -> None:
    busy = re.compile("忙")
    guard = frozenset({"帮忙"})
    assert search(busy, "最近忙吗", guard) == (2, 3)
    assert search(busy, "能帮忙看一下吗", guard) is None
    assert search(busy, "能帮忙看一下吗,最近忙不忙", guard) == (10, 11)
    assert inside_word("累计订单", (0, 1), frozenset({"累计"}))
