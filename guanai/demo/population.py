"""The demo population's weighted tables: names, places, families, ages, risks and schools.

The weights follow the seeds and national proportions (see `guanai.demo.children` for the
figures); each table is a `Weighted` choice, drawn with one random() and one bisect.
"""

import bisect
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from guanai.areas.models import SchoolStage
from guanai.children.choices import (
    Assessment,
    Concern,
    ExitReason,
    GuardianshipType,
    Incapacity,
    Relationship,
    RiskLevel,
    Schooling,
)

T = TypeVar("T")


class Weighted(Generic[T]):
    """A weighted choice that costs one random() and one bisect."""

    def __init__(self, weighted: Sequence[tuple[T, float]]) -> None:
        self.values = [value for value, _weight in weighted]
        self.cumulative = list(itertools.accumulate(weight for _value, weight in weighted))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random) -> T:
        return self.values[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


# --- what the people are called --------------------------------------------------------------

# Common surnames, weighted roughly by frequency in Sichuan (苟, 何, 罗, 邓 and 唐 are frequent
# in Guangyuan and around it; 曾 and 覃 test the surname readings of names.py).
SURNAMES = Weighted(
    [
        (s, w)
        for group, w in [
            ("王李张刘", 60),
            ("陈杨", 40),
            ("赵黄周吴何罗", 20),
            ("徐孙胡朱高郭马苟邓唐", 11),
            ("林梁宋郑谢韩冯曾彭肖田董袁蒋杜", 6),
            ("于潘蔡余叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏付方白邹", 3),
            ("孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万严覃向汤母", 2),
        ]
        for s in group
    ]
)


def _words(text: str, weight: float = 1.0) -> list[tuple[str, float]]:
    return [(word, weight) for word in text.split()]


# Given names of children born since about 2008, one or two characters.
BOYS = Weighted(
    _words(
        "子轩 浩然 宇轩 浩宇 俊杰 一诺 子墨 宇航 博文 皓轩 子豪 明轩 梓豪 天佑 沐阳 奕辰 宇泽"
        " 承泽 子睿 嘉豪 文博 家乐 锦程 雨泽 梓睿 浩轩 逸飞 俊熙 思远 宇豪 晨阳 鹏飞 志豪 俊宇"
        " 明哲 子航 家豪 梓航 煜祺 智宸 正豪 昊然 宏宇 瑞霖 明杰 立诚 立轩 立辉 峻熙 弘文 熠彤"
        " 鸿煊 烨霖 哲瀚 鑫鹏 致远 俊驰 雨辰 翰文 子骞 天宇 博涛 建辉 家俊 志远 锦涛"
    )
    + _words("杰 浩 鑫 磊 涛 宇 博 睿 轩 鹏 晨 皓 俊 航 凯 豪 强 毅 军 林", 0.6)
)
GIRLS = Weighted(
    _words(
        "欣怡 梓涵 诗涵 子涵 雨涵 可馨 紫涵 思涵 梦瑶 佳怡 雨欣 欣妍 语桐 梓萱 若曦 诗琪 佳琪"
        " 雨桐 欣然 静怡 一诺 梦琪 忆柳 之桃 慕青 思琪 雅静 雨婷 晓萱 梓琪 嘉怡 雪怡 婉婷"
        " 佳欣 紫萱 诗雨 语嫣 晨曦 欣悦 雅琪 依诺 馨月 可欣 梦洁 思雨 心怡 美琳 子怡"
        " 玉洁 晓雪 雨萱 佳慧 紫琪 佳琳 欣雨 若汐 安琪 丹妮 芷若 语彤 婧琪 艺涵 悦琪"
    )
    + _words("婷 娟 丽 敏 雪 琳 颖 倩 洁 慧 悦 晴 萱 瑶 雅 婧 雯 芳 欣 璐", 0.6)
)
# Parents, born 1970–2005.
MEN = Weighted(
    _words(
        "建华 建军 志强 小龙 海军 永刚 国平 志勇 小军 建平 明军 德华 卫东 红军 国庆 永强 小兵"
        " 建国 俊峰 海涛 勇 强 军 伟 磊 涛 斌 波 明 超 刚 平 辉 鹏 华 飞 林 兵 杰 毅 东 亮"
    )
)
WOMEN = Weighted(
    _words(
        "秀英 丽 芳 娟 敏 静 燕 艳 霞 梅 玲 红 英 琴 小红 丽娟 春梅 晓燕 雪梅 海燕 小琴"
        " 小芳 丽萍 红梅 翠萍 小燕 玉梅 会琼 德琼 春燕 桂芳 琼 萍 蓉 莉 利 群 兰"
    )
)
# Grandparents, born 1940–1985.
OLD_MEN = Weighted(
    _words(
        "国华 建国 德明 志明 明华 永福 长生 德贵 光明 国强 文华 树林 宗林 正清 德全 正林"
        " 光荣 德才 开明 万福 成林 玉华 远洪 文才 家富 世明 先贵 学文 朝富 治国"
    )
)
OLD_WOMEN = Weighted(
    _words(
        "秀英 桂英 玉兰 秀兰 桂兰 淑珍 凤英 玉珍 素芳 翠花 桂芳 秀珍 春兰 素英 玉英 秀芳"
        " 光秀 德秀 素珍 明秀 文秀 淑芬 菊英 玉莲 桂珍 兰英 淑华 桂花 正英 仕英"
    )
)

# Minority nationalities where they are many; elsewhere almost everyone is 汉族.
ETHNICITIES_BY_CITY = {
    "5132": Weighted([("藏族", 45), ("羌族", 25), ("汉族", 30)]),  # 阿坝州
    "5133": Weighted([("藏族", 75), ("汉族", 25)]),  # 甘孜州
    "5134": Weighted([("彝族", 55), ("汉族", 43), ("藏族", 2)]),  # 凉山州
    "5226": Weighted([("苗族", 45), ("侗族", 30), ("汉族", 25)]),  # 黔东南州
    "5331": Weighted([("傣族", 30), ("景颇族", 10), ("汉族", 60)]),  # 德宏州
}
ETHNICITIES = Weighted([("汉族", 996), ("回族", 2), ("土家族", 1), ("苗族", 1)])

# Where Sichuan's migrant workers go, as (province, city); in the municipalities, a district.
WORK_PLACES = Weighted(
    [
        (("广东省", "深圳市"), 14),
        (("广东省", "东莞市"), 12),
        (("广东省", "广州市"), 9),
        (("广东省", "佛山市"), 6),
        (("广东省", "中山市"), 3),
        (("浙江省", "杭州市"), 6),
        (("浙江省", "宁波市"), 5),
        (("浙江省", "温州市"), 3),
        (("浙江省", "金华市"), 3),
        (("江苏省", "苏州市"), 6),
        (("江苏省", "无锡市"), 2),
        (("江苏省", "南京市"), 2),
        (("福建省", "厦门市"), 3),
        (("福建省", "泉州市"), 3),
        (("北京市", "朝阳区"), 2),
        (("北京市", "大兴区"), 2),
        (("上海市", "浦东新区"), 3),
        (("上海市", "松江区"), 2),
        (("天津市", "滨海新区"), 1),
        (("四川省", "成都市"), 12),
        (("四川省", "绵阳市"), 2),
        (("重庆市", "渝北区"), 3),
        (("重庆市", "九龙坡区"), 2),
        (("陕西省", "西安市"), 3),
        (("新疆维吾尔自治区", "乌鲁木齐市"), 2),
    ]
)
MOBILE_PREFIXES = [
    str(n)
    for n in (*range(130, 140), *range(150, 154), *range(155, 160), 177, *range(180, 190), 199)
]

# A parent at home who cannot guard, and what the form's health note says.
INCAPACITIES = (
    (Incapacity.SERIOUS_ILLNESS, ("尿毒症，定期透析", "脑梗后偏瘫", "肝硬化", "晚期肺癌")),
    (Incapacity.DISABILITY, ("肢体残疾二级", "精神残疾一级", "视力残疾一级", "智力残疾二级")),
)
CONCERNS = list(Concern.values)
DISABILITIES = ("视力残疾", "听力残疾", "言语残疾", "肢体残疾", "智力残疾", "精神残疾", "多重残疾")
DISABILITY_GRADES = ("一级", "二级", "三级", "四级")
ILLNESSES = ("白血病", "先天性心脏病", "肾病综合征", "癫痫", "地中海贫血", "血友病", "脑瘫")
OLD_AGE_NOTES = ("高血压", "腿脚不便", "糖尿病", "风湿病", "耳背")

# --- family make-up --------------------------------------------------------------------------

GUARDIANSHIP = Weighted(
    [
        (GuardianshipType.GRANDPARENT, 74),
        (GuardianshipType.RELATIVE, 25),
        (GuardianshipType.NONE, 1),
    ]
)
# Which grandparent looks after the child.
GRANDPARENT_GUARDIANS = Weighted(
    [
        (Relationship.GRANDMOTHER, 45),
        (Relationship.GRANDFATHER, 25),
        (Relationship.MATERNAL_GRANDMOTHER, 20),
        (Relationship.MATERNAL_GRANDFATHER, 10),
    ]
)
SPOUSE = {
    Relationship.GRANDMOTHER: Relationship.GRANDFATHER,
    Relationship.GRANDFATHER: Relationship.GRANDMOTHER,
    Relationship.MATERNAL_GRANDMOTHER: Relationship.MATERNAL_GRANDFATHER,
    Relationship.MATERNAL_GRANDFATHER: Relationship.MATERNAL_GRANDMOTHER,
}
MALE_RELATIONSHIPS = frozenset({Relationship.GRANDFATHER, Relationship.MATERNAL_GRANDFATHER})
MATERNAL = frozenset({Relationship.MATERNAL_GRANDFATHER, Relationship.MATERNAL_GRANDMOTHER})


@dataclass(frozen=True)
class _RelativeKind:
    relationship: str
    male: bool | None  # None: either
    side: str  # "father", "mother" or "" (a surname of their own)
    years_older_than_father: tuple[int, int]


# Who looks after a child entrusted to relatives (叔伯, 姑姑, 舅舅, 姨妈, ...).
RELATIVES = Weighted(
    [
        (_RelativeKind(Relationship.UNCLE_AUNT, True, "father", (-8, 10)), 35),
        (_RelativeKind(Relationship.UNCLE_AUNT, False, "father", (-8, 10)), 20),
        (_RelativeKind(Relationship.UNCLE_AUNT, True, "mother", (-8, 10)), 15),
        (_RelativeKind(Relationship.UNCLE_AUNT, False, "mother", (-8, 10)), 15),
        (_RelativeKind(Relationship.OTHER_RELATIVE, None, "", (-5, 25)), 8),
        (_RelativeKind(Relationship.NEIGHBOUR, None, "", (-5, 20)), 5),
    ]
)

# The parents: both away; one away and the other at home (works nearby, can guard); one away
# and the other at home but unable to guard; one away and the other not on record.
BOTH_AWAY, ONE_HOME, ONE_UNABLE, ONE_MISSING = "both", "home", "unable", "missing"
PARENT_PATTERNS = Weighted([(BOTH_AWAY, 80), (ONE_HOME, 15), (ONE_UNABLE, 3), (ONE_MISSING, 2)])

ASSESSMENTS = Weighted(
    [(Assessment.GOOD, 40), (Assessment.ORDINARY, 48), (Assessment.GUARDIAN_INSUFFICIENT, 12)]
)
# Risk levels: about 3 % high in all, most of them children nobody looks after.
RISK_UNGUARDED = Weighted([(RiskLevel.HIGH, 60), (RiskLevel.MEDIUM, 40)])
RISK_WEAKLY_GUARDED = Weighted([(RiskLevel.HIGH, 8), (RiskLevel.MEDIUM, 37), (RiskLevel.LOW, 55)])
RISK_UNWELL = Weighted([(RiskLevel.MEDIUM, 60), (RiskLevel.LOW, 40)])
RISK_OTHERS = Weighted([(RiskLevel.HIGH, 1.2), (RiskLevel.MEDIUM, 10.8), (RiskLevel.LOW, 88)])
# Share of children with concern tags (六失), by risk level.
TAGGED = {RiskLevel.HIGH: 1.0, RiskLevel.MEDIUM: 0.7, RiskLevel.LOW: 0.18}
EXIT_REASONS = Weighted(
    [
        (ExitReason.PARENT_RETURNED, 40),
        (ExitReason.WITH_PARENTS, 35),
        (ExitReason.MOVED, 20),
        (ExitReason.OTHER, 5),
    ]
)
EXIT_NOTES: dict[str, str] = {
    ExitReason.PARENT_RETURNED: "父母返乡就近务工",
    ExitReason.WITH_PARENTS: "随父母到务工地就读",
    ExitReason.MOVED: "转学至外县",
    ExitReason.AGED_OUT: "年满16周岁",
    ExitReason.OTHER: "户籍迁出",
}

# --- age and school ---------------------------------------------------------------------------

AGES = Weighted(
    [(age, 21.7 / 6) for age in range(0, 6)]
    + [(age, 67.4 / 8) for age in range(6, 14)]
    + [(age, 10.9 / 3) for age in range(14, 17)]
)
NUMERALS = "一二三四五六七八九"
KINDERGARTEN_GRADES = ("小班", "中班", "大班")

# The school stages that take a child in each schooling state.
STAGES_FOR = {
    Schooling.KINDERGARTEN: {SchoolStage.KINDERGARTEN},
    Schooling.PRIMARY: {SchoolStage.PRIMARY, SchoolStage.NINE_YEAR, SchoolStage.TEACHING_POINT},
    Schooling.JUNIOR: {SchoolStage.JUNIOR, SchoolStage.NINE_YEAR, SchoolStage.COMPLETE_SECONDARY},
    Schooling.SENIOR: {SchoolStage.SENIOR, SchoolStage.COMPLETE_SECONDARY},
    Schooling.VOCATIONAL: {SchoolStage.VOCATIONAL},
}
# Share of pupils boarding at school, by schooling state.
BOARDING: dict[str, float] = {
    Schooling.PRIMARY: 0.06,
    Schooling.JUNIOR: 0.45,
    Schooling.SENIOR: 0.85,
    Schooling.VOCATIONAL: 0.8,
}

# --- review -----------------------------------------------------------------------------------

# What a township supervisor writes when returning an entry (退回意见), from the checks the
# 2016 form and the seeds ask for.
RETURN_COMMENTS = (
    "请补充委托监护确认书的签订日期。",
    "监护人电话无法接通，请核实后更新。",
    "父亲务工地与去年登记不一致，请核实。",
    "出生日期与身份证号码不符，请核对。",
    "就学状况与学校名册不符，请与学校核实。",
    "监护情况评估为“较好”，但祖辈年老多病，请重新评估。",
)
# The share of entries waiting for review that were returned, and of the demo village's
# approved files that were returned too (so its director has some to act on).
RETURNED_SHARE = 0.25
RETURNED_IN_DEMO_VILLAGE = 0.03
# The share of entries waiting that are changes to a file approved before, rather than
# new registrations.
UPDATED_SHARE = 0.5


class Draws:
    """Small random draws from `self.rng`, at a fraction of random's own cost (the demo
    draws millions of times): for the demo's generators."""

    rng: random.Random

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def between(self, low: int, high: int) -> int:
        """randint's result."""
        return low + int(self.rng.random() * (high - low + 1))

    def one_of(self, items: Sequence[T]) -> T:
        return items[int(self.rng.random() * len(items))]
