"""The demo's children: a plausible roster of left-behind children over real villages.

Proportions follow the seeds and the issue: guardianship 74 % grandparents, 25 % relatives
or other entrusted carers, 1 % nobody (the seeds' township survey); ages 0–5 21.7 %,
6–13 67.4 %, 14–16 10.9 %; a quarter of families with two children; about one family in
seven with a parent at home (the seeds: "近1/5的留守学生家长选择了就近打工"), so that the
2016 definition and the broad one tell different stories.

Deterministic: every draw comes from one `random.Random(seed)`, areas and schools are read in
code order and ages count from today, so the same seed over the same areas gives the same
names, dates and numbers. The encrypted columns still differ from run to run: every
encryption draws a fresh nonce.

Built for size: a whole province (a million children, three million family members) loads in
batches of 5 000 children, each written with a few executemany INSERTs (see `_Table`) and
no query per row; memory stays flat.
"""

import bisect
import functools
import gc
import itertools
import operator
import random
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Generic, TypeVar

from django.db import connections, models, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from stdnum.cn import ric

from guanai.accounts.models import User
from guanai.accounts.scope import prefix_q
from guanai.areas.models import Area, AreaLevel, School, SchoolStage
from guanai.children.idnumber import FEMALE, MALE
from guanai.children.models import (
    Assessment,
    Assistance,
    Child,
    ChildChange,
    Concern,
    ExitReason,
    Grandparent,
    GuardianshipType,
    Health,
    Incapacity,
    IncomeSource,
    Person,
    Relationship,
    ReviewState,
    RiskLevel,
    Schooling,
    Status,
)
from guanai.children.services import child_derive, id_index
from guanai.demo.services import DemoPlaces

DEFAULT_SEED = 2016
# Children per batch, written with four INSERTs (about 3 family members each).
BATCH_SIZE = 5000
# ID numbers per lookup of the ones already taken.
_LOOKUP_CHUNK = 5000

T = TypeVar("T")


