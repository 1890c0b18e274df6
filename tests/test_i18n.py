"""The text catalogue: in step with the code, complete in zh_CN and en, and one name per technique."""

from __future__ import annotations

import copy
import io

import pytest
from babel.messages.catalog import Catalog

from bot import names
from bot.channels.telegram.texts import COMMAND_MENU, TEXT_KEYS, both, text
from bot.classifier import default_bank
from bot.engine import text_keys
from bot.i18n import (
    catalogue_json,
    has,
    keys,
    lang_of,
    lookup,
    messages,
    read_catalogue,
    translate,
    web_catalogue,
)
from bot.i18n_tools import extract_html, extract_template, problems
from bot.vocab import Angle, Channel, Lang, Stage, Status, Step, Technique


@pytest.fixture(scope="module")
def template() -> Catalog:
    """Every key the code names, extracted as `pybabel extract -F babel.cfg` does."""
    return extract_template()


def test_the_catalogues_match_the_code_and_are_complete(template: Catalog) -> None:
    # The same check .ci/run makes: no missing, stale, untranslated or fuzzy message, and every
    # translation keeps its placeholders.
    assert problems(template) == []
    assert len(template) > 300


def test_the_check_reports_missing_stale_untranslated_fuzzy_and_placeholder_changes(
    template: Catalog,
) -> None:
    zh, en = read_catalogue("zh_CN"), read_catalogue("en")
    grown = copy.deepcopy(template)
    grown.add("web.chat.brand_new")
    grown.delete("telegram.help")
    broken_en = copy.deepcopy(en)
    broken_en["telegram.error"].string = ""
    broken_en["telegram.hint"].flags.add("fuzzy")
    broken_en["telegram.welcome_back"].string = "Welcome back, {nmae}!"
    found = problems(grown, {"zh_CN": zh, "en": broken_en})
    assert "zh_CN: missing key web.chat.brand_new" in found
    assert "en: stale key telegram.help (no code names it)" in found
    assert "en: telegram.error is untranslated" in found
    assert "en: telegram.hint is fuzzy" in found
    assert "en: telegram.welcome_back has placeholders ['nmae']" in found


def test_the_html_extractor_finds_attribute_and_template_keys() -> None:
    html = (
        '<p data-i18n="web.a">{{ t("web.a") }}</p>\n<input data-i18n-placeholder="web.b" placeholder="x">\n'
        '{{ ui.sign_in(title_key="web.c", lead_key="web.d") }}{{ ui.x(brand_key) }}'
    )
    found = list(extract_html(io.BytesIO(html.encode()), [], [], {}))
    assert [(line, key) for line, _, key, _ in found] == [
        (1, "web.a"),
        (1, "web.a"),
        (2, "web.b"),
        (3, "web.c"),
        (3, "web.d"),
    ]


def test_translate_fills_placeholders_and_falls_back_to_chinese() -> None:
    assert translate("telegram.welcome_back", Lang.EN, name="Ann").startswith("👋 Welcome back, Ann!")
    assert translate("telegram.welcome_back", "zh", name="安") == translate(
        "telegram.welcome_back", "zh_CN", name="安"
    )
    assert translate("technique.why", "fr") == translate("technique.why", Lang.ZH)  # unknown: Chinese
    assert lang_of("en-GB") is Lang.EN and lang_of("zh-hans") is Lang.ZH
    assert "{name}" in translate("telegram.welcome_back", "en")  # unfilled without params
    with pytest.raises(KeyError):
        translate("telegram.no_such_text", "zh")
    assert lookup("telegram.no_such_text", "en") is None and not has("telegram.no_such_text")


def test_zh_cn_and_en_say_different_things() -> None:
    zh, en = messages(Lang.ZH), messages(Lang.EN)
    assert zh.keys() == en.keys() == keys()
    # Untranslated copies would slip through a check for empty strings; symbols may repeat.
    same = {key for key in zh if zh[key] == en[key]}
    assert same <= {"telegram.yes", "telegram.no", "channel.telegram", "web.chat.title", "web.manage.title"}


