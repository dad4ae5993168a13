"""Chinese resident ID numbers (公民身份号码, GB 11643-1999): normalise, validate, read, index.

python-stdnum computes the check digit; the birth date is read here. Its place lookup is not used:
in stdnum 2.2 `get_birth_place`, and so `validate` and `is_valid`, raise `KeyError` for
every area code whose province it knows but whose county it lacks (such as 620201,
嘉峪关市市辖区), and it refuses a county code created after the birth year, which is the
code a child gets when the birth is registered late (common in the countryside). Division
data lags behind the real divisions and a child's real number must never be refused, so
only the province part of the area code is checked.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum.cn import ric

from guanai.core.crypto import blind_index

MALE = "male"
FEMALE = "female"

# GB/T 2260 province-level codes, including 台湾 (71), 香港 (81) and 澳门 (82), and 83:
# residence permits of Taiwan residents (台湾居民居住证) carry 830000.
PROVINCE_CODES = frozenset(
    {
        "11", "12", "13", "14", "15",
        "21", "22", "23",
        "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46",
        "50", "51", "52", "53", "54",
        "61", "62", "63", "64", "65",
        "71", "81", "82", "83",
    }
)  # fmt: skip

OLDEST_BIRTH_YEAR = 1900

# NFKC turns a full-width hyphen into "-" but keeps other dashes: the Pd category, and minus.
_MINUS_SIGN = "\u2212"
_DIGITS = frozenset("0123456789")
_CLEAN = re.compile(r"[0-9]{17}[0-9X]|[0-9]{15}", re.ASCII)


@dataclass(frozen=True)
class IdNumber:
    number: str
    birth_date: date
    gender: str  # MALE or FEMALE, from the parity of the 17th digit
    area_code: str  # the first 6 digits: where the number was first issued


def normalize_id_number(raw: str) -> str:
    """The number as typed, made comparable: no spaces or hyphens, half-width, final X upper-case.

    Does not validate. Invisible format characters (zero-width space, byte order mark) are
    dropped too: they come along when a number is copied out of a chat or a spreadsheet.
    """
    if _CLEAN.fullmatch(raw):
        return raw  # already clean, as nearly every number is: a roster holds hundreds of thousands
    text = unicodedata.normalize("NFKC", raw)
    text = "".join(
        char
        for char in text
        if not char.isspace()
        and char != _MINUS_SIGN
        and unicodedata.category(char) not in ("Pd", "Cf")
    )
    if text.endswith("x"):
        text = text[:-1] + "X"
    return text


def id_index(id_number: str) -> str:
    """The keyed hash (blind index) an ID number is found and kept unique by."""
    return blind_index("id_number", normalize_id_number(id_number)) if id_number else ""


def parse_id_number(raw: str, *, today: date | None = None) -> IdNumber:
    """Validate a number and read what it says; raise ValidationError naming the first fault.

    Messages never repeat the whole number: they end up in logs and on shared screens.
    """
    number = normalize_id_number(raw)
    _check_format(number)
    birth_date = _birth_date(number)
    _check_birth_date_range(birth_date, today=today or timezone.localdate())
    area_code = number[:6]
    if area_code[:2] not in PROVINCE_CODES:
        raise ValidationError(
            _(
                "身份证号码开头的地区代码 %(area_code)s 不是有效的行政区划代码，请检查号码是否填写正确。"
            ),
            code="area",
            params={"area_code": area_code},
        )
    if number[-1] != ric.calc_check_digit(number):
        # The expected check character is not shown: it would let anyone complete a made-up number.
        raise ValidationError(
            _("身份证号码的最后一位（校验码）不正确，号码可能填写有误，请核对。"),
            code="checksum",
        )
    gender = MALE if int(number[16]) % 2 == 1 else FEMALE
    return IdNumber(number=number, birth_date=birth_date, gender=gender, area_code=area_code)


def check_consistency(
    id_number: IdNumber, *, birth_date: date | None, gender: str | None
) -> list[ValidationError]:
    """What the number says against what was entered on the form; None means not entered."""
    errors = []
    if birth_date is not None and birth_date != id_number.birth_date:
        errors.append(
            ValidationError(
                _("身份证号码中的出生日期为 %(date)s，与填写的出生日期不一致。"),
                code="birth_date_mismatch",
                params={"date": id_number.birth_date.isoformat()},
            )
        )
    if gender is not None and gender != id_number.gender:
        errors.append(
            ValidationError(
                _("身份证号码中的性别为%(gender)s，与填写的性别不一致。"),
                code="gender_mismatch",
                params={"gender": _("男") if id_number.gender == MALE else _("女")},
            )
        )
    return errors


def _check_format(number: str) -> None:
    if not number:
        raise ValidationError(_("请填写身份证号码。"), code="empty")
    if len(number) == 15:
        raise ValidationError(
            _(
                "身份证号码应为 18 位，您填写了 15 位。15 位的第一代身份证号码已停止使用，请填写 18 位号码。"
            ),
            code="length",
        )
    if len(number) != 18:
        raise ValidationError(
            _("身份证号码应为 18 位，您填写了 %(count)d 位。"),
            code="length",
            params={"count": len(number)},
        )
    for position, character in enumerate(number, start=1):
        if character in _DIGITS or (position == 18 and character == "X"):
            continue
        raise ValidationError(
            _(
                "身份证号码第 %(position)d 位的“%(character)s”无效：前 17 位只能是数字，最后一位是数字或字母 X。"
            ),
            code="chars",
            params={"position": position, "character": character},
        )


def _birth_date(number: str) -> date:
    # As stdnum's ric.get_birth_date reads it (YYYYMMDD from the 7th digit), without its
    # clean-up of an already checked number: a roster asks this for every family member.
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("身份证号码中的出生日期 %(digits)s 不是真实存在的日期，请检查号码是否填写正确。"),
            code="birth_date",
            params={"digits": number[6:14]},
        ) from None


def _check_birth_date_range(birth_date: date, *, today: date) -> None:
    if birth_date > today:
        raise ValidationError(
            _("身份证号码中的出生日期 %(date)s 晚于今天，请检查号码是否填写正确。"),
            code="future",
            params={"date": birth_date.isoformat()},
        )
    if birth_date.year < OLDEST_BIRTH_YEAR:
        raise ValidationError(
            _("身份证号码中的出生年份 %(year)d 早于 1900 年，请检查号码是否填写正确。"),
            code="too_old",
            params={"year": birth_date.year},
        )
