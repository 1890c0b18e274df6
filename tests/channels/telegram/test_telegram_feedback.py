"""Flagging a coach's judgement in Telegram: the button under the note, the technique keyboard,
the flag in the trainers' review queue. Real Update JSON through the webhook, the real PTB, the
fake Bot API."""

from __future__ import annotations

from telegram_fakes import FakeBotAPI, Updates, build_app, running, telegram_settings
from test_telegram_rehearsal import begin_rehearsal, only_session

from bot.channels.telegram.callbacks import decode_flag, flag_choice
from bot.channels.telegram.texts import TEXTS
from bot.i18n import translate
from bot.services import FeedbackService
from bot.storage import Database

LINE = "退货为什么会翻倍呢？"


async def test_a_rep_flags_a_judgement_from_the_coachs_note(db: Database, fake_bot_api: FakeBotAPI) -> None:
    updates = Updates(user_id=3031, first_name="李明")
    async with running(build_app(telegram_settings(db.url, fake_bot_api))) as webhook:
        await webhook.post(updates.text("/start"))
        await begin_rehearsal(webhook, fake_bot_api, updates, language="zh", mode="practice")
        assert (await webhook.post(updates.text(LINE))).status_code == 200
        note = fake_bot_api.calls_to("sendMessage")[-1]
        assert "教练" in note.params["text"]
        ((label, data),) = note.buttons()  # one button under the coach's note
        assert label == TEXTS["flag_button"]["zh"] == "判断有误？"
        press = decode_flag(data)
        rehearsal = only_session(db)
        assert press is not None and press.session_id == rehearsal.id and not press.chosen

        # The button opens the techniques by name (a new message: the note stays as it was).
        edits_before = len(fake_bot_api.calls_to("editMessageText"))
        assert (
            await webhook.post(updates.press(data, on_message_id=note.message_id or 0))
        ).status_code == 200
        assert len(fake_bot_api.calls_to("editMessageText")) == edits_before
        keyboard = fake_bot_api.calls_to("sendMessage")[-1]
        assert keyboard.params["text"] == TEXTS["flag_pick"]["zh"]
        labels = dict(keyboard.buttons())
        assert len(labels) == 17  # the 16 techniques and "just wrong"
        what_else = translate("technique.what_else", "zh")
        assert labels[what_else] == flag_choice(rehearsal.id, press.seq, "what_else")

        # A technique: the flag is stored and the keyboard becomes a thanks.
        pick = updates.press(labels[what_else], on_message_id=keyboard.message_id or 0)
        assert (await webhook.post(pick)).status_code == 200
        thanks = fake_bot_api.calls_to("editMessageText")[-1]
        assert what_else in thanks.params["text"] and "培训师" in thanks.params["text"]

        # The same press delivered again changes nothing; a forged one for another seq is refused.
        assert (await webhook.post(pick)).status_code == 200
        forged = flag_choice(rehearsal.id, press.seq + 1, "why")  # the customer's reply
        await webhook.post(updates.press(forged, on_message_id=keyboard.message_id or 0))
        assert fake_bot_api.calls_to("editMessageText")[-1].params["text"] == TEXTS["choice_expired"]["zh"]

    queue = FeedbackService(db).pending()
    assert [(f.session_id, f.seq, f.text, f.suggested, f.channel) for f in queue] == [
        (rehearsal.id, press.seq, LINE, "what_else", "telegram")
    ]
    assert queue[0].predicted[0] == "why"


def test_flag_callback_data_fits_telegrams_64_bytes() -> None:
    longest = flag_choice("f" * 32, 999_999, "answer_with_question")
    assert len(longest.encode()) <= 64
    assert decode_flag(longest) is not None
    assert decode_flag(flag_choice("f" * 32, 3, None)).suggested is None  # type: ignore[union-attr]
    for forged in (
        "fl:" + "f" * 32 + ":3:shouting",
        "fw:" + "f" * 32 + ":3:why",
        "fw:nothex:3",
        "fl:" + "f" * 32,
    ):
        assert decode_flag(forged) is None, forged
