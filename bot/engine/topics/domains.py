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
    ferry cruise sailor seafarer tugboat tanker harbour harbor
    amusement rollercoaster funfair zoo aquarium
    airliner runway hangar locomotive railway tram
    brokerage stockbroker actuary policyholder
    pharmaceutical drugmaker vaccine gmp
    newspaper broadcaster magazine publisher advertiser
    footballer athlete
    lawyer attorney litigation courtroom
    prison inmate soldier
    fertiliser fertilizer pesticide tractor paddy wheat vineyard winery brewery distillery bakery
    excavator bulldozer bricklayer
    veterinary pet dentistry optician
    boutique
    casino nightclub karaoke bartender
    smartphone telecom
    turbine nuclear
    church priest monk funeral daycare orphanage charity donor
    election voter politician warship satellite
    jeweller jeweler jewellery jewelry cosmetics perfume bookshop bookstore hairdresser barber
    plumber locksmith ambulance paramedic lifeguard
    golf golfer tennis yacht marina campsite fishery angler
    sawmill lumber glassworks pottery ceramics tannery tobacco cigarette sugarcane
    plantation cocoa rubber diamond
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
    渡轮 轮渡 邮轮 游船 船员 油轮 货轮 航运
    主题公园 游乐场 过山车 动物园 水族馆 门票
    客机 跑道 机库 地铁站
    券商 证券 基金公司 保险公司 投保人
    药厂 制药 疫苗 临床试验
    电视台 报社 杂志社 出版社 广告主 观众
    球员 运动员 球队 球迷
    律师 律所 法院 官司 诉讼
    监狱 犯人 部队 士兵
    拖拉机 化肥 农药 水稻 小麦 稻田 葡萄园 酒庄 酒厂 啤酒厂 面包房 烘焙店
    挖掘机 推土机 砌墙 瓦工
    宠物 兽医 牙科 眼镜店
    专卖店
    赌场 夜总会 网吧 酒吧
    手机店 电信 运营商
    电厂 发电厂 风电
    理发店 驾校 影城 电影院 票房
    核电 海上钻井 教堂 寺庙 和尚 殡仪馆 葬礼 托管班 孤儿院 慈善 捐款人
    选举 选民 军舰 卫星 火箭 珠宝 首饰 化妆品 香水 书店 美发 水电工 锁匠 救护车 救生员
    高尔夫 网球 游艇 露营 渔业 钓鱼 伐木 锯木厂 玻璃厂 陶瓷 陶器 皮革 制革 烟草 香烟 甘蔗 茶园
    咖啡豆 可可 橡胶 钻石
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
