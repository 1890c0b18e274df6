"""What other businesses are made of: the people, places and things a line about another industry
names (trucks and drivers, patients and wards, guests and hotel rooms, pupils and exams).

A word here says nothing by itself: it only counts when the scenario never uses it (a hotel's own
"guests", a hospital's own "patients" are his business). A line that names such a thing and shares
little else with the customer is about another business ("what happens to your delivery times if
half the trucks fail the emissions check?" asked of a hotel group): ``coverage.another_business``.
Lists by industry, written from general knowledge rather than from any test line; English words are
stemmed like the lines (Snowball), Chinese words are matched inside the line's jieba words.
"""

from __future__ import annotations

from functools import cache

from bot.engine.topics.text import tokens

# English, by industry (plural and inflected forms come from stemming).
_EN = """
    truck lorry trucker fleet freight trailer van courier parcel waybill haulage forklift
    patient doctor physician nurse clinic hospital ward surgery surgeon outpatient inpatient
    prescription pharmacist pharmacy dentist
    guest hotel housekeeping concierge lobby resort minibar
    restaurant diner chef waiter kitchen takeaway franchisee
    cashier checkout storefront
    student pupil tutor teacher classroom school exam enrolment enrollment tuition semester
    bank teller loan mortgage depositor borrower
    insurer policyholder underwriting
    wafer fab semiconductor foundry
    farm farmer crop harvest livestock cattle dairy greenhouse orchard tomato
    passenger airline flight airport bus subway taxi
    tenant landlord apartment leasing
    contractor scaffolding crane
    miner ore quarry coal colliery cement kiln
    subscriber broadband handset
    gym salon spa cinema museum stadium kindergarten nursery ski
    carmaker automaker lathe mould mold toolroom
    dealer dealership showroom
    steelworks steelmaker furnace smelter refinery oilfield
    trawler fisherman squid hatchery poultry broiler hen
    loom weaver textile shipowner vessel
    resident carer caregiver eldercare hospice
    canteen cafeteria refectory
    seafood crab lobster
    chemical wastewater effluent
    cotton spinning flour shipyard
"""
# Chinese, by industry (matched inside the line's words: 货车司机 contains 货车 and 司机).
_ZH = """
    货车 卡车 车队 司机 运单 快递 车辆 油耗 年检 运费 货运
    病人 患者 医生 护士 医院 病床 诊所 门诊 住院 病房 病历 手术 处方 药店 药师
    客人 住客 酒店 客房 入住 退房 民宿
    餐厅 饭店 菜单 厨师 服务员 后厨 外卖 奶茶 加盟商
    门店 超市 收银 货架 店长 会员
    学生 学员 老师 家长 学校 考试 招生 培训班 补习
    银行 网点 柜台 贷款 储户 理财 营业厅
    保单 理赔 投保
    晶圆 芯片 良品率 流片
    农场 农户 种植 养殖 牲畜 庄稼 大棚 温室 果园 蔬菜 西红柿 番茄
    乘客 航班 机场 航空 公交 地铁 出租车 网约车
    租户 房东 物业 楼盘 业主
    工地 包工头 脚手架 塔吊
    矿山 煤矿 矿工 水泥厂 水泥窑 窑
    宽带 话费
    健身房 美容院 影院 游泳馆 泳池 体育馆 博物馆 幼儿园 托儿所 滑雪场 游乐园 景区
    主机厂 整车厂 车企 模具 机床 车床 冲床 夹具
    4S店 经销商 展厅 试驾
    高炉 钢厂 炼钢 轧钢 钢坯 炼油 油田 钻井
    渔船 渔民 鱿鱼 捕捞 禽流感 蛋鸡 肉鸡 鸡场 养鸡
    纺纱 织布 织机 纺织厂 服装厂
    船东 集装箱船 码头工人
    老年人 长者 养老院 敬老院 护理员 护工
    食堂 档口
    海鲜 螃蟹 酒楼
    化工厂 废水 污水 排污
    棉花 纱厂 面粉 船厂
"""


@cache
def _en_objects() -> frozenset[str]:
    return frozenset(stem for word in _EN.split() for stem in tokens(word, "en").words)


ZH_OBJECTS: frozenset[str] = frozenset(
    word.lower() for word in _ZH.split()
)  # as lines are normalised: 4S店 -> 4s店


def other_business(words: tuple[str, ...], lang: str) -> tuple[str, ...]:
    """The words of ``words`` (a line's words this scenario never uses, stemmed like the matcher's)
    that name a thing of some business: the line is about another business unless the rest of it
    is clearly his."""
    if lang == "en":
        objects = _en_objects()
        return tuple(w for w in words if w in objects)
    return tuple(
        w for w in words if w in ZH_OBJECTS or any(term in w for term in ZH_OBJECTS if len(term) < len(w))
    )
