"""Splitting long HTML messages under Telegram's 4096-character limit."""

from __future__ import annotations

import re

import pytest
from telegram_fakes import html_problem

from bot.channels.telegram.splitting import TELEGRAM_MAX_CHARS, split_html


def visible(html: str) -> str:
    return re.sub(r"<[^>]+>|\s", "", html)


def test_short_text_is_one_piece() -> None:
    assert split_html("<b>客户</b>：你好") == ["<b>客户</b>：你好"]


def test_cuts_at_paragraphs_then_lines() -> None:
    paragraph = "x" * 3000
    assert split_html(f"{paragraph}\n\n{paragraph}") == [paragraph, paragraph]
    lines = "\n".join("y" * 100 for _ in range(60))
    pieces = split_html(lines)
    assert all(len(piece) <= TELEGRAM_MAX_CHARS for piece in pieces)
    assert all(re.fullmatch(r"(y{100}\n?)+", piece) for piece in pieces)


def test_long_chinese_line_cuts_after_a_sentence() -> None:
    line = "我们的交付周期为什么越来越长？" * 600
    pieces = split_html(line)
    assert len(pieces) >= 2
    assert all(len(piece) <= TELEGRAM_MAX_CHARS and piece.endswith("？") for piece in pieces)
    assert "".join(pieces) == line


def test_open_tags_are_closed_and_reopened() -> None:
    html = "<i>🧭 " + "继续问为什么，" * 1500 + "</i>"
    pieces = split_html(html)
    assert len(pieces) >= 2
    for piece in pieces:
        assert piece.startswith("<i>") and piece.endswith("</i>") and len(piece) <= TELEGRAM_MAX_CHARS
        assert html_problem(piece) is None  # Telegram would accept it
    assert visible("".join(pieces)) == visible(html)


def test_never_cuts_inside_an_entity_or_a_tag() -> None:
    html = "&amp;" * 2000 + '<a href="https://example.com/">link</a>' * 200
    for piece in split_html(html, limit=500):
        assert len(piece) <= 500
        assert not re.search(r"&[a-z]*$", piece) and not re.search(r"^[a-z]*;", piece)
        assert piece.count("<a ") == piece.count("</a>")
        assert html_problem(piece) is None


def test_the_fake_bot_api_refuses_what_telegram_refuses() -> None:
    assert html_problem("<b>客户</b>：价格 &lt; 预算 &amp; 期限") is None
    assert html_problem("a < b") and html_problem("<b>open") and html_problem("<div>x</div>")
    assert html_problem("</i>") and html_problem("Tom & Jerry")


def test_limit_must_leave_room_for_tags() -> None:
    with pytest.raises(ValueError):
        split_html("x" * 200, limit=100)
