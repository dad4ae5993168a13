"""What people write in a roster's coded columns, and the code each word stands for.

Every word a roster may hold for a coded field is in the tables below, and nowhere else.
Each entry says where it comes from:

- **2016 form**: 《农村留守儿童基本情况登记表》, 附件1 of 民发〔2016〕42号 (the census form the
  Child record follows), and its 附件3 summary table with the notes under it.
- **seeds**: the seed township's work summary, which counts guardianship as 隔代监护 74 %,
  寄养监护 25 % and 无人监护 1 %.
- **common**: what township and school rosters write for the same thing (colloquial words,
  the form's words with 监护 dropped or added, 爷爷奶奶 for grandparents, …).

Guanai's own labels (the choices of `guanai.children.models`, in every language of the site,
so that an export made in English reads back) and the codes themselves are added to every
table by `tables()`; they are not repeated here.

A cell is looked up after `word_key`: full-width characters made half-width (NFKC), spaces
dropped, Latin letters lower-cased, tick marks copied from the form ("健康(√)") removed. The
guardianship columns also accept each word with or without 监护, and any column a word
followed by a note in brackets ("残疾（肢体二级）"). A word in none of the tables is a fault
that lists the accepted values (`unknown_message`); a few words that could mean more than
one code get a hint of their own (`AMBIGUOUS`).
"""

import re
import unicodedata
from functools import cache, lru_cache

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise

from guanai.children.choices import (
    Assessment,
    Gender,
    GuardianshipType,
    Health,
    Relationship,
    RiskLevel,
    Schooling,
)

GENDER: dict[str, str] = {
    "男": Gender.MALE,  # 2016 form: 性别
    "女": Gender.FEMALE,  # 2016 form: 性别
    "男性": Gender.MALE,  # common
    "女性": Gender.FEMALE,  # common
    "男孩": Gender.MALE,  # common
    "女孩": Gender.FEMALE,  # common
    "男童": Gender.MALE,  # common
    "女童": Gender.FEMALE,  # common
    "男生": Gender.MALE,  # common (school rosters)
    "女生": Gender.FEMALE,  # common (school rosters)
    "m": Gender.MALE,  # common
    "f": Gender.FEMALE,  # common
}

HEALTH: dict[str, str] = {
    "健康": Health.HEALTHY,  # 2016 form: 身体情况 健康( )
    "残疾": Health.DISABLED,  # 2016 form: 身体情况 残疾( )
    "患病": Health.SERIOUSLY_ILL,  # 2016 form: 身体情况 患病( ), "患有重特大疾病" (note 3)
    "重特大疾病": Health.SERIOUSLY_ILL,  # 2016 form, note 3
    "患重特大疾病": Health.SERIOUSLY_ILL,  # 2016 form, note 3
    "严重精神障碍": Health.SERIOUSLY_ILL,  # 2016 form, 附件3 note 3 (患病 includes it)
    "良好": Health.HEALTHY,  # common
    "正常": Health.HEALTHY,  # common
    "健康良好": Health.HEALTHY,  # common
    "身体健康": Health.HEALTHY,  # common
    "重病": Health.SERIOUSLY_ILL,  # common
    "大病": Health.SERIOUSLY_ILL,  # common
    "重大疾病": Health.SERIOUSLY_ILL,  # common
    "残障": Health.DISABLED,  # common
    "有残疾": Health.DISABLED,  # common
    "残疾儿童": Health.DISABLED,  # common
    # The categories of GB/T 26341-2010, written instead of 残疾 when the form's
    # 残疾类别 is filled in the same cell.
    "视力残疾": Health.DISABLED,  # common
    "听力残疾": Health.DISABLED,  # common
    "言语残疾": Health.DISABLED,  # common
    "肢体残疾": Health.DISABLED,  # common
    "智力残疾": Health.DISABLED,  # common
    "精神残疾": Health.DISABLED,  # common
    "多重残疾": Health.DISABLED,  # common
}