def test_the_telegram_wrappers_read_the_catalogue() -> None:
    assert text("help", "en") == translate("telegram.help", "en")
    assert text("help", "de") == translate("telegram.help", "zh")
    assert both("welcome_back", name="X") == (
        f"{translate('telegram.welcome_back', 'zh', name='X')}\n\n"
        f"{translate('telegram.welcome_back', 'en', name='X')}"
    )
    assert all(has(key) for key in TEXT_KEYS)
    assert COMMAND_MENU["hint"]["en"] == translate("telegram.command.hint", "en")


@pytest.mark.parametrize(
    ("table", "ids"),
    [
        (names.STAGE_NAMES, list(Stage)),
        (names.STEP_NAMES, list(Step)),
        (names.TECHNIQUE_NAMES, list(Technique)),
        (names.ANGLE_NAMES, list(Angle)),
        (names.STATUS_NAMES, list(Status)),
        (names.CHANNEL_NAMES, list(Channel)),
    ],
)
def test_every_id_of_the_vocabulary_has_a_name_in_both_languages(
    table: dict[str, str], ids: list[str]
) -> None:
    for item in ids:
        assert item in table, f"{item} has no catalogue key"
        zh, en = (names.name_of(table, item, lang) for lang in ("zh", "en"))
        assert zh and en and (zh != en or item == Channel.TELEGRAM), item  # a brand stays a brand


def test_technique_names_are_the_question_banks() -> None:
    bank = default_bank()
    for technique_id in bank.ids:
        named = bank.technique(technique_id).name
        for lang in ("zh", "en"):
            assert translate(f"technique.{technique_id}", lang) == named[lang], (technique_id, lang)
    # The bank's term wins where the old copies disagreed (封闭性问题 / 封闭式问题 / 封闭式提问).
    assert translate("technique.closed_question", "zh") == "封闭式提问"
    assert translate("technique.interest_check", "zh") == "兴趣确认"


def test_the_engine_keys_are_in_the_catalogue() -> None:
    tables = [
        text_keys.VERDICT_KEYS,
        text_keys.REASON_KEYS,
        text_keys.REPLY_KEYS,
        text_keys.KEEP_KEYS,
        text_keys.STOP_KEYS,
        text_keys.START_KEYS,
        text_keys.COACH_ANGLE_KEYS,
        text_keys.NEED_WORD_KEYS,
        text_keys.EXAMPLE_KEYS,
        text_keys.LEAD_KEYS,
        text_keys.POINT_LABEL_KEYS,
        text_keys.COACH_TEXT_KEYS,
    ]
    assert has(text_keys.IGNORED_KEY) and has(text_keys.QUOTE_KEY)
    for table in tables:
        assert table and all(has(key) for key in table.values())
    assert "{topic}" in translate(text_keys.VERDICT_KEYS["dug"], "en")


def test_the_web_export_holds_the_pages_texts_and_every_name() -> None:
    exported = web_catalogue("en")
    assert exported["web.chat.start"] == "Start the visit"
    assert exported["technique.why"] == translate("technique.why", "en")
    assert not any(key.startswith(("telegram.", "coach.", "customer.")) for key in exported)
    assert '"web.chat.start": "开始拜访"' in catalogue_json("zh")


def test_the_engine_has_no_text_tables_of_its_own() -> None:
    # The engine reads its texts from the catalogue; the old zh/en tables must not come back.
    from bot.engine import coach, coaching, customer

    for module, gone in (
        (coach, ("NAMES", "VERDICTS", "IGNORED", "ANGLES", "NEED_WORDS", "REASONS", "FALLBACK_EXAMPLES")),
        (customer, ("DEFAULT_REPLIES",)),
        (coaching, ("ZH_LEADS", "EN_LEADS", "POINT_LABELS")),
    ):
        for name in gone:
            assert not hasattr(module, name), f"{module.__name__}.{name}"
    assert text_keys.lines(text_keys.REPLY_KEYS["small_talk"], "en") == ("Yes.", "Right.", "More or less.")