class _Weighted(Generic[T]):
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
_SURNAMES = _Weighted(
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
_BOYS = _Weighted(
    _words(
        "子轩 浩然 宇轩 浩宇 俊杰 一诺 子墨 宇航 博文 皓轩 子豪 明轩 梓豪 天佑 沐阳 奕辰 宇泽"
        " 承泽 子睿 嘉豪 文博 家乐 锦程 雨泽 梓睿 浩轩 逸飞 俊熙 思远 宇豪 晨阳 鹏飞 志豪 俊宇"
        " 明哲 子航 家豪 梓航 煜祺 智宸 正豪 昊然 宏宇 瑞霖 明杰 立诚 立轩 立辉 峻熙 弘文 熠彤"
        " 鸿煊 烨霖 哲瀚 鑫鹏 致远 俊驰 雨辰 翰文 子骞 天宇 博涛 建辉 家俊 志远 锦涛"
    )
    + _words("杰 浩 鑫 磊 涛 宇 博 睿 轩 鹏 晨 皓 俊 航 凯 豪 强 毅 军 林", 0.6)
)
_GIRLS = _Weighted(
    _words(
        "欣怡 梓涵 诗涵 子涵 雨涵 可馨 紫涵 思涵 梦瑶 佳怡 雨欣 欣妍 语桐 梓萱 若曦 诗琪 佳琪"
        " 雨桐 欣然 静怡 一诺 梦琪 忆柳 之桃 慕青 思琪 雅静 雨婷 晓萱 梓琪 嘉怡 雪怡 婉婷"
        " 佳欣 紫萱 诗雨 语嫣 晨曦 欣悦 雅琪 依诺 馨月 可欣 梦洁 思雨 心怡 美琳 子怡"
        " 玉洁 晓雪 雨萱 佳慧 紫琪 佳琳 欣雨 若汐 安琪 丹妮 芷若 语彤 婧琪 艺涵 悦琪"
    )
    + _words("婷 娟 丽 敏 雪 琳 颖 倩 洁 慧 悦 晴 萱 瑶 雅 婧 雯 芳 欣 璐", 0.6)
)
# Parents, born 1970–2005.
_MEN = _Weighted(
    _words(
        "建华 建军 志强 小龙 海军 永刚 国平 志勇 小军 建平 明军 德华 卫东 红军 国庆 永强 小兵"
        " 建国 俊峰 海涛 勇 强 军 伟 磊 涛 斌 波 明 超 刚 平 辉 鹏 华 飞 林 兵 杰 毅 东 亮"
    )
)
_WOMEN = _Weighted(
    _words(
        "秀英 丽 芳 娟 敏 静 燕 艳 霞 梅 玲 红 英 琴 小红 丽娟 春梅 晓燕 雪梅 海燕 小琴"
        " 小芳 丽萍 红梅 翠萍 小燕 玉梅 会琼 德琼 春燕 桂芳 琼 萍 蓉 莉 利 群 兰"
    )
)
# Grandparents, born 1940–1985.
_OLD_MEN = _Weighted(
    _words(
        "国华 建国 德明 志明 明华 永福 长生 德贵 光明 国强 文华 树林 宗林 正清 德全 正林"
        " 光荣 德才 开明 万福 成林 玉华 远洪 文才 家富 世明 先贵 学文 朝富 治国"
    )
)
_OLD_WOMEN = _Weighted(
    _words(
        "秀英 桂英 玉兰 秀兰 桂兰 淑珍 凤英 玉珍 素芳 翠花 桂芳 秀珍 春兰 素英 玉英 秀芳"
        " 光秀 德秀 素珍 明秀 文秀 淑芬 菊英 玉莲 桂珍 兰英 淑华 桂花 正英 仕英"
    )
)

# Minority nationalities where they are many; elsewhere almost everyone is 汉族.
_ETHNICITIES_BY_CITY = {
    "5132": _Weighted([("藏族", 45), ("羌族", 25), ("汉族", 30)]),  # 阿坝州
    "5133": _Weighted([("藏族", 75), ("汉族", 25)]),  # 甘孜州
    "5134": _Weighted([("彝族", 55), ("汉族", 43), ("藏族", 2)]),  # 凉山州
    "5226": _Weighted([("苗族", 45), ("侗族", 30), ("汉族", 25)]),  # 黔东南州
    "5331": _Weighted([("傣族", 30), ("景颇族", 10), ("汉族", 60)]),  # 德宏州
}
_ETHNICITIES = _Weighted([("汉族", 996), ("回族", 2), ("土家族", 1), ("苗族", 1)])

# Where Sichuan's migrant workers go, as (province, city); in the municipalities, a district.
_WORK_PLACES = _Weighted(
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
_MOBILE_PREFIXES = [
    str(n)
    for n in (*range(130, 140), *range(150, 154), *range(155, 160), 177, *range(180, 190), 199)
]

# A parent at home who cannot guard, and what the form's health note says.
_INCAPACITIES = (
    (Incapacity.SERIOUS_ILLNESS, ("尿毒症，定期透析", "脑梗后偏瘫", "肝硬化", "晚期肺癌")),
    (Incapacity.DISABILITY, ("肢体残疾二级", "精神残疾一级", "视力残疾一级", "智力残疾二级")),
)
_CONCERNS = list(Concern.values)
_DISABILITIES = ("视力残疾", "听力残疾", "言语残疾", "肢体残疾", "智力残疾", "精神残疾", "多重残疾")
_DISABILITY_GRADES = ("一级", "二级", "三级", "四级")
_ILLNESSES = ("白血病", "先天性心脏病", "肾病综合征", "癫痫", "地中海贫血", "血友病", "脑瘫")
_OLD_AGE_NOTES = ("高血压", "腿脚不便", "糖尿病", "风湿病", "耳背")

# --- family make-up --------------------------------------------------------------------------

_GUARDIANSHIP = _Weighted(
    [
        (GuardianshipType.GRANDPARENT, 74),
        (GuardianshipType.RELATIVE, 25),
        (GuardianshipType.NONE, 1),
    ]
)
# Which grandparent looks after the child.
_GRANDPARENT_GUARDIANS = _Weighted(
    [
        (Relationship.GRANDMOTHER, 45),
        (Relationship.GRANDFATHER, 25),
        (Relationship.MATERNAL_GRANDMOTHER, 20),
        (Relationship.MATERNAL_GRANDFATHER, 10),
    ]
)
_SPOUSE = {
    Relationship.GRANDMOTHER: Relationship.GRANDFATHER,
    Relationship.GRANDFATHER: Relationship.GRANDMOTHER,
    Relationship.MATERNAL_GRANDMOTHER: Relationship.MATERNAL_GRANDFATHER,
    Relationship.MATERNAL_GRANDFATHER: Relationship.MATERNAL_GRANDMOTHER,
}
_MALE_RELATIONSHIPS = frozenset({Relationship.GRANDFATHER, Relationship.MATERNAL_GRANDFATHER})
_MATERNAL = frozenset({Relationship.MATERNAL_GRANDFATHER, Relationship.MATERNAL_GRANDMOTHER})


@dataclass(frozen=True)
class _RelativeKind:
    relationship: str
    male: bool | None  # None: either
    side: str  # "father", "mother" or "" (a surname of their own)
    years_older_than_father: tuple[int, int]


# Who looks after a child entrusted to relatives (叔伯, 姑姑, 舅舅, 姨妈, ...).
_RELATIVES = _Weighted(
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
_BOTH_AWAY, _ONE_HOME, _ONE_UNABLE, _ONE_MISSING = "both", "home", "unable", "missing"
_PARENT_PATTERNS = _Weighted(
    [(_BOTH_AWAY, 80), (_ONE_HOME, 15), (_ONE_UNABLE, 3), (_ONE_MISSING, 2)]
)

_ASSESSMENTS = _Weighted(
    [(Assessment.GOOD, 40), (Assessment.ORDINARY, 48), (Assessment.GUARDIAN_INSUFFICIENT, 12)]
)
# Risk levels: about 3 % high in all, most of them children nobody looks after.
_RISK_UNGUARDED = _Weighted([(RiskLevel.HIGH, 60), (RiskLevel.MEDIUM, 40)])
_RISK_WEAKLY_GUARDED = _Weighted([(RiskLevel.HIGH, 8), (RiskLevel.MEDIUM, 37), (RiskLevel.LOW, 55)])
_RISK_UNWELL = _Weighted([(RiskLevel.MEDIUM, 60), (RiskLevel.LOW, 40)])
_RISK_OTHERS = _Weighted([(RiskLevel.HIGH, 1.2), (RiskLevel.MEDIUM, 10.8), (RiskLevel.LOW, 88)])
# Share of children with concern tags (六失), by risk level.
_TAGGED = {RiskLevel.HIGH: 1.0, RiskLevel.MEDIUM: 0.7, RiskLevel.LOW: 0.18}
_EXIT_REASONS = _Weighted(
    [
        (ExitReason.PARENT_RETURNED, 40),
        (ExitReason.WITH_PARENTS, 35),
        (ExitReason.MOVED, 20),
        (ExitReason.OTHER, 5),
    ]
)
_EXIT_NOTES: dict[str, str] = {
    ExitReason.PARENT_RETURNED: "父母返乡就近务工",
    ExitReason.WITH_PARENTS: "随父母到务工地就读",
    ExitReason.MOVED: "转学至外县",
    ExitReason.AGED_OUT: "年满16周岁",
    ExitReason.OTHER: "户籍迁出",
}

# --- age and school ---------------------------------------------------------------------------

_AGES = _Weighted(
    [(age, 21.7 / 6) for age in range(0, 6)]
    + [(age, 67.4 / 8) for age in range(6, 14)]
    + [(age, 10.9 / 3) for age in range(14, 17)]
)
_NUMERALS = "一二三四五六七八九"
_KINDERGARTEN_GRADES = ("小班", "中班", "大班")

# The school stages that take a child in each schooling state.
_STAGES_FOR = {
    Schooling.KINDERGARTEN: {SchoolStage.KINDERGARTEN},
    Schooling.PRIMARY: {SchoolStage.PRIMARY, SchoolStage.NINE_YEAR, SchoolStage.TEACHING_POINT},
    Schooling.JUNIOR: {SchoolStage.JUNIOR, SchoolStage.NINE_YEAR, SchoolStage.COMPLETE_SECONDARY},
    Schooling.SENIOR: {SchoolStage.SENIOR, SchoolStage.COMPLETE_SECONDARY},
    Schooling.VOCATIONAL: {SchoolStage.VOCATIONAL},
}
# Share of pupils boarding at school, by schooling state.
_BOARDING: dict[str, float] = {
    Schooling.PRIMARY: 0.06,
    Schooling.JUNIOR: 0.45,
    Schooling.SENIOR: 0.85,
    Schooling.VOCATIONAL: 0.8,
}


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


# --- places and schools -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Village:
    code: str
    township: str
    county: str  # the 12-digit code of the county
    area_code: str  # its first six digits: where residents' ID numbers are issued
    city_name: str
    address: str  # province to village, as an address begins
    rural: bool
    ethnicities: _Weighted[str]


def _villages(root: Area) -> list[_Village]:
    """Every village under root, in code order, with the names its addresses begin with."""
    names = dict(
        Area.objects.filter(
            code__in=[root.code[:n].ljust(12, "0") for n in (2, 4) if n < len(root.prefix)]
        ).values_list("code", "name")
    )
    rows = (
        Area.objects.filter(code__startswith=root.prefix)
        .order_by("code")
        .values_list("code", "name", "level", "parent_id")
    )
    villages = []
    for code, name, level, parent in rows:
        if level != AreaLevel.VILLAGE:
            names[code] = name
            continue
        short = Area(code=code, name=name, level=level).short_name
        place = [names.get(code[:n].ljust(12, "0"), "") for n in (2, 4, 6)]
        city = names.get(code[:4].ljust(12, "0"), "")
        villages.append(
            _Village(
                code=code,
                township=parent,
                county=code[:6].ljust(12, "0"),
                area_code=code[:6],
                city_name=city,
                address="".join([*place, names.get(parent, ""), short]),
                rural="社区" not in name,
                ethnicities=_ETHNICITIES_BY_CITY.get(code[:4], _ETHNICITIES),
            )
        )
    return villages


def _quotas(villages: Sequence[_Village], count: int, rng: random.Random) -> list[int]:
    """How many children each village gets: `count` in all, fewer in urban communities."""
    weights = [(1.0 if v.rural else 0.35) * (0.5 + rng.random()) for v in villages]
    total = sum(weights)
    shares = [count * w / total for w in weights]
    quotas = [int(s) for s in shares]
    # Largest remainders first; ties by position, so the result is deterministic.
    by_remainder = sorted(range(len(shares)), key=lambda i: (quotas[i] - shares[i], i))
    for i in by_remainder[: count - sum(quotas)]:
        quotas[i] += 1
    return quotas


class _Schools:
    """The school a child of a township at some schooling stage goes to.

    The township's own schools first; the county's otherwise (senior high and vocational
    schools stand in the county seat).
    """

    def __init__(self, root: Area) -> None:
        self._in_township: dict[tuple[str, str], list[int]] = {}
        self._in_county: dict[tuple[str, str], list[int]] = {}
        rows = (
            School.objects.filter(area__code__startswith=root.prefix)
            .order_by("code")
            .values_list("pk", "area_id", "stage")
        )
        for pk, township, stage in rows:
            for schooling, stages in _STAGES_FOR.items():
                if stage in stages:
                    self._in_township.setdefault((township, schooling), []).append(pk)
                    county = township[:6].ljust(12, "0")
                    self._in_county.setdefault((county, schooling), []).append(pk)

    def pick(self, rng: random.Random, village: _Village, schooling: str) -> int | None:
        choices = self._in_township.get((village.township, schooling)) or self._in_county.get(
            (village.county, schooling)
        )
        return choices[int(rng.random() * len(choices))] if choices else None


# --- ID numbers -------------------------------------------------------------------------------


class _IdNumbers:
    """Resident ID numbers that pass the GB 11643 check and never repeat within a run.

    The sequence code (digits 15–17, odd for men) is counted per area code, birth date and
    gender. Villages come in code order, so each county's people are made together and the
    counters start afresh with each county: memory stays flat however many are made.
    """

    def __init__(self) -> None:
        self._area_code = ""
        self._used: dict[tuple[int, bool], int] = {}

    def make(self, area_code: str, birth: date, male: bool) -> str:
        if area_code != self._area_code:
            self._area_code, self._used = area_code, {}
        key = (birth.toordinal(), male)
        n = self._used.get(key, 0)
        if n >= 500:  # every sequence code of that day is taken: leave the number unknown
            return ""
        self._used[key] = n + 1
        # Spread the codes over 000–999 rather than counting up from 001 everywhere.
        slot = (n + key[0] * 7 + int(area_code)) % 500
        body = f"{area_code}{birth.year:04d}{birth.month:02d}{birth.day:02d}{2 * slot + male:03d}"
        return body + ric.calc_check_digit(body + "0")


# --- the generator ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Staff:
    """The demo users the records point at, by key."""

    director: int | None = None
    director_village: str = ""
    teacher: int | None = None
    teacher_school: int | None = None
    supervisor: int | None = None
    supervisor_township: str = ""


def _staff(places: DemoPlaces | None, users: Sequence[User]) -> _Staff:
    if places is None:
        return _Staff()
    by_name = {user.username: user.pk for user in users}
    return _Staff(
        director=by_name.get("village_director"),
        director_village=places.village.code,
        teacher=by_name.get("teacher"),
        teacher_school=places.school.pk,
        supervisor=by_name.get("township_supervisor"),
        supervisor_township=places.township.code,
    )


M = TypeVar("M", bound=models.Model)


class _Factory(Generic[M]):
    """Model instances from values by attribute name, made through the positional constructor
    (the path Model.from_db takes): a third of the cost of keyword arguments, and a province
    needs millions of them. Fields with a callable default (now, a fresh list) must be given.
    """

    def __init__(self, model: type[M]) -> None:
        self.model = model
        fields = model._meta.concrete_fields
        self.attnames = [f.attname for f in fields]
        self.known = frozenset(self.attnames)
        self.defaults = {
            f.attname: f.get_default()
            for f in fields
            if not (f.has_default() and callable(f.default))
        }

    def make(self, **values: Any) -> M:
        unknown = values.keys() - self.known
        if unknown:
            raise TypeError(f"{self.model.__name__} has no field {', '.join(unknown)}")
        given = self.defaults | values
        return self.model(*[given[attname] for attname in self.attnames])


_PERSONS, _CHILDREN = _Factory(Person), _Factory(Child)
_LINKS, _CHANGES = _Factory(Grandparent), _Factory(ChildChange)


@dataclass
class _Batch:
    persons: list[Person] = field(default_factory=list)
    children: list[Child] = field(default_factory=list)
    # (child, grandparent, relationship): Grandparent rows once both have keys.
    links: list[tuple[Child, Person, str]] = field(default_factory=list)


class _Generator:
    def __init__(self, *, rng: random.Random, today: date, schools: _Schools, staff: _Staff):
        self.rng = rng
        self.today = today
        self.schools = schools
        self.staff = staff
        self.ids = _IdNumbers()
        self.tz = timezone.get_current_timezone()

    # - small draws -

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def between(self, low: int, high: int) -> int:
        """randint's result, at a fraction of its cost (this runs millions of times)."""
        return low + int(self.rng.random() * (high - low + 1))

    def one_of(self, items: Sequence[T]) -> T:
        return items[int(self.rng.random() * len(items))]

    def phone(self) -> str:
        return f"{self.one_of(_MOBILE_PREFIXES)}{self.between(0, 10**8 - 1):08d}"

    def born_before(self, day: date, years: tuple[int, int]) -> date:
        low, high = years
        return day - timedelta(days=self.between(low * 365, high * 365))

    def moment(self, day: date) -> datetime:
        minutes = self.between(8 * 60, 18 * 60 - 1)
        return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=self.tz)

    def birth_dates(self, size: int) -> list[date]:
        """Birth dates of `size` siblings, oldest first, at least 300 days apart."""
        births: list[date] = []
        while len(births) < size:
            age = _AGES.pick(self.rng)
            latest = _years_before(self.today, age)
            earliest = _years_before(self.today, age + 1) + timedelta(days=1)
            born = earliest + timedelta(days=self.between(0, (latest - earliest).days))
            if all(abs((born - other).days) >= 300 for other in births):
                births.append(born)
        return sorted(births)

    def work_place(self, village: _Village) -> tuple[str, str]:
        for _attempt in range(3):
            province, city = _WORK_PLACES.pick(self.rng)
            if city != village.city_name:  # working in one's own city is not going away
                break
        return province, city

    # - people -

    def person(
        self,
        village: _Village,
        *,
        name: str,
        male: bool,
        born: date,
        with_id: float,
        with_phone: float,
        address: str = "",
    ) -> Person:
        number = self.ids.make(village.area_code, born, male) if self.chance(with_id) else ""
        return _PERSONS.make(
            name=name,
            gender=MALE if male else FEMALE,
            birth_date=born,
            id_number=number,
            id_number_index=id_index(number),
            phone=self.phone() if self.chance(with_phone) else "",
            address=address,
        )

    def grandparent(
        self, village: _Village, relationship: str, surnames: dict[str, str], parent_born: date
    ) -> Person:
        male = relationship in _MALE_RELATIONSHIPS
        side = "mother" if relationship in _MATERNAL else "father"
        surname = surnames[side] if male else _SURNAMES.pick(self.rng)
        given = (_OLD_MEN if male else _OLD_WOMEN).pick(self.rng)
        person = self.person(
            village,
            name=surname + given,
            male=male,
            born=self.born_before(parent_born, (20, 32)),
            with_id=0.7,
            with_phone=0.4,
        )
        if self.chance(0.2):
            person.health_note = self.one_of(_OLD_AGE_NOTES)
        return person

    # - one family -

    def parents(
        self, village: _Village, eldest: date, surnames: dict[str, str], guardianship: str
    ) -> tuple[Person | None, Person | None, str]:
        """Father, mother (None when not on record) and which parent pattern they follow."""
        rng = self.rng
        father = self.person(
            village,
            name=surnames["father"] + _MEN.pick(rng),
            male=True,
            born=self.born_before(eldest, (22, 38)),
            with_id=0.9,
            with_phone=0.95,
        )
        mother = self.person(
            village,
            name=surnames["mother"] + _WOMEN.pick(rng),
            male=False,
            born=self.born_before(eldest, (20, 34)),
            with_id=0.9,
            with_phone=0.95,
        )
        # Nobody looks after the child only when no parent is at home.
        none = guardianship == GuardianshipType.NONE
        pattern = _BOTH_AWAY if none else _PARENT_PATTERNS.pick(rng)
        away, other = (father, mother) if self.chance(0.6) else (mother, father)
        away.away_for_work = True
        away.work_province, away.work_city = self.work_place(village)
        if pattern == _BOTH_AWAY:
            other.away_for_work = True
            if self.chance(0.7):  # couples mostly work in the same city
                other.work_province, other.work_city = away.work_province, away.work_city
            else:
                other.work_province, other.work_city = self.work_place(village)
        elif pattern == _ONE_UNABLE:
            incapacity, notes = self.one_of(_INCAPACITIES)
            other.able_to_guard = False
            other.incapacity = incapacity
            other.health_note = self.one_of(notes)
        elif pattern == _ONE_MISSING:
            return (None, mother, pattern) if other is father else (father, None, pattern)
        return father, mother, pattern

    def carers(
        self,
        village: _Village,
        guardianship: str,
        surnames: dict[str, str],
        parents_born: dict[str, date],
    ) -> tuple[Person | None, str, list[tuple[str, Person]]]:
        """The guardian, their relationship to the child, and the grandparents on record."""
        rng = self.rng
        grandparents: list[tuple[str, Person]] = []
        if guardianship == GuardianshipType.GRANDPARENT:
            relationship = _GRANDPARENT_GUARDIANS.pick(rng)
            side = "mother" if relationship in _MATERNAL else "father"
            guardian = self.grandparent(village, relationship, surnames, parents_born[side])
            guardian.phone = guardian.phone or (self.phone() if self.chance(0.8) else "")
            grandparents.append((relationship, guardian))
            if self.chance(0.65):
                spouse = _SPOUSE[relationship]
                grandparents.append(
                    (spouse, self.grandparent(village, spouse, surnames, parents_born[side]))
                )
            return guardian, relationship, grandparents
        if guardianship == GuardianshipType.RELATIVE:
            kind = _RELATIVES.pick(rng)
            male = kind.male if kind.male is not None else self.chance(0.5)
            surname = surnames[kind.side] if kind.side else _SURNAMES.pick(rng)
            guardian = self.person(
                village,
                name=surname + (_MEN if male else _WOMEN).pick(rng),
                male=male,
                born=self.born_before(parents_born["father"], kind.years_older_than_father),
                with_id=0.85,
                with_phone=0.9,
            )
            if self.chance(0.3):  # grandparents alive, but too old or frail to look after them
                relationship = _GRANDPARENT_GUARDIANS.pick(rng)
                side = "mother" if relationship in _MATERNAL else "father"
                grandparent = self.grandparent(village, relationship, surnames, parents_born[side])
                grandparents.append((relationship, grandparent))
            return guardian, kind.relationship, grandparents
        return None, "", grandparents

    def family(self, village: _Village, size: int, batch: _Batch) -> None:
        """One family of `size` children: parents, guardian, grandparents, the children."""
        rng = self.rng
        births = self.birth_dates(size)
        guardianship = _GUARDIANSHIP.pick(rng)
        surnames = {"father": _SURNAMES.pick(rng), "mother": _SURNAMES.pick(rng)}
        child_surname = surnames["father"] if self.chance(0.95) else surnames["mother"]
        if village.rural:
            home = f"{self.between(1, 12)}组{self.between(1, 80)}号"
        else:
            home = f"{self.between(1, 60)}号"
        address = village.address + home

        father, mother, pattern = self.parents(village, births[0], surnames, guardianship)
        parents_born = {
            "father": father.birth_date if father and father.birth_date else births[0],
            "mother": mother.birth_date if mother and mother.birth_date else births[0],
        }
        guardian, relationship, grandparents = self.carers(
            village, guardianship, surnames, parents_born
        )
        if guardian is not None and self.chance(0.8):
            guardian.address = address
        batch.persons.extend(p for p in (father, mother) if p is not None)
        batch.persons.extend(person for _relationship, person in grandparents)
        if guardian is not None and guardianship == GuardianshipType.RELATIVE:
            batch.persons.append(guardian)

        if guardianship == GuardianshipType.NONE:
            assessment = Assessment.NO_GUARDIAN
        elif pattern == _ONE_UNABLE and self.chance(0.7):
            assessment = Assessment.PARENT_INCAPABLE
        else:
            assessment = _ASSESSMENTS.pick(rng)
        family_assistance: list[str] = [Assistance.DIBAO] if self.chance(0.08) else []
        if self.chance(0.03):
            family_assistance.append(Assistance.TEMPORARY)
        if guardianship == GuardianshipType.NONE and self.chance(0.4):
            family_assistance.append(Assistance.UNSUPPORTED_CHILD)
        income: list[str] = [IncomeSource.MIGRANT_WORK]
        if self.chance(0.55):
            income.append(IncomeSource.FARMING)
        if self.chance(0.06):
            income.append(IncomeSource.BUSINESS)
        if family_assistance:
            income.append(IncomeSource.ASSISTANCE)
        hukou_rural = self.chance(0.97 if village.rural else 0.8)
        ethnicity = village.ethnicities.pick(rng)
        entrusted_on = None
        if guardian is not None and self.chance(
            0.9 if guardianship == GuardianshipType.RELATIVE else 0.6
        ):
            entrusted_on = min(self.today, births[-1] + timedelta(days=self.between(30, 2000)))

        for born in births:
            child = self.child(
                village,
                born=born,
                surname=child_surname,
                ethnicity=ethnicity,
                hukou_rural=hukou_rural,
                address=address if self.chance(0.9) else "",
                assessment=assessment,
                family_assistance=family_assistance,
            )
            child.father, child.mother, child.guardian = father, mother, guardian
            child.guardianship_type = guardianship
            child.guardian_relationship = relationship
            child.entrustment_confirmed_on = entrusted_on
            child.income_sources = income
            # The left-behind facts, pinyin and ID index, as every registration sets them.
            child_derive(child)
            batch.children.append(child)
            batch.links.extend((child, person, relation) for relation, person in grandparents)

    def child(
        self,
        village: _Village,
        *,
        born: date,
        surname: str,
        ethnicity: str,
        hukou_rural: bool,
        address: str,
        assessment: str,
        family_assistance: list[str],
    ) -> Child:
        rng = self.rng
        staff = self.staff
        male = self.chance(0.515)
        age = _age_on(born, self.today)

        health, category, grade_of_disability, illness = Health.HEALTHY, "", "", ""
        roll = rng.random()
        if roll < 0.015:
            health = Health.DISABLED
            category = self.one_of(_DISABILITIES)
            grade_of_disability = self.one_of(_DISABILITY_GRADES)
        elif roll < 0.025:
            health = Health.SERIOUSLY_ILL
            illness = self.one_of(_ILLNESSES)

        schooling, grade = self.schooling(age)
        school_id = self.schools.pick(rng, village, schooling) if schooling in _STAGES_FOR else None
        class_name = f"{self.between(1, 3)}班" if school_id else ""
        boarding = self.chance(_BOARDING.get(schooling, 0.0)) if school_id else False

        if assessment == Assessment.NO_GUARDIAN:
            risk = _RISK_UNGUARDED.pick(rng)
        elif assessment in (Assessment.GUARDIAN_INSUFFICIENT, Assessment.PARENT_INCAPABLE):
            risk = _RISK_WEAKLY_GUARDED.pick(rng)
        elif health != Health.HEALTHY:
            risk = _RISK_UNWELL.pick(rng)
        else:
            risk = _RISK_OTHERS.pick(rng)
        concerns = rng.sample(_CONCERNS, self.between(1, 3)) if self.chance(_TAGGED[risk]) else []

        assistance = list(family_assistance)
        if health == Health.DISABLED and self.chance(0.85):
            assistance.append(Assistance.DISABILITY)
        if (health == Health.SERIOUSLY_ILL and self.chance(0.6)) or self.chance(0.01):
            assistance.append(Assistance.MEDICAL)
        if school_id and (Assistance.DIBAO in family_assistance or self.chance(0.1)):
            assistance.append(Assistance.EDUCATION)

        created_on = min(
            self.today,
            max(born + timedelta(days=7), self.today - timedelta(self.between(30, 1000))),
        )
        created_at = self.moment(created_on)
        in_village = village.code == staff.director_village
        approved = self.chance(0.97)
        reviewed_at = (
            self.moment(min(self.today, created_on + timedelta(days=self.between(1, 14))))
            if approved
            else None
        )
        exit_reason: str = ""
        exited_on = None
        if self.chance(0.02):
            exit_reason = (
                ExitReason.AGED_OUT if age >= 16 and self.chance(0.5) else _EXIT_REASONS.pick(rng)
            )
            exited_on = min(self.today, created_on + timedelta(days=self.between(1, 365)))
        return _CHILDREN.make(
            name=surname + (_BOYS if male else _GIRLS).pick(rng),
            gender=MALE if male else FEMALE,
            ethnicity=ethnicity,
            birth_date=born,
            id_number=self.ids.make(village.area_code, born, male) if self.chance(0.97) else "",
            hukou_area_id=village.code,
            hukou_rural=hukou_rural,
            village_id=village.code,
            address=address,
            health=health,
            disability_category=category,
            disability_grade=grade_of_disability,
            illness=illness,
            schooling=schooling,
            school_id=school_id,
            grade=grade,
            class_name=class_name,
            boarding=boarding,
            assessment=assessment,
            assistance=assistance,
            risk_level=risk,
            concerns=concerns,
            status=Status.EXITED if exit_reason else Status.ACTIVE,
            exit_reason=exit_reason,
            exit_note=_EXIT_NOTES[exit_reason] if exit_reason else "",
            exited_on=exited_on,
            review_state=ReviewState.APPROVED if approved else ReviewState.PENDING,
            reviewed_at=reviewed_at,
            reviewed_by_id=(
                staff.supervisor
                if approved and village.township == staff.supervisor_township
                else None
            ),
            created_at=created_at,
            created_by_id=staff.director if in_village else None,
            director_id=staff.director if in_village else None,
            responsible_teacher_id=(
                staff.teacher
                if school_id is not None
                and school_id == staff.teacher_school
                and class_name == "1班"
                else None
            ),
        )

    def schooling(self, age: int) -> tuple[str, str]:
        """Schooling state and grade at this age; a few drop out of junior and senior school."""
        rng = self.rng
        if age <= 2:
            return Schooling.NOT_IN_KINDERGARTEN, ""
        if age <= 5:
            if self.chance(0.88):
                return Schooling.KINDERGARTEN, _KINDERGARTEN_GRADES[age - 3]
            return Schooling.NOT_IN_KINDERGARTEN, ""
        if age <= 11:
            return Schooling.PRIMARY, f"{_NUMERALS[age - 6]}年级"
        if age <= 14:
            if self.chance(0.015):
                return Schooling.DROPPED_OUT, ""
            return Schooling.JUNIOR, f"{_NUMERALS[age - 6]}年级"
        roll = rng.random()
        year = age - 15
        if roll < 0.62:
            return Schooling.SENIOR, ("高一", "高二")[year]
        if roll < 0.92:
            return Schooling.VOCATIONAL, f"{_NUMERALS[year]}年级"
        if roll < 0.98:
            return Schooling.DROPPED_OUT, ""
        return Schooling.NOT_IN_SCHOOL, ""


# --- writing ----------------------------------------------------------------------------------


def _drop_taken_ids(records: Sequence[Child] | Sequence[Person]) -> None:
    """Leave out the ID numbers other records already hold, rather than clash with them.

    Only a number typed in by hand, or a family member kept after the demo's children were
    deleted, can be taken: the counters never repeat a number within a run.
    """
    by_index: dict[str, Child | Person] = {
        r.id_number_index: r for r in records if r.id_number_index
    }
    if not by_index:
        return
    model = type(records[0])
    keys = list(by_index)
    for start in range(0, len(keys), _LOOKUP_CHUNK):
        taken = (
            model.objects.filter(id_number_index__in=keys[start : start + _LOOKUP_CHUNK])
            # The same condition as the partial unique index, so the database uses it.
            .exclude(id_number_index="")
            .order_by()
            .values_list("id_number_index", flat=True)
        )
        for index in taken:
            record = by_index[index]
            record.id_number = record.id_number_index = ""


def _values_of(attnames: Sequence[str]) -> Callable[[Any], tuple[Any, ...]]:
    """A function reading these attributes of an object as a tuple, in one call."""
    if not attnames:
        return lambda obj: ()
    if len(attnames) == 1:
        one = operator.attrgetter(attnames[0])
        return lambda obj: (one(obj),)
    return operator.attrgetter(*attnames)


class _Table:
    """Plain INSERTs for one model, sent with executemany, keys drawn from the table's sequence.

    bulk_create spent 60 % of a province load in its SQL compiler, asking every field of
    every row for its database value (a million children came to eight minutes). Here the
    fields whose Python value is the database value are read in one go, dates go straight to
    the backend's adapter, and only the others (encrypted text, sets of choices, JSON) are
    asked, as bulk_create asks them. SQLite and PostgreSQL only.
    """

    # Exactly these types: subclasses such as EncryptedTextField and ChoiceSetField change
    # the value on its way to the database.
    _AS_IS = frozenset(
        {
            models.BigAutoField,
            models.BooleanField,
            models.CharField,
            models.ForeignKey,
            models.IntegerField,
            models.PositiveSmallIntegerField,
            models.TextField,
        }
    )

    def __init__(self, model: type[models.Model]) -> None:
        self.connection = connections[router.db_for_write(model)]
        if self.connection.vendor not in ("sqlite", "postgresql"):
            raise NotImplementedError(f"demo children: no loader for {self.connection.vendor}")
        meta = model._meta
        quote = self.connection.ops.quote_name
        plain = [f for f in meta.concrete_fields if type(f) in self._AS_IS]
        prepared = [f for f in meta.concrete_fields if type(f) not in self._AS_IS]
        self.plain_values = _values_of([f.attname for f in plain])
        self.prepared_values = _values_of([f.attname for f in prepared])
        self.converters = [self._converter(f) for f in prepared]
        self.foreign_keys = [f for f in plain if isinstance(f, models.ForeignKey)]
        self.auto_now = [
            f.attname
            for f in prepared
            if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add)
        ]
        self.table, self.pk_column = meta.db_table, meta.pk.column
        # Table and column names come from the model, never from input.
        columns = ", ".join(quote(f.column) for f in plain + prepared)
        values = ", ".join(["%s"] * (len(plain) + len(prepared)))
        self.sql = f"INSERT INTO {quote(self.table)} ({columns}) VALUES ({values})"  # noqa: S608

    def _keys(self, count: int) -> Sequence[int]:
        quote = self.connection.ops.quote_name
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [quote(self.table), self.pk_column, count],
                )
                return [key for (key,) in cursor.fetchall()]
            # SQLite: the transaction holds the write lock, so nobody takes these keys meanwhile.
            # AUTOINCREMENT keys are never reused, hence the sequence besides the largest key.
            cursor.execute(f"SELECT MAX({quote(self.pk_column)}) FROM {quote(self.table)}")  # noqa: S608
            (largest,) = cursor.fetchone()
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [self.table])
            row = cursor.fetchone()
            start = max(largest or 0, row[0] if row else 0) + 1
            return range(start, start + count)

    def _converter(self, field: models.Field) -> Callable[[Any], Any]:
        """What turns the field's value into the database's (auto_now is set in insert)."""
        if type(field) is models.DateField:
            return self.connection.ops.adapt_datefield_value
        if type(field) is models.DateTimeField:
            return self.connection.ops.adapt_datetimefield_value
        return functools.partial(field.get_db_prep_save, connection=self.connection)

    def insert(self, objs: Sequence[models.Model]) -> None:
        if not objs:
            return
        now = timezone.now()  # one moment for the batch's auto_now fields, as in bulk_create
        for obj, key in zip(objs, self._keys(len(objs)), strict=True):
            obj.pk = key
            for auto_now in self.auto_now:
                setattr(obj, auto_now, now)
            # Take the keys of related rows written just before, as bulk_create does.
            for foreign_key in self.foreign_keys:
                if foreign_key.is_cached(obj):
                    related = foreign_key.get_cached_value(obj)
                    setattr(obj, foreign_key.attname, related.pk if related else None)
        plain, prepared, converters = self.plain_values, self.prepared_values, self.converters
        rows = [
            (
                *plain(obj),
                *[convert(v) for convert, v in zip(converters, prepared(obj), strict=True)],
            )
            for obj in objs
        ]
        with self.connection.cursor() as cursor:
            cursor.executemany(self.sql, rows)