SCHOOLING: dict[str, str] = {
    "未入园": Schooling.NOT_IN_KINDERGARTEN,  # 2016 form: 就学情况
    "幼儿园": Schooling.KINDERGARTEN,  # 2016 form: 就学情况
    "小学": Schooling.PRIMARY,  # 2016 form: 就学情况
    "初中": Schooling.JUNIOR,  # 2016 form: 就学情况
    "高中": Schooling.SENIOR,  # 2016 form: 就学情况
    "中职": Schooling.VOCATIONAL,  # 2016 form: 就学情况
    "辍学": Schooling.DROPPED_OUT,  # 2016 form: 就学情况 (note 6: 义务教育阶段辍学)
    "不在学": Schooling.NOT_IN_SCHOOL,  # 2016 form: 就学情况 (note 6: 14–16 岁未在学)
    "学前": Schooling.NOT_IN_KINDERGARTEN,  # common
    "学龄前": Schooling.NOT_IN_KINDERGARTEN,  # common
    "散居": Schooling.NOT_IN_KINDERGARTEN,  # common (散居儿童: not in a kindergarten)
    "散居儿童": Schooling.NOT_IN_KINDERGARTEN,  # common
    "在园": Schooling.KINDERGARTEN,  # common
    "入园": Schooling.KINDERGARTEN,  # common
    "学前班": Schooling.KINDERGARTEN,  # common
    "幼儿": Schooling.KINDERGARTEN,  # common
    "小学在读": Schooling.PRIMARY,  # common
    "在读小学": Schooling.PRIMARY,  # common
    "小学生": Schooling.PRIMARY,  # common
    "初中在读": Schooling.JUNIOR,  # common
    "在读初中": Schooling.JUNIOR,  # common
    "初中生": Schooling.JUNIOR,  # common
    "高中在读": Schooling.SENIOR,  # common
    "高中生": Schooling.SENIOR,  # common
    "普高": Schooling.SENIOR,  # common
    "职高": Schooling.VOCATIONAL,  # common
    "职中": Schooling.VOCATIONAL,  # common
    "中专": Schooling.VOCATIONAL,  # common
    "技校": Schooling.VOCATIONAL,  # common
    "职业高中": Schooling.VOCATIONAL,  # common
    "中等职业学校": Schooling.VOCATIONAL,  # common
    "失学": Schooling.DROPPED_OUT,  # common
    "辍学在家": Schooling.DROPPED_OUT,  # common
}

# Each word also reads with 监护 added or dropped (隔代 / 隔代监护, 委托监护 / 委托).
GUARDIANSHIP_TYPE: dict[str, str] = {
    "隔代监护": GuardianshipType.GRANDPARENT,  # seeds: 隔代监护 74 %
    "寄养监护": GuardianshipType.RELATIVE,  # seeds: 寄养监护 25 %
    "无人监护": GuardianshipType.NONE,  # seeds: 无人监护 1 %; 2016 form: 监护类型
    "委托监护": GuardianshipType.RELATIVE,  # 2016 form: 父母外出有无委托其他监护人, 委托监护人
    "祖父母监护": GuardianshipType.GRANDPARENT,  # common
    "外祖父母监护": GuardianshipType.GRANDPARENT,  # common
    "祖辈": GuardianshipType.GRANDPARENT,  # common
    "爷爷奶奶": GuardianshipType.GRANDPARENT,  # common
    "外公外婆": GuardianshipType.GRANDPARENT,  # common
    "姥姥姥爷": GuardianshipType.GRANDPARENT,  # common
    "爷爷": GuardianshipType.GRANDPARENT,  # common
    "奶奶": GuardianshipType.GRANDPARENT,  # common
    "外公": GuardianshipType.GRANDPARENT,  # common
    "外婆": GuardianshipType.GRANDPARENT,  # common
    "祖父": GuardianshipType.GRANDPARENT,  # common (the 2016 form's family section)
    "祖母": GuardianshipType.GRANDPARENT,  # common (the 2016 form's family section)
    "外祖父": GuardianshipType.GRANDPARENT,  # common (the 2016 form's family section)
    "外祖母": GuardianshipType.GRANDPARENT,  # common (the 2016 form's family section)
    "亲友监护": GuardianshipType.RELATIVE,  # common
    "亲属监护": GuardianshipType.RELATIVE,  # common
    "亲戚监护": GuardianshipType.RELATIVE,  # common
    "亲友委托": GuardianshipType.RELATIVE,  # common
    "托管": GuardianshipType.RELATIVE,  # common
    "单亲监护": GuardianshipType.PARENT,  # common
    "父亲监护": GuardianshipType.PARENT,  # common
    "母亲监护": GuardianshipType.PARENT,  # common
    "父监护": GuardianshipType.PARENT,  # common
    "母监护": GuardianshipType.PARENT,  # common
    "父或母监护": GuardianshipType.PARENT,  # common
    "父母一方": GuardianshipType.PARENT,  # common
    "无": GuardianshipType.NONE,  # common
    "无监护人": GuardianshipType.NONE,  # common
    "独居": GuardianshipType.NONE,  # common
    "自我监护": GuardianshipType.NONE,  # common
}

