"""The small word lists topic matching relies on, kept in one place.

Stop words carry no topic: pronouns, question words, fillers, politeness and the cue words of
the questioning techniques themselves ("why", "what if", "how do you see"). A line made only of
them is *generic*: it refers to whatever the customer just talked about.

Generic words are content-looking words that every customer visit uses (business, problem,
time, worry). They never make a line off-topic and carry little weight, because a rep may say
them to any customer.
"""

from __future__ import annotations


def _listed(text: str) -> frozenset[str]:
    """A word list written as whitespace-separated text (easier to read and edit than quotes)."""
    return frozenset(text.split())


EN_STOP: frozenset[str] = _listed(
    """
    a about above after again against all also am an and any anything are as at be because been
    before being below between both but by can could did do does doing done down during each else
    few for from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or other
    our ours ourselves out over own same she should so some something such than that the their
    theirs them themselves then there these they this those through to too under until up very
    was we were what when where which while who whom why will with would you your yours yourself
    yourselves let lets us ok okay yes yeah yep hmm hm um uh oh ah well right really actually so
    please thanks thank sorry hi hello dear mr ms mrs dr sir madam kind kinds bit lot lots much many
    thing things stuff way ways kind sort sorts maybe perhaps probably quite pretty rather just
    see think thought tell told say said ask asked know known mean means meant feel felt look
    looking looks get gets got go goes going gone come comes came make makes made take takes
    happen happens happened happening become becomes imagine suppose say picture wonder curious
    view opinion idea ideas take sense thoughts else besides apart beyond another one two
    dont doesnt didnt isnt arent wasnt werent cant couldnt wont wouldnt shouldnt havent hasnt
    im ive youre youve youd youll hes shes its were theyre thats whats hows whys theres heres
    lately recently still ever even yet already today now currently anyway though although
    heard hear hearing seem seems seemed often always usually exactly specifically basically
    honestly frankly quick question questions guess assume sure
    cause causes caused causing reason reasons
    upon towards toward behind
    """
)

# Chinese words that ask who else is hit or who loses (还有谁跟着吃亏, 会牵连到谁): they say which
# angle a what-if wants, not what it is about, and the customer's spreading stakes all use them;
# as content they pulled a question about one problem onto another problem's stake. Part of
# ZH_STOP (below); a jieba word glued from one and a character (连累到, 受牵连) counts as one too.
ZH_ANGLE: frozenset[str] = _listed(
    """
    跟着 吃亏 遭殃 倒霉 牵连 连累 牵扯 卷进来 卷进 进来 波及 连带 拖累 受累 殃及 受影响
    """
)

# Chinese stop words: function words, question words and the techniques' cue words. jieba
# tokens are checked against this set; single characters that are pure grammar are included.
_ZH_FUNCTION_WORDS: frozenset[str] = _listed(
    """
    的 了 着 过 吗 呢 吧 啊 呀 哦 嗯 哈 嘛 么 啦 哇 喔 噢 诶 欸 唉 呃 额
    我 你 您 他 她 它 我们 你们 您们 他们 她们 咱们 咱 自己 大家 人家
    这 那 这个 那个 这些 那些 这样 那样 这么 那么 这种 那种 这边 那边 这儿 那儿 这里 那里 此
    是 有 在 和 与 跟 同 及 或 或者 还是 而 而且 并且 但 但是 可是 不过 然后 所以 因为 如果
    要是 假如 假设 万一 设想 想象 一下 的话 就 都 也 还 又 再 才 很 太 挺 蛮 真 真的 特别 非常
    比较 更 最 多 少 会 能 能够 可以 可能 应该 得 要 想 觉得 认为 看 看法 怎么看 怎么 怎样 怎么样
    什么 为什么 为何 为啥 啥 哪 哪里 哪儿 哪个 哪些 几 多少 谁 如何 是不是 有没有 会不会 能不能
    还有 别的 其他 其它 另外 除了 之外 以外 呢 吗 说 讲 聊 问 问问 请问 冒昧 请 谢谢 麻烦 打扰
    一 一个 一些 一点 一点儿 有点 有些 些 个 种 次 件 下 点 上 中 里 到 从 对 向 把 被 给 让 叫
    为 为了 以 于 由 等 等等 之 其 该 每 各 某 本 当 当时 现在 目前 最近 刚才 已经 曾经 一直 一般
    其实 确实 当然 好像 似乎 大概 大约 也许 或许 感觉 知道 了解 理解 明白 告诉 情况 事情 事 东西
    方面 问题 原因 结果 后果 影响 这件 那件 时候 会儿 怎么办 咋 咋办 咋样 嘛 不 没 没有 别 呗
    除此之外 此外 具体 看着 天天 很多 好多 许多 到处 听说 听 哪条 哪家 哪位 总是 经常 老是 还会
    到底 究竟 这块 那块 这方面 比如 例如 比方说 就是说 也就是 对吧 是吧 对不对 是吗 好的 明白了
    几家 几位 几种 几类 几次 几件 几条 几台 几辆 几批
    不了 导致 造成 出来
    来说 来讲 而言 一条 儿 就是 不会 样 啥样 先 说白了 一块 一块儿 意味着 意味
    """
)
ZH_STOP: frozenset[str] = _ZH_FUNCTION_WORDS | ZH_ANGLE