@contextmanager
def _page_cache(connection: BaseDatabaseWrapper, kib: int) -> Iterator[None]:
    """A larger SQLite page cache while the load lasts: the children's twenty indexes take
    rows in random order, and with the default 2 MB cache the same pages go out to the
    write-ahead log again and again."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (previous,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = {-int(kib)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


class _Tables:
    def __init__(self) -> None:
        self.persons, self.children = _Table(Person), _Table(Child)
        self.links, self.changes = _Table(Grandparent), _Table(ChildChange)
        # Only numbers held before this run can clash: the run's own never repeat.
        self.check_ids = (
            Person.objects.exclude(id_number_index="").exists()
            or Child.objects.exclude(id_number_index="").exists()
        )

    def write(self, batch: _Batch) -> None:
        if self.check_ids:
            _drop_taken_ids(batch.persons)
            _drop_taken_ids(batch.children)
        self.persons.insert(batch.persons)
        self.children.insert(batch.children)
        links = [
            _LINKS.make(child_id=child.pk, person_id=person.pk, relationship=relationship)
            for child, person, relationship in batch.links
        ]
        self.links.insert(links)
        changes = [
            _CHANGES.make(
                child_id=child.pk,
                at=child.created_at,
                by_id=child.created_by_id,
                kind=ChildChange.Kind.CREATED,
                changes=[],
            )
            for child in batch.children
        ]
        self.changes.insert(changes)


def demo_children_count(root: Area) -> int:
    return Child.objects.filter(prefix_q("village_id", frozenset({root.prefix}))).count()


def _families(
    villages: Sequence[_Village], quotas: Sequence[int], rng: random.Random
) -> Iterator[tuple[_Village, int]]:
    """(village, number of children) per family: a quarter of families have two."""
    for village, quota in zip(villages, quotas, strict=True):
        while quota > 0:
            size = 2 if quota >= 2 and rng.random() < 0.25 else 1
            quota -= size
            yield village, size


def _batches(
    generator: _Generator, families: Iterator[tuple[_Village, int]], size: int
) -> Iterator[_Batch]:
    batch = _Batch()
    for village, children in families:
        generator.family(village, children, batch)
        if len(batch.children) >= size:
            yield batch
            batch = _Batch()
    if batch.children:
        yield batch


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector: the load makes millions of objects but no
    reference cycles, so the collector would only spend a tenth of the run scanning them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def demo_children_generate(
    *,
    root: Area,
    count: int,
    seed: int = DEFAULT_SEED,
    places: DemoPlaces | None = None,
    users: Sequence[User] = (),
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> int:
    """Make `count` demo children over the villages under `root`; returns how many were made.

    Idempotent by refusal: if any child already lives under `root`, nothing is made and 0 is
    returned. Children of the demo users' village (`places`) get the demo village director;
    pupils of one class per grade at the demo school, the demo teacher. `progress(done,
    count)` is called after each batch. One transaction: an interrupted run leaves nothing
    behind and can simply be run again (and on SQLite it is much faster than many).
    """
    if count <= 0:
        return 0
    if root.level not in (AreaLevel.PROVINCE, AreaLevel.CITY, AreaLevel.COUNTY):
        raise ValueError(f"area {root.code} is not a province, city or county")
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    connection = connections[router.db_for_write(Child)]
    with transaction.atomic(), _no_cycle_collection(), _page_cache(connection, 64 * 1024):
        if demo_children_count(root):
            return 0
        villages = _villages(root)
        if not villages:
            raise ValueError(f"area {root.code} has no villages loaded")
        generator = _Generator(
            rng=rng, today=timezone.localdate(), schools=_Schools(root), staff=_staff(places, users)
        )
        families = _families(villages, _quotas(villages, count, rng), rng)
        tables = _Tables()
        done = 0
        for batch in _batches(generator, families, batch_size):
            tables.write(batch)
            done += len(batch.children)
            if progress:
                progress(done, count)
    return done
