"""Everything the Telegram bot says, in Chinese (zh-CN, the default) and English.

Texts are HTML fragments for Telegram's HTML parse mode: placeholders are filled with values the
caller has already escaped (``html.escape``), so a rep's or a customer's words never become markup.
"""

from __future__ import annotations

from typing import Final

LANGUAGES: Final = ("zh", "en")

TEXTS: Final[dict[str, dict[str, str]]] = {
    "welcome_new": {
        "zh": (
            "👋 欢迎，{name}！我已为你创建了一个销售代表账号。\n\n"
            "在这里你可以演练客户拜访：我扮演客户，教练会在每句话后点评你的提问。\n"
            "发送 /rehearse 选择一个场景开始。"
        ),
        "en": (
            "👋 Welcome, {name}! I have created a rep account for you.\n\n"
            "Here you rehearse customer visits: I play the customer, and a coach comments on "
            "your questions after each line.\nSend /rehearse to pick a scenario."
        ),
    },
    "welcome_back": {
        "zh": "👋 欢迎回来，{name}！发送 /rehearse 开始新的演练，或 /help 查看全部命令。",
        "en": "👋 Welcome back, {name}! Send /rehearse to start a rehearsal, or /help for every command.",
    },
    "linked": {
        "zh": "🔗 已关联：这个 Telegram 账号现在属于 {name}。你在网页上开始的演练可以在这里继续。",
        "en": "🔗 Linked: this Telegram account now belongs to {name}. Rehearsals you began on the web "
        "continue here.",
    },
    "bad_code": {
        "zh": "⚠️ 这个关联码无效或已过期。请在网页上重新生成一个，再发送 /start 关联码。",
        "en": "⚠️ That link code is invalid or has expired. Create a new one on the web, then send "
        "/start CODE.",
    },
    "help": {
        "zh": (
            "<b>销售拜访演练 · 命令</b>\n"
            "/rehearse — 选择场景、语言和模式，开始演练\n"
            "/hint — 请教练给一个此刻适合的问题\n"
            "/score — 查看当前阶段、步骤和信任度，或上一次的评分\n"
            "/end — 结束拜访并查看评分卡\n"
            "/notes — 查看经理写给你的教练笔记\n"
            "/lang — 切换界面语言（中文 / English）\n"
            "/start 关联码 — 关联你在网页上的账号\n"
            "/help — 显示本帮助\n\n"
            "演练中直接输入文字，就是你对客户说的话。多用提问，少做推销。"
        ),
        "en": (
            "<b>Sales visit rehearsal · commands</b>\n"
            "/rehearse — pick a scenario, language and mode, and begin\n"
            "/hint — ask the coach for a question that fits this moment\n"
            "/score — current stage, step and trust, or your last scorecard\n"
            "/end — end the visit and see the scorecard\n"
            "/notes — read the coaching notes your manager wrote you\n"
            "/lang — switch the interface language (中文 / English)\n"
            "/start CODE — link your web account\n"
            "/help — show this help\n\n"
            "During a rehearsal, plain text is what you say to the customer. Ask more, pitch less."
        ),
    },
    "need_start": {
        "zh": "请先发送 /start，我会为你创建账号（或用 /start 关联码 关联网页账号）。",
        "en": "Please send /start first: I will create your account (or send /start CODE to link your "
        "web account).",
    },
    "no_session": {
        "zh": "现在没有进行中的演练。发送 /rehearse 开始一次客户拜访。",
        "en": "No rehearsal is in progress. Send /rehearse to start a customer visit.",
    },
    "session_in_progress": {
        "zh": "你有一个进行中的演练：<b>{title}</b>。直接输入文字继续，或先发送 /end 结束它。",
        "en": "You have a rehearsal in progress: <b>{title}</b>. Type to continue it, or send /end first.",
    },
    "no_scenarios": {
        "zh": "目前没有可用的场景。请联系培训师添加场景脚本。",
        "en": "No scenarios are available yet. Ask a trainer to add scenario scripts.",
    },
    "choose_scenario": {"zh": "🎯 选择一个拜访场景：", "en": "🎯 Choose a visit scenario:"},
    "choose_language": {
        "zh": "🎯 <b>{title}</b>\n\n用哪种语言演练？",
        "en": "🎯 <b>{title}</b>\n\nWhich language do you want to rehearse in?",
    },
    "choose_mode": {
        "zh": "🎯 <b>{title}</b>（{language}）\n\n"
        "选择模式：练习模式每句话后都有教练点评；考试模式只在结束时评分。",
        "en": "🎯 <b>{title}</b> ({language})\n\nChoose a mode: practice gives a coach note after every "
        "line; exam stays silent until the scorecard.",
    },
    "mode_practice": {"zh": "练习模式", "en": "Practice"},
    "mode_exam": {"zh": "考试模式", "en": "Exam"},
    "language_zh": {"zh": "中文", "en": "Chinese (中文)"},
    "language_en": {"zh": "英文 (English)", "en": "English"},
    "rehearsal_started": {
        "zh": (
            "🎬 <b>{title}</b>\n"
            "客户：{customer}\n"
            "拜访目的：{purpose}\n"
            "语言：{language} · 模式：{mode}\n\n"
            "客户已经在等你了。直接输入你要说的话；/hint 求助，/end 结束。"
        ),
        "en": (
            "🎬 <b>{title}</b>\n"
            "Customer: {customer}\n"
            "Purpose of the visit: {purpose}\n"
            "Language: {language} · mode: {mode}\n\n"
            "The customer is waiting. Type what you say; /hint for help, /end to finish."
        ),
    },
    "choice_expired": {
        "zh": "这个选项已失效，请重新发送 /rehearse。",
        "en": "That choice is no longer available; send /rehearse again.",
    },
    "customer_label": {"zh": "客户", "en": "Customer"},
    "coach_label": {"zh": "教练", "en": "Coach"},
    "state_line": {
        "zh": "阶段：{stage} · 步骤：{step} · 信任度：{trust}",
        "en": "Stage: {stage} · step: {step} · trust: {trust}",
    },
    "hint": {"zh": "💡 <b>提示</b>\n{hint}", "en": "💡 <b>Hint</b>\n{hint}"},
    "score_active": {
        "zh": "📍 <b>{title}</b>\n{state}\n已说 {turns} 句。继续提问，或 /end 结束并查看评分。",
        "en": "📍 <b>{title}</b>\n{state}\n{turns} rep lines so far. Keep asking, or /end for the scorecard.",
    },
    "no_scorecard": {
        "zh": "还没有评分卡。完成一次演练（/rehearse，然后 /end）就会有了。",
        "en": "No scorecard yet. Finish a rehearsal (/rehearse, then /end) to get one.",
    },
    "customer_closed": {
        "zh": "🚪 客户结束了这次拜访。看看评分卡，下次换个方式试试。",
        "en": "🚪 The customer ended the visit. Look at the scorecard and try another approach next time.",
    },
    "scorecard_title": {"zh": "📋 <b>评分卡 · {title}</b>", "en": "📋 <b>Scorecard · {title}</b>"},
    "scorecard_score": {"zh": "总分：<b>{score}</b> / 100", "en": "Score: <b>{score}</b> / 100"},
    "scorecard_reached": {
        "zh": "到达：{stage} · {step}",
        "en": "Reached: {stage} · {step}",
    },
    "scorecard_trust": {"zh": "信任度走势：{curve}", "en": "Trust over the visit: {curve}"},
    "scorecard_questions": {
        "zh": "提问占比：{share}% · 需求前推销：{pitches} 次",
        "en": "Questions: {share}% of your lines · pitches before a need: {pitches}",
    },
    "scorecard_problems": {
        "zh": "发现的问题：{found} / {total} · 最深的“为什么”链：{depth} 层",
        "en": "Problems uncovered: {found} / {total} · deepest why-chain: {depth}",
    },
    "scorecard_need": {
        "zh": "明确需求：期限 {deadline} · 预算 {budget}",
        "en": "Explicit need: deadline {deadline} · budget {budget}",
    },
    "scorecard_techniques": {"zh": "使用的技巧：{techniques}", "en": "Techniques used: {techniques}"},
    "scorecard_keep": {"zh": "✅ 保持：{text}", "en": "✅ Keep: {text}"},
    "scorecard_start": {"zh": "➕ 开始：{text}", "en": "➕ Start: {text}"},
    "scorecard_stop": {"zh": "⛔ 停止：{text}", "en": "⛔ Stop: {text}"},
    "yes": {"zh": "✔", "en": "✔"},
    "no": {"zh": "✘", "en": "✘"},
    "ended_nothing": {
        "zh": "没有进行中的演练可以结束。发送 /rehearse 开始一次。",
        "en": "There is no rehearsal to end. Send /rehearse to start one.",
    },
    "lang_choose": {"zh": "选择界面语言：", "en": "Choose the interface language:"},
    "lang_set": {
        "zh": "✅ 界面语言已切换为中文。",
        "en": "✅ The interface is now in English.",
    },
    "unsupported": {
        "zh": (
            "🙏 抱歉，我只能读文字消息，贴纸、图片、语音和文件我还看不懂。"
            "请把你想对客户说的话打成文字发给我。这条消息没有计入演练。"
        ),
        "en": (
            "🙏 Sorry, I can only read text: stickers, photos, voice notes and files are beyond me. "
            "Please type what you want to say to the customer. That message was not counted."
        ),
    },
    "edited": {
        "zh": "✏️ 修改过的消息不会计入演练：客户已经听到了原话。请直接发送新的一句。",
        "en": "✏️ Edited messages do not change the rehearsal: the customer already heard the "
        "original. Just send a new line.",
    },
    "unknown_command": {
        "zh": "我不认识这个命令。发送 /help 查看可用命令。",
        "en": "I do not know that command. Send /help for the list.",
    },
    "message_rejected": {
        "zh": "⚠️ 这条消息无法使用（空白或过长，最多 {limit} 字）。没有计入演练，请重新发送。",
        "en": "⚠️ That message cannot be used (empty or longer than {limit} characters). It was not "
        "counted; please send it again.",
    },
    "session_closed": {
        "zh": "这次演练已经结束。发送 /score 查看评分，或 /rehearse 开始新的演练。",
        "en": "That rehearsal has ended. Send /score for the scorecard, or /rehearse for a new one.",
    },
    "notes_none": {
        "zh": "还没有教练笔记。经理给你写了笔记，就会显示在这里。",
        "en": "No coaching notes yet. When your manager writes you one, it shows up here.",
    },
    "notes_title": {
        "zh": "📝 <b>教练笔记</b>（共 {total} 条，未读 {unread} 条）",
        "en": "📝 <b>Coaching notes</b> ({total} in all, {unread} unread)",
    },
    "note_unread": {"zh": "🆕 未读", "en": "🆕 unread"},
    "note_about": {"zh": "关于：{title}", "en": "About: {title}"},
    "notes_more": {
        "zh": "这里只显示最新的 {shown} 条；全部笔记请在网页上查看。",
        "en": "Only the {shown} newest are shown here; all of them are on the web.",
    },
    "note_pushed": {
        "zh": "📝 <b>{author}</b> 给你写了一条教练笔记：\n\n{note}\n\n发送 /notes 查看全部笔记。",
        "en": "📝 <b>{author}</b> wrote you a coaching note:\n\n{note}\n\nSend /notes to see all your notes.",
    },
    "error": {
        "zh": "😵 出了点问题，这条消息没有处理。请稍后再试。",
        "en": "😵 Something went wrong and that message was not handled. Please try again later.",
    },
}

