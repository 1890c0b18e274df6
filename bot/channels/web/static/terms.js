/* Names of stages, steps, techniques and statuses, shared by the chat page and the manager page
 * (loaded before either script). */
"use strict";

const TERMS = {
  zh: {
    first_impression: "第一印象", liking: "吸引喜欢", trust: "相互信赖", persuasion: "沟通说服",
    excitation: "提问激发", opener: "开场", curiosity: "好奇关心", analysis: "分析问题",
    what_if: "如果", how_do_you_see: "你怎么看", need_confirmation: "确认需求",
    closed_question: "封闭式提问", open_question: "开放式提问", curiosity_care: "好奇与关心",
    humble_disclaimer: "低调声明", revisit_topic: "重拾旧话题", answer_with_question: "以问答问",
    what_else: "还有吗", why: "为什么", confirming_question: "确认式提问", confirm_question: "确认式提问", greeting: "问候", pitch: "推销",
    statement: "陈述", small_talk: "寒暄", private_topic: "私人话题", other: "其他",
    need_excitation: "需求激发", motivation_excitation: "动机激发", product_push: "产品推销",
    easy: "入门", medium: "中等", hard: "困难", closed: "已结束", ended: "已结束",
    closed_by_customer: "客户结束", active: "进行中",
    long_term_harm: "长期损失", spreading_harm: "扩散损失", long_term_gain: "长期收益",
    spreading_gain: "扩散收益", avoid_harm_review: "规避风险检查", vision: "方案愿景", ended_step: "已结束",
  },
  en: {
    first_impression: "first impression", liking: "liking", trust: "trust", persuasion: "persuasion",
    excitation: "excitation", opener: "opener", curiosity: "curiosity", analysis: "analysis",
    what_if: "what if", how_do_you_see: "how do you see it", need_confirmation: "need confirmation",
    closed_question: "closed question", open_question: "open question", curiosity_care: "curiosity & care",
    humble_disclaimer: "humble disclaimer", revisit_topic: "revisit a topic",
    answer_with_question: "answer with a question", what_else: "what else", why: "why",
    confirming_question: "confirming question", confirm_question: "confirming question", greeting: "greeting",
    pitch: "pitch", statement: "statement",
    small_talk: "small talk", private_topic: "private topic", other: "other",
    need_excitation: "need excitation", motivation_excitation: "motivation excitation",
    product_push: "product push", easy: "easy", medium: "medium", hard: "hard", closed: "ended",
    ended: "ended", closed_by_customer: "closed by customer", active: "in progress",
    long_term_harm: "long-term harm", spreading_harm: "spreading harm", long_term_gain: "long-term gain",
    spreading_gain: "spreading gain", avoid_harm_review: "avoid-harm review", vision: "vision of the solution",
  },
};
const BAD_TECHNIQUES = new Set(["pitch", "private_topic"]);