# Each word also reads with 监护 added or dropped.
ASSESSMENT: dict[str, str] = {
    "无人监护": Assessment.NO_GUARDIAN,  # 2016 form: 监护类型 无人监护( )
    "父或母无监护能力": Assessment.PARENT_INCAPABLE,  # 2016 form: 父或母无监护能力( )
    "受委托监护人监护能力不足": Assessment.GUARDIAN_INSUFFICIENT,  # 2016 form
    "监护情况一般": Assessment.ORDINARY,  # 2016 form: 监护情况一般( )
    "监护情况较好": Assessment.GOOD,  # 2016 form: 监情况较好( ), as corrected
    "监情况较好": Assessment.GOOD,  # 2016 form, as printed
    "一般": Assessment.ORDINARY,  # 2016 form, note 5 (监护情况评估 ②一般)
    "较好": Assessment.GOOD,  # 2016 form, note 5 (监护情况评估 ①较好)
    "好": Assessment.GOOD,  # common
    "良好": Assessment.GOOD,  # common
    "委托监护人监护能力不足": Assessment.GUARDIAN_INSUFFICIENT,  # common
    "监护人监护能力不足": Assessment.GUARDIAN_INSUFFICIENT,  # common
    "监护能力不足": Assessment.GUARDIAN_INSUFFICIENT,  # common
    "父(母)无监护能力": Assessment.PARENT_INCAPABLE,  # common
    "父母一方无监护能力": Assessment.PARENT_INCAPABLE,  # common
    "父亲无监护能力": Assessment.PARENT_INCAPABLE,  # common
    "母亲无监护能力": Assessment.PARENT_INCAPABLE,  # common
    "无监护人": Assessment.NO_GUARDIAN,  # common
}

RELATIONSHIP: dict[str, str] = {
    "祖父": Relationship.GRANDFATHER,  # 2016 form: 家庭情况 祖父姓名
    "祖母": Relationship.GRANDMOTHER,  # 2016 form: 家庭情况 祖母姓名
    "外祖父": Relationship.MATERNAL_GRANDFATHER,  # 2016 form: 家庭情况 外祖父姓名
    "外祖母": Relationship.MATERNAL_GRANDMOTHER,  # 2016 form: 家庭情况 外祖母姓名
    "父亲": Relationship.FATHER,  # 2016 form: 家庭情况 父亲姓名
    "母亲": Relationship.MOTHER,  # 2016 form: 家庭情况 母亲姓名
    "爷爷": Relationship.GRANDFATHER,  # common
    "奶奶": Relationship.GRANDMOTHER,  # common
    "外公": Relationship.MATERNAL_GRANDFATHER,  # common
    "姥爷": Relationship.MATERNAL_GRANDFATHER,  # common
    "外婆": Relationship.MATERNAL_GRANDMOTHER,  # common
    "姥姥": Relationship.MATERNAL_GRANDMOTHER,  # common
    "父": Relationship.FATHER,  # common
    "母": Relationship.MOTHER,  # common
    "爸爸": Relationship.FATHER,  # common
    "妈妈": Relationship.MOTHER,  # common
    "父子": Relationship.FATHER,  # common
    "父女": Relationship.FATHER,  # common
    "母子": Relationship.MOTHER,  # common
    "母女": Relationship.MOTHER,  # common
    "哥哥": Relationship.SIBLING,  # common
    "姐姐": Relationship.SIBLING,  # common
    "兄": Relationship.SIBLING,  # common
    "姐": Relationship.SIBLING,  # common
    "兄妹": Relationship.SIBLING,  # common
    "兄弟": Relationship.SIBLING,  # common
    "姐弟": Relationship.SIBLING,  # common
    "姐妹": Relationship.SIBLING,  # common
    "叔叔": Relationship.UNCLE_AUNT,  # common
    "叔父": Relationship.UNCLE_AUNT,  # common
    "伯伯": Relationship.UNCLE_AUNT,  # common
    "伯父": Relationship.UNCLE_AUNT,  # common
    "伯母": Relationship.UNCLE_AUNT,  # common
    "婶婶": Relationship.UNCLE_AUNT,  # common
    "姑姑": Relationship.UNCLE_AUNT,  # common
    "姑妈": Relationship.UNCLE_AUNT,  # common
    "姑父": Relationship.UNCLE_AUNT,  # common
    "舅舅": Relationship.UNCLE_AUNT,  # common
    "舅父": Relationship.UNCLE_AUNT,  # common
    "舅妈": Relationship.UNCLE_AUNT,  # common
    "姨妈": Relationship.UNCLE_AUNT,  # common
    "小姨": Relationship.UNCLE_AUNT,  # common
    "姨父": Relationship.UNCLE_AUNT,  # common
    "亲戚": Relationship.OTHER_RELATIVE,  # common
    "亲属": Relationship.OTHER_RELATIVE,  # common
    "堂兄": Relationship.OTHER_RELATIVE,  # common
    "堂姐": Relationship.OTHER_RELATIVE,  # common
    "表哥": Relationship.OTHER_RELATIVE,  # common
    "表姐": Relationship.OTHER_RELATIVE,  # common
    "邻居": Relationship.NEIGHBOUR,  # common
    "朋友": Relationship.NEIGHBOUR,  # common
    "邻里": Relationship.NEIGHBOUR,  # common
}

