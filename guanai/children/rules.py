"""The rules a child's file must follow to be believed, one set for every way in.

A birth date in the future, an adult's birth date, an ID number that says another birth
date, a pupil without a school, 祖辈监护 with nobody named to guard, 父母一方监护 while
both parents are away: each is a mistake in what was typed, not a fact to register. The
child form (forms.ChildForm, forms.check_guardianship and the completion form), the
roster import (roster.importing, in its check and in its write) and the services that
write a child (services._child_create, children_create_many, _child_update, and so any
later API) all ask `child_violations`, so each refuses the same entry with the same
message; the form shows it on the field, the import as a faulty row in the column the
user's file gave for it (roster.rows.RowReader.rule_fault).

What an entry does not state is unknown and breaks no rule (children.completeness): a
roster without a 就读学校 column says nothing of the school, one without the parents'
work places nothing of whether they are away. An entry changing a child already held is
judged on the file as it will be, and only by the rules it touches: a roster that
changes a class name is not refused for a birth date accepted years ago, nor a file
exported and imported back unchanged. The child form states every field it shows, so it
checks every rule; the completion form asks what child_update will.

Not here: whether each value can be read at all (an ID number's checksum, a date, a
word of the roster's vocabulary: idnumber, roster.values), what identifies a child
(completeness.identity_faults), rules needing the database (a responsible teacher of
the child's school, in the form) and the exit date (services.exit_date_check).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _

from guanai.children.choices import (
    AT_SCHOOL,
    PARENT_SLOTS,
    FamilySlot,
    GuardianshipType,
    Health,
    Schooling,
)
from guanai.children.equivalence import same_value
from guanai.children.idnumber import IdNumber, check_consistency, parse_id_number
from guanai.children.models import Child
from guanai.core.errors import ApplicationError

Family = Mapping[str, Mapping[str, Any] | None]

FAMILY_SLOTS: tuple[str, ...] = tuple(FamilySlot.values)

# The registry is for children: under 18 (未满18周岁). Checked on the year of birth, as
# the form always did: a child born in the year 18 years back is still accepted.
AGE_LIMIT = 18

# The messages, one per rule: the form, the import and the services show these words.
BIRTH_DATE_FUTURE = _("出生日期不能晚于今天。")
BIRTH_DATE_ADULT = _("儿童应未满18周岁，请核对出生日期。")
SCHOOL_NEEDED = _("在校儿童请选择学校。")
DISABILITY_NEEDED = _("请填写残疾类别。")
ILLNESS_NEEDED = _("请填写所患疾病。")
GUARDIAN_NEEDED = _("祖辈或亲友监护的，请在“委托监护人”中填写监护人。")
RELATIONSHIP_NEEDED = _("请选择监护人与儿童的关系。")
PARENT_NOT_AT_HOME = _(
    "父母一方监护的，父亲或母亲应有一方在家（未外出务工），请核对监护类型和父母外出务工情况。"
)
PARENT_AT_HOME = _(
    "父亲或母亲在家（未外出务工）且有监护能力的，不是无人监护，请核对监护类型和父母外出务工情况。"
)

# The child's fields the rules read; with FAMILY_SLOTS, the names a rule's inputs use.
RULE_FIELDS = (
    "birth_date",
    "gender",
    "id_number",
    "schooling",
    "school",
    "health",
    "disability_category",
    "illness",
    "guardianship_type",
    "guardian_relationship",
)


@dataclass(frozen=True)
class Violation:
    code: str  # the rule's name
    field: str  # the child's field the message is about: the form shows it there
    message: str
    # What the rule reads, its field first: child fields and family slots (father, mother,
    # guardian). The import reports the first of them its file has a column for.
    inputs: tuple[str, ...]


class RulesBroken(ApplicationError):
    """An entry that breaks the rules: the first violation's message and field, as every
    ApplicationError carries them, and all of them in `violations`."""

    def __init__(self, violations: list[Violation]) -> None:
        super().__init__(violations[0].message, field=violations[0].field)
        self.violations = violations


def _named(person: Mapping[str, Any] | None) -> bool:
    return bool(person and str(person.get("name") or "").strip())


@dataclass(frozen=True)
class _File:
    """What the child's file will say once the entry is saved: a field or a family slot
    missing from `values` or `family` is unknown; a slot holding None has nobody in it."""

    values: Mapping[str, Any]
    family: Mapping[str, Mapping[str, Any] | None]
    today: date

    @cached_property
    def parsed_id(self) -> IdNumber | None:
        number = self.values.get("id_number") or ""
        if not number:
            return None
        try:
            return parse_id_number(number, today=self.today)
        except ValidationError:
            return None  # a number that cannot be read is refused where it is read

    def at_home(self, slot: str) -> bool | None:
        """Whether this parent is at home (recorded, and not away for work); None when the
        entry and the file leave it unknown."""
        if slot not in self.family:
            return None
        person = self.family[slot]
        if not _named(person):
            return False  # no such parent recorded
        assert person is not None
        if "away_for_work" not in person:
            return None
        return not person["away_for_work"]

    def birth_date(self) -> date | None:
        """The birth date, given as a date or, by a caller of the services, as ISO text
        (as a model field takes it)."""
        value = self.values.get("birth_date")
        if isinstance(value, str):
            try:
                return parse_date(value)
            except ValueError:
                return None
        if isinstance(value, datetime):
            return value.date()
        return value if isinstance(value, date) else None


def _birth_date_future(file: _File) -> str | None:
    born = file.birth_date()
    return str(BIRTH_DATE_FUTURE) if born and born > file.today else None


def _birth_date_adult(file: _File) -> str | None:
    born = file.birth_date()
    return str(BIRTH_DATE_ADULT) if born and born.year < file.today.year - AGE_LIMIT else None


def _id_number_birth_date(file: _File) -> str | None:
    parsed = file.parsed_id
    if parsed is None:
        return None
    errors = check_consistency(parsed, birth_date=file.birth_date(), gender=None)
    return errors[0].messages[0] if errors else None


def _id_number_gender(file: _File) -> str | None:
    parsed = file.parsed_id
    if parsed is None:
        return None
    errors = check_consistency(parsed, birth_date=None, gender=file.values.get("gender") or None)
    return errors[0].messages[0] if errors else None


def _stated_empty(file: _File, field: str) -> bool:
    return field in file.values and not file.values[field]


def _school_needed(file: _File) -> str | None:
    schooling = file.values.get("schooling")
    # A kindergarten is often a class of the village school or none at all: not asked.
    at_school = schooling in AT_SCHOOL and schooling != Schooling.KINDERGARTEN
    return str(SCHOOL_NEEDED) if at_school and _stated_empty(file, "school") else None


def _disability_needed(file: _File) -> str | None:
    disabled = file.values.get("health") == Health.DISABLED
    return (
        str(DISABILITY_NEEDED) if disabled and _stated_empty(file, "disability_category") else None
    )


def _illness_needed(file: _File) -> str | None:
    ill = file.values.get("health") == Health.SERIOUSLY_ILL
    return str(ILLNESS_NEEDED) if ill and _stated_empty(file, "illness") else None


def _guardian_needed(file: _File) -> str | None:
    entrusted = file.values.get("guardianship_type") in (
        GuardianshipType.GRANDPARENT,
        GuardianshipType.RELATIVE,
    )
    nobody = "guardian" in file.family and not _named(file.family["guardian"])
    return str(GUARDIAN_NEEDED) if entrusted and nobody else None


def _relationship_needed(file: _File) -> str | None:
    named = _named(file.family.get("guardian"))
    return (
        str(RELATIONSHIP_NEEDED) if named and _stated_empty(file, "guardian_relationship") else None
    )


def _parent_not_at_home(file: _File) -> str | None:
    if file.values.get("guardianship_type") != GuardianshipType.PARENT:
        return None
    at_home = [file.at_home(slot) for slot in PARENT_SLOTS]
    return str(PARENT_NOT_AT_HOME) if at_home == [False, False] else None


def _parent_at_home(file: _File) -> str | None:
    if file.values.get("guardianship_type") != GuardianshipType.NONE:
        return None
    for slot in PARENT_SLOTS:
        person = file.family.get(slot)
        # Able to guard only when the entry or the file says so: a roster has no column for
        # it, and a parent at home unable to guard is the 2016 definition's own case.
        if file.at_home(slot) and person is not None and person.get("able_to_guard") is True:
            return str(PARENT_AT_HOME)
    return None


@dataclass(frozen=True)
class Rule:
    code: str
    field: str
    inputs: tuple[str, ...]  # the field first
    broken: Callable[[_File], str | None]  # the message when the file breaks the rule


RULES = (
    Rule("birth_date_future", "birth_date", ("birth_date",), _birth_date_future),
    Rule("birth_date_adult", "birth_date", ("birth_date",), _birth_date_adult),
    Rule("id_number_birth_date", "id_number", ("id_number", "birth_date"), _id_number_birth_date),
    Rule("id_number_gender", "id_number", ("id_number", "gender"), _id_number_gender),
    Rule("school_needed", "school", ("school", "schooling"), _school_needed),
    Rule(
        "disability_needed",
        "disability_category",
        ("disability_category", "health"),
        _disability_needed,
    ),
    Rule("illness_needed", "illness", ("illness", "health"), _illness_needed),
    Rule(
        "guardian_needed",
        "guardianship_type",
        ("guardianship_type", "guardian"),
        _guardian_needed,
    ),
    Rule(
        "relationship_needed",
        "guardian_relationship",
        ("guardian_relationship", "guardian"),
        _relationship_needed,
    ),
    Rule(
        "parent_not_at_home",
        "guardianship_type",
        ("guardianship_type", "father", "mother"),
        _parent_not_at_home,
    ),
    Rule(
        "parent_at_home",
        "guardianship_type",
        ("guardianship_type", "father", "mother"),
        _parent_at_home,
    ),
)


def _held_values(child: Child) -> dict[str, Any]:
    """The rules' fields of a child held; an empty one is unknown (it may never have been
    asked: a roster without the column)."""
    values = {
        field: child.school_id if field == "school" else getattr(child, field)
        for field in RULE_FIELDS
    }
    return {field: value for field, value in values.items() if value not in (None, "")}


def _held_family(child: Child) -> dict[str, dict[str, Any] | None]:
    """The family slots of a child held, as an entry states them. Nobody in a parent's
    slot is known only when the file knows the parents' work; nobody in the guardian's
    slot is nobody (the completion form asks for one before 祖辈监护 is chosen)."""
    family: dict[str, dict[str, Any] | None] = {}
    work_known = not child.parents_work_unknown
    for slot in FAMILY_SLOTS:
        person = getattr(child, slot)
        if person is None:
            if slot == "guardian" or work_known:
                family[slot] = None
            continue
        held: dict[str, Any] = {"name": person.name, "able_to_guard": person.able_to_guard}
        if slot == "guardian" or work_known:
            held["away_for_work"] = person.away_for_work
        family[slot] = held
    return family


def _person_facts(person: Mapping[str, Any] | None) -> tuple[Any, ...] | None:
    """What the rules read of a family member."""
    if not _named(person):
        return None
    assert person is not None
    return (person.get("away_for_work"), person.get("able_to_guard", True))


def _file_after(
    values: Mapping[str, Any], family: Family, held: Child | None
) -> tuple[dict[str, Any], dict[str, Mapping[str, Any] | None], set[str]]:
    """The file once the entry is saved (as the services write it: a secret field left
    blank keeps its value, a family member named again keeps what is not said of them),
    and the names of the fields and slots the entry changes."""
    if held is None:
        return dict(values), dict(family), set(values) | set(family)
    before_values, before_family = _held_values(held), _held_family(held)
    after_values = dict(before_values)
    for field in RULE_FIELDS:
        if field not in values or (field == "id_number" and not values[field]):
            continue
        after_values[field] = values[field]
    after_family: dict[str, Mapping[str, Any] | None] = dict(before_family)
    for slot, person in family.items():
        before = before_family.get(slot)
        after_family[slot] = {**before, **person} if person and before else person
    # Empty over empty is no change: a blank cell where the file held nothing (exported
    # and imported back) touches no rule.
    changed = {
        field
        for field in RULE_FIELDS
        if not same_value(field, before_values.get(field), after_values.get(field))
    }
    changed |= {
        slot
        for slot in FAMILY_SLOTS
        if (slot in before_family) != (slot in after_family)
        or _person_facts(before_family.get(slot)) != _person_facts(after_family.get(slot))
    }
    return after_values, after_family, changed


def child_violations(
    *,
    values: Mapping[str, Any],
    family: Family | None = None,
    held: Child | None = None,
    today: date | None = None,
) -> list[Violation]:
    """The rules an entry breaks, in the order of RULES.

    `values` are the child's fields as the entry gives them (a model instance for the
    school, dates as dates; the birth date and gender read from the ID number already),
    `family` the slots it states ({"father": {"name": …, "away_for_work": …} or None});
    what either leaves out is unknown. `held` is the child the entry changes, None for a
    new child or for a form that states the whole file."""
    after_values, after_family, changed = _file_after(values, family or {}, held)
    file = _File(after_values, after_family, today or timezone.localdate())
    violations = []
    for rule in RULES:
        if changed.isdisjoint(rule.inputs):
            continue
        message = rule.broken(file)
        if message is not None:
            violations.append(Violation(rule.code, rule.field, message, rule.inputs))
    return violations


def child_rules_check(
    *,
    values: Mapping[str, Any],
    family: Family | None = None,
    held: Child | None = None,
    today: date | None = None,
) -> None:
    """Refuse an entry that breaks a rule (RulesBroken, with every violation): the
    services' last word, whichever way the entry came."""
    violations = child_violations(values=values, family=family, held=held, today=today)
    if violations:
        raise RulesBroken(violations)