# The command menu Telegram shows next to the input box (`coach telegram set-webhook` sets it).
COMMAND_MENU: Final[dict[str, dict[str, str]]] = {
    "rehearse": {"zh": "选择场景，开始演练", "en": "Pick a scenario and start rehearsing"},
    "hint": {"zh": "请教练给一个提问建议", "en": "Ask the coach for a question to try"},
    "score": {"zh": "当前进度或上次的评分卡", "en": "Where the visit stands, or the last scorecard"},
    "end": {"zh": "结束拜访，查看评分卡", "en": "End the visit and see the scorecard"},
    "notes": {"zh": "经理写给你的教练笔记", "en": "Coaching notes from your manager"},
    "lang": {"zh": "切换界面语言", "en": "Switch the interface language"},
    "help": {"zh": "全部命令", "en": "All commands"},
}


def ui_language(value: str | None, default: str = "zh") -> str:
    """Map a stored or Telegram language code ("en-GB", "zh-hans"...) to one we speak."""
    if value:
        head = value.lower().split("-")[0].split("_")[0]
        if head in LANGUAGES:
            return head
    return default if default in LANGUAGES else "zh"


def text(key: str, lang: str, **values: object) -> str:
    """The text ``key`` in ``lang`` (Chinese when the language is unknown), filled with ``values``."""
    variants = TEXTS[key]
    template = variants.get(lang) or variants["zh"]
    return template.format(**values) if values else template


def both(key: str, **values: object) -> str:
    """Chinese first, then English: for people whose language we do not know yet."""
    return f"{text(key, 'zh', **values)}\n\n{text(key, 'en', **values)}"