# Words any visit may use: never evidence that a line is about something this customer lacks.
GENERIC_EN: frozenset[str] = _listed(
    """
    business company problem problems issue issues challenge challenges worry worries worried
    concern concerns concerned time times year years month months week weeks day days team
    teams people person customer customers client clients cost costs money budget deadline
    plan plans work works working job jobs busy side change changes changed
    new old big small good bad best better worse worst hard easy important urgent main
    biggest risk risks impact effect result results reason reasons cause causes help solve
    solved solution solutions fix fixed system systems process processes data number numbers
    future long short term next last first second third part end start started need needs
    want wants like try trying keep kept run running open opens opened stay stays case cases
    example examples other others move moved moving app apps
    share shared department departments manager managers colleague colleagues
    boss owner owners staff level levels place places area areas point points
    benefit benefits gain gains affect affects affected hurt hurts harm improve improved
    improvement difference different worry idea pilot proposal meeting project projects
    every each thousand thousands million millions billion hundred hundreds percent yuan rmb
    dollar dollars euro euros
    monday mondays tuesday tuesdays wednesday wednesdays thursday thursdays friday fridays
    saturday saturdays sunday sundays weekend weekends weekday weekdays holiday holidays
    morning mornings afternoon afternoons evening evenings night nights today tomorrow
    yesterday hour hours minute minutes daily weekly monthly close closes closed shift shifts
    """
)

GENERIC_ZH: frozenset[str] = _listed(
    """
    公司 企业 业务 生意 问题 挑战 担心 顾虑 时间 今年 明年 去年 月 年 天 团队 人 客户 成本 钱 预算
    计划 工作 忙 变化 新 老 大 小 好 坏 重要 紧急 主要 风险 影响 效果 结果 原因 帮助 解决 办法 方案
    系统 流程 数据 数字 将来 未来 长期 以后 之前 以前 开始 需要 希望 想要 部门 经理 同事 老板 员工
    地方 方面 领导 压力 事儿 现状 情况 发展 管理 提高 降低 增加 减少 做 用 搞 弄 处理 换 遇到 严重 关键
    受影响 好处 受益 连带 牵连 改善 区别 不一样 帮 项目 启动 打算 试点 见面 开会 下去
    每 每个 每次 每年 每月 每天 万 千 百 亿 元 万元 块 块钱 百分之
    周一 周二 周三 周四 周五 周六 周日 周末 星期 星期一 星期二 星期三 星期四 星期五 星期六 星期天 星期日
    节假日 假期 放假 早上 上午 中午 下午 晚上 夜里 今天 明天 昨天 小时 分钟 营业 上班 下班 班次 倒班
    早点 早些 提前 及时 看出 看出来 看到 注意到
    每块 每台 每辆 每车 每家 每单 每批 每箱 每条 每位 每人 每样 每份 每回 每趟
    琢磨 寻思 合计 嘀咕 犯嘀咕 对劲 不对劲 日子 手头 挪 挪出 完事 省事 好办 费事 费劲 折腾
    试试 试一试 感兴趣 兴趣 乐意 得空 有空 闹心 糟心 倒霉 撑住 撑得住 交代 踏实 心里 心事 心思
    靠谱 头疼 犯愁 发愁 着急 操心 指望 盯 盯着 瞅 瞅瞅 唠 唠唠 路子 法子 准信 准信儿 头一个 头一回
    遭殃 吃亏 受罪 跟着 吃掉 一步 哪一步 地步 走到 动不动 顾客 毛病
    睡不着 睡不着觉 觉 不管 往后 平常 平时 来自 水平 降回
    """
)

# Capitalised words that name no one in particular: the rep, titles, months and days, greetings.
# A question naming anyone else this customer never mentioned asks about a stranger to him.
NOT_NAMES_EN: frozenset[str] = _listed(
    """
    i i'm i'd i've i'll mr mrs ms dr sir madam ok okay hi hello thanks
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday
    """
)
