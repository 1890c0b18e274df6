"""Display names of stages, steps, techniques and the scorecard's other ids, in each language.

The one copy every channel uses: Telegram and the terminal in Python, the web pages through the
generated ``/static/terms.js``.
"""

from __future__ import annotations

from typing import Final

STAGE_NAMES: Final[dict[str, dict[str, str]]] = {
    "first_impression": {"zh": "第一印象", "en": "first impression"},
    "liking": {"zh": "吸引喜欢", "en": "liking"},
    "trust": {"zh": "相互信赖", "en": "trust"},
    "persuasion": {"zh": "沟通说服", "en": "persuasion"},
    "excitation": {"zh": "提问激发", "en": "question-driven excitation"},
}

STEP_NAMES: Final[dict[str, dict[str, str]]] = {
    "opener": {"zh": "开场", "en": "opener"},
    "curiosity": {"zh": "好奇与关心", "en": "curiosity and care"},
    "analysis": {"zh": "分析问题（为什么 / 还有吗）", "en": "analysis (why / what else)"},
    "what_if": {"zh": "如果……", "en": "what if"},
    "how_do_you_see": {"zh": "你怎么看", "en": "how do you see it"},
    "need_confirmation": {"zh": "确认需求", "en": "need confirmation"},
    "ended": {"zh": "拜访结束", "en": "visit ended"},
    "closed_by_customer": {"zh": "客户结束了拜访", "en": "closed by the customer"},
}

TECHNIQUE_NAMES: Final[dict[str, dict[str, str]]] = {
    "greeting": {"zh": "寒暄问候", "en": "greeting"},
    "confirm_question": {"zh": "确认式提问", "en": "confirming question"},
    "statement": {"zh": "陈述", "en": "statement"},
    "closed_question": {"zh": "封闭性问题", "en": "closed question"},
    "curiosity_care": {"zh": "好奇与关心", "en": "curiosity and care"},
    "humble_disclaimer": {"zh": "低调声明", "en": "humble disclaimer"},
    "revisit_topic": {"zh": "重拾旧话题", "en": "revisit an old topic"},
    "answer_with_question": {"zh": "以问答问", "en": "answer with a question"},
    "what_else": {"zh": "还有吗", "en": "what else"},
    "why": {"zh": "为什么", "en": "why"},
    "what_if": {"zh": "如果", "en": "what if"},
    "how_do_you_see": {"zh": "你怎么看", "en": "how do you see it"},
    "open_question": {"zh": "开放性问题", "en": "open question"},
    "need_confirmation": {"zh": "确认需求", "en": "need confirmation"},
    "pitch": {"zh": "推销", "en": "pitch"},
    "interest_check": {"zh": "兴趣确认", "en": "interest check"},
}

ANGLE_NAMES: Final[dict[str, dict[str, str]]] = {
    "vision": {"zh": "方案愿景", "en": "vision of the solution"},
    "long_term_harm": {"zh": "长期损失", "en": "long-term harm"},
    "spreading_harm": {"zh": "扩散损失", "en": "spreading harm"},
    "long_term_gain": {"zh": "长期收益", "en": "long-term gain"},
    "spreading_gain": {"zh": "扩散收益", "en": "spreading gain"},
    "avoid_harm_review": {"zh": "规避风险检查", "en": "avoid-harm review"},
}

SCENARIO_NAMES: Final[dict[str, dict[str, str]]] = {
    "need_excitation": {"zh": "需求激发", "en": "need excitation"},
    "motivation_excitation": {"zh": "动机激发", "en": "motivation excitation"},
    "product_push": {"zh": "产品推销", "en": "product push"},
    "easy": {"zh": "入门", "en": "easy"},
    "medium": {"zh": "中等", "en": "medium"},
    "hard": {"zh": "困难", "en": "hard"},
}

STATUS_NAMES: Final[dict[str, dict[str, str]]] = {
    "active": {"zh": "进行中", "en": "in progress"},
    "ended": {"zh": "已结束", "en": "ended"},
    "closed_by_customer": {"zh": "客户结束", "en": "closed by customer"},
    "small_talk": {"zh": "寒暄", "en": "small talk"},
    "private_topic": {"zh": "私人话题", "en": "private topic"},
    "other": {"zh": "其他", "en": "other"},
}


def all_terms(lang: str) -> dict[str, str]:
    """Every id above with its name in ``lang`` (a status name wins over a step of the same id)."""
    merged: dict[str, str] = {}
    for table in (STAGE_NAMES, STEP_NAMES, TECHNIQUE_NAMES, ANGLE_NAMES, SCENARIO_NAMES, STATUS_NAMES):
        for key, names in table.items():
            merged[key] = names.get(lang, names["zh"])
    return merged


def name_of(table: dict[str, dict[str, str]], key: str | None, lang: str) -> str:
    """A stage, step or technique name in ``lang``; unknown ids are shown as they are."""
    if key is None:
        return "—"
    entry = table.get(key)
    return entry.get(lang, entry["zh"]) if entry else key.replace("_", " ")