RISK_LEVEL: dict[str, str] = {
    "低风险": RiskLevel.LOW,  # common
    "中风险": RiskLevel.MEDIUM,  # common
    "高风险": RiskLevel.HIGH,  # common
    "低危": RiskLevel.LOW,  # common
    "中危": RiskLevel.MEDIUM,  # common
    "高危": RiskLevel.HIGH,  # common
    "无风险": RiskLevel.LOW,  # common
    "一般": RiskLevel.LOW,  # common
}

# Yes/no columns: any of these in any yes/no column.
YES: frozenset[str] = frozenset(
    {"是", "√", "✓", "✔", "y", "yes", "1", "true", "有", "对"}  # common (and the form's ticks)
)
NO: frozenset[str] = frozenset(
    {"否", "×", "✗", "✘", "x", "n", "no", "0", "false", "无", "没有", "不是"}  # common
)

# And the words of one column.
HUKOU_RURAL: dict[str, bool] = {
    "农业": True,  # common (户口性质 on the household register before 2014)
    "农业户口": True,  # common
    "农业户籍": True,  # common
    "农村": True,  # 2016 form: 农村户籍未成年人 (note 1)
    "农村户口": True,  # common
    "农村户籍": True,  # common
    "非农业": False,  # common
    "非农业户口": False,  # common
    "非农": False,  # common
    "城镇": False,  # common
    "城镇户口": False,  # common
    "城镇户籍": False,  # common
}
BOARDING: dict[str, bool] = {
    "寄宿": True,  # 2016 form: 是否学校寄宿
    "住校": True,  # common
    "寄宿生": True,  # common
    "走读": False,  # common
    "走读生": False,  # common
    "不寄宿": False,  # common
    "非寄宿": False,  # common
}

# A parent's 务工地点 cell: a place (广东省深圳市) means away for work there; these words
# say away or at home without a place.
WORK_PLACE_AWAY: frozenset[str] = frozenset(
    {
        "外出务工",  # common; and what the export writes for a parent away with no place
        "外出",  # common
        "在外务工",  # common
        "外地务工",  # common
        "是",  # common (the column read as 是否外出务工)
    }
)
WORK_PLACE_HOME: frozenset[str] = frozenset(
    {
        "在家",  # common
        "未外出",  # common
        "本地",  # common
        "无",  # common
        "否",  # common
    }
)

# Words that could mean more than one code: the fault says what to write instead.
AMBIGUOUS: dict[str, dict[str, StrOrPromise]] = {
    "assessment": {
        # 2016 form, 附件3 note 4: 差 is any of three grades.
        "差": gettext_lazy(
            "“差”请写明是哪一种：无人监护、父或母无监护能力、受委托监护人监护能力不足。"
        ),
    },
    "guardian_relationship": {
        "祖孙": gettext_lazy("“祖孙”请写明是祖父、祖母、外祖父还是外祖母。"),  # common
    },
}

# Coded column -> (the model's choices, the words people write).
_COLUMNS: dict[str, tuple[type[models.TextChoices], dict[str, str]]] = {
    "gender": (Gender, GENDER),
    "health": (Health, HEALTH),
    "schooling": (Schooling, SCHOOLING),
    "guardianship_type": (GuardianshipType, GUARDIANSHIP_TYPE),
    "assessment": (Assessment, ASSESSMENT),
    "guardian_relationship": (Relationship, RELATIONSHIP),
    "risk_level": (RiskLevel, RISK_LEVEL),
}
CODED_COLUMNS = frozenset(_COLUMNS)
# Columns whose words read with or without 监护.
_GUARDIANSHIP_WORDS = frozenset({"guardianship_type", "assessment"})
_TICKS = re.compile(r"[√✓✔☑]")
_NOTE = re.compile(r"\([^)]*\)$")


