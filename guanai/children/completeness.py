"""What a child's file must have, and what it may lack for a while (待补充).

Rosters as townships keep them identify every child but seldom carry every field of the
2016 form: a schooling status or a guardianship assessment is often not there. Refusing
such rows loses the whole file; filling in a default (健康, 不在学, 一般) would put into the
statistics facts nobody stated. So there are two kinds of field:

- **Identity, required** (`identity_faults`): the name, the village, and the ID number or
  the birth date with the gender. The number carries the birth date and gender, which every
  way in reads from it before asking here. Without these a child cannot be told apart from
  another, found again by the next roster, or given an age.
- **The other official fields, which may be unknown for a while** (`MissingField`): health,
  schooling, guardianship type and assessment, and whether the parents are away for work.
  The child is registered and marked 待补充 with the fields it lacks
  (`Child.missing_fields`), until the form, the completion flow (补充资料) or a later roster
  fills them in.

Unknown is not "no". An unknown value is stored empty, never as a default, and whatever is
derived from it says "unknown": a child whose parents' work is unknown is in neither
left-behind count, and the home page counts them apart (selectors.incomplete_counts).
Roster cells left blank in these columns are unknown too: they fill nothing and clear
nothing (roster.rows.RosterRow.updates).

Every way in applies this module: the child form (forms.ChildForm) and the completion form,
the roster import (roster.rows, roster.importing), and the services that write a child
(services._child_create, children_create_many, _child_update), which refuse an entry
without identity whoever calls them.
"""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from guanai.children.choices import PARENT_SLOTS, MissingField
from guanai.children.models import Child
from guanai.core.errors import ApplicationError

# Official fields of the child itself that may be empty (unknown).
VALUE_FIELDS = (
    MissingField.HEALTH.value,
    MissingField.SCHOOLING.value,
    MissingField.GUARDIANSHIP_TYPE.value,
    MissingField.ASSESSMENT.value,
)
PARENTS_WORK = MissingField.PARENTS_WORK.value

Family = Mapping[str, Mapping[str, Any] | None]

# What a roster cell says for a value not known yet: the export writes the first; the
# reader takes any of them as a blank (unknown), never as a value.
UNKNOWN_MARK = "待补充"
UNKNOWN_WORDS = frozenset({UNKNOWN_MARK, "不详", "未知"})


def identity_faults(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field, message) for each part of the child's identity these values lack.

    `values` holds the birth date and gender read from the ID number already, when there
    is one: "an ID number, or a birth date with the gender" is then "a birth date and a
    gender"."""
    faults = []
    if not str(values.get("name") or "").strip():
        faults.append(("name", _("请填写姓名。")))
    if not values.get("village"):
        faults.append(("village", _("请填写现居住村(社区)。")))
    if not values.get("birth_date"):
        faults.append(("birth_date", _("请填写出生日期，或填写身份证号码。")))
    if not values.get("gender"):
        faults.append(("gender", _("请填写性别，或填写身份证号码。")))
    return faults


def identity_check(child: Child) -> None:
    """Refuse to save a child who cannot be identified (ApplicationError on the first
    field at fault): the services' last word, whichever way the entry came."""
    faults = identity_faults(
        {
            "name": child.name,
            "village": child.village_id,
            "birth_date": child.birth_date,
            "gender": child.gender,
        }
    )
    if faults:
        field, message = faults[0]
        raise ApplicationError(message, field=field)


def parents_work_stated(family: Family | None) -> bool:
    """Does this entry say, for the father and for the mother, whether they are away for
    work?

    It does for a parent it names with their work (the form's 外出务工 box, a roster's work
    place column) and for one it leaves unnamed (no such parent recorded, whom the 2016
    definition counts as unable to guard). It does not for a parent named without their
    work, or when it has nothing on a parent at all (a roster without those columns)."""
    if not family:
        return False
    for slot in PARENT_SLOTS:
        if slot not in family:
            return False
        person = family[slot]
        if person and str(person.get("name") or "").strip() and "away_for_work" not in person:
            return False
    return True


def _missing(values: Mapping[str, Any], *, parents_work_unknown: bool) -> list[str]:
    missing = [field for field in VALUE_FIELDS if not values.get(field)]
    if parents_work_unknown:
        missing.append(PARENTS_WORK)
    return missing


def child_missing_fields(child: Child, *, parents_work: bool | None = None) -> list[str]:
    """The official fields the child's file leaves unknown, in the form's order.

    `parents_work`: whether the entry being saved states the parents' work
    (parents_work_stated); None when it is about other things, keeping what the file said
    before."""
    if parents_work is None:
        unknown = PARENTS_WORK in (child.missing_fields or [])
    else:
        unknown = not parents_work
    values = {field: getattr(child, field) for field in VALUE_FIELDS}
    return _missing(values, parents_work_unknown=unknown)


def missing_after(child: Child | None, data: Mapping[str, Any], family: Family) -> list[str]:
    """What a file would lack once this entry is saved, as the services will find it: a new
    child's (`child` None) or one already held. For a roster's check, before anything is
    written."""
    stated = parents_work_stated(family)
    if child is None:
        return _missing(data, parents_work_unknown=not stated)
    values = {
        field: data[field] if field in data else getattr(child, field) for field in VALUE_FIELDS
    }
    unknown = not stated and PARENTS_WORK in (child.missing_fields or [])
    return _missing(values, parents_work_unknown=unknown)


def missing_labels(fields: list[str]) -> list[str]:
    """The names of these missing fields, in the form's order."""
    wanted = set(fields)
    return [str(label) for code, label in MissingField.choices if code in wanted]
