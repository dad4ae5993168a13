"""Pinyin of children's names for search: "zs" or "zhangsan" finds 张三."""

from functools import lru_cache

from pypinyin import lazy_pinyin

# Surnames read otherwise than the character's common reading (pypinyin has no
# surname mode): 曾 is zeng, not ceng, as a surname; 单 is shan, not dan.
_SURNAME_READINGS = {
    "曾": "zeng",
    "单": "shan",
    "解": "xie",
    "仇": "qiu",
    "区": "ou",
    "朴": "piao",
    "查": "zha",
    "盖": "ge",
    "覃": "qin",
    "翟": "zhai",
    "乐": "yue",
    "缪": "miao",
    "种": "chong",
    "秘": "bi",
    "尉": "yu",
    "员": "yun",
    "黑": "he",
    "繁": "po",
    "折": "she",
}


def _ascii_only(text: str) -> str:
    # Runs pypinyin cannot read (latin letters, digits, ·) count as one word, kept if
    # ASCII alphanumeric, dropped otherwise.
    return "".join(c.lower() for c in text if c.isascii() and c.isalnum())


@lru_cache(maxsize=65536)
def _syllables(name: str) -> tuple[str, ...]:
    name = name.strip()
    if not name:
        return ()
    surname = _SURNAME_READINGS.get(name[0])
    if surname is None:
        return tuple(lazy_pinyin(name, errors=_ascii_only))
    return (surname, *lazy_pinyin(name[1:], errors=_ascii_only))


def name_initials(name: str) -> str:
    return "".join(s[0] for s in _syllables(name) if s).lower()[:30]


def name_pinyin(name: str) -> str:
    return "".join(_syllables(name)).lower()[:120]