def word_key(text: object) -> str:
    """A cell as the tables are keyed: "  隔代监护 " and "（√）健康" read 隔代监护 and 健康."""
    return _word_key(str(text or ""))


@lru_cache(maxsize=4096)  # a roster repeats a few dozen words in each coded column
def _word_key(text: str) -> str:
    key = unicodedata.normalize("NFKC", text)
    key = "".join(key.split()).lower()
    key = _TICKS.sub("", key).replace("()", "") or key  # a tick alone is a yes
    return key.strip("。.,，;；、") or key


@cache
def tables() -> dict[str, dict[str, str]]:
    """Per coded column, every word (as `word_key` gives it) and its code: the tables
    above, Guanai's labels in each language of the site, and the codes."""
    built: dict[str, dict[str, str]] = {}
    for column, (choices, words) in _COLUMNS.items():
        table: dict[str, str] = {}
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                table.update({word_key(label): code for code, label in choices.choices})
        table.update({word_key(code): code for code in choices.values})
        table.update({word_key(word): str(code) for word, code in words.items()})
        built[column] = table
    return built


def _variants(column: str, key: str) -> list[str]:
    """The key, then what else it may be written as: without a note in brackets, and for
    guardianship with 监护 added or dropped."""
    keys = [key]
    bare = _NOTE.sub("", key)
    if bare and bare != key:
        keys.append(bare)
    if column in _GUARDIANSHIP_WORDS:
        for word in list(keys):
            keys.append(word.removesuffix("监护") if word.endswith("监护") else f"{word}监护")
    return keys


def code_for(column: str, text: object) -> str | None:
    """The code a coded column's cell stands for; "" for an empty cell, None for a word
    none of the tables hold."""
    return _code_for(column, str(text or ""))


@lru_cache(maxsize=4096)
def _code_for(column: str, text: str) -> str | None:
    key = word_key(text)
    if not key:
        return ""
    table = tables()[column]
    for variant in _variants(column, key):
        if variant in table:
            return table[variant]
    return None


def accepted(column: str) -> list[str]:
    """The values listed when something else was written: Guanai's labels, which are the
    2016 form's own words where it has them."""
    return [str(label) for label in _COLUMNS[column][0].labels]


def unknown_message(column: str, text: str) -> str:
    hint = AMBIGUOUS.get(column, {}).get(word_key(text))
    if hint:
        return str(hint)
    if column == "guardianship_type" and code_for("assessment", text):
        # The 2016 form's 监护类型 row lists the assessment's grades.
        return _(
            "“%(value)s”是监护情况评估的值，请填在“监护情况评估”列；监护类型可填：%(options)s"
        ) % {"value": text, "options": "、".join(accepted(column))}
    return _("“%(value)s”不是可选的值，可填：%(options)s") % {
        "value": text,
        "options": "、".join(accepted(column)),
    }


def yes_no(column: str, text: object) -> bool | None:
    """A yes/no column's cell: 是/否 and their kin in any such column, and the column's own
    words (寄宿/走读, 农业/非农业); None for an empty cell. Raises KeyError for anything else."""
    key = word_key(text)
    if not key:
        return None
    if key in YES:
        return True
    if key in NO:
        return False
    own = _YES_NO_COLUMNS.get(column, {})
    for variant in _variants(column, key):
        if variant in own:
            return own[variant]
    raise KeyError(key)


_YES_NO_COLUMNS: dict[str, dict[str, bool]] = {
    "hukou_rural": {word_key(w): v for w, v in HUKOU_RURAL.items()},
    "boarding": {word_key(w): v for w, v in BOARDING.items()},
}


# What the export writes for a parent away with no place known, in the export's language.
AWAY_WITHOUT_PLACE = gettext_lazy("外出务工")


@cache
def _away_words() -> frozenset[str]:
    translated = set()
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            translated.add(word_key(str(AWAY_WITHOUT_PLACE)))
    return frozenset(WORK_PLACE_AWAY | translated)


def away_for_work(text: object) -> bool | None:
    """A 务工地点 cell that says away (外出务工) or at home (在家) without a place; None for
    a place, or an empty cell, which the caller reads."""
    key = word_key(text)
    if key in _away_words():
        return True
    if key in WORK_PLACE_HOME:
        return False
    return None


def yes_no_words(column: str) -> list[str]:
    """What a yes/no column accepts, for its fault: 是、否 and the column's own words."""
    return ["是", "否", *_YES_NO_COLUMNS.get(column, {})]
