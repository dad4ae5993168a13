"""Writes for children and their families; each writes the change history (变动情况)."""

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanai.accounts.models import User
from guanai.accounts.scope import ChildAccess
from guanai.audit.models import AccessEvent
from guanai.audit.services import access_record
from guanai.children.bulk import Factory, Table
from guanai.children.completeness import (
    VALUE_FIELDS,
    child_missing_fields,
    identity_check,
    parents_work_stated,
)
from guanai.children.equivalence import plain, same_value, same_work_place
from guanai.children.idnumber import normalize_id_number
from guanai.children.materiality import is_material
from guanai.children.models import (
    Child,
    ChildChange,
    ExitReason,
    Grandparent,
    Person,
    ReviewState,
    Status,
)
from guanai.children.names import name_initials, name_pinyin
from guanai.children.rules import child_rules_check
from guanai.children.selectors import (
    child_get_for_user,
    child_latest_change_id,
    child_may,
    children_of_persons,
    children_visible_to,
    children_with_id_numbers,
    id_numbers_held_out_of_reach,
    person_editable_by,
    persons_with_id_numbers,
    review_queue,
)
from guanai.conflicts.models import Slot, Source
from guanai.conflicts.services import Claim, conflicts_hold
from guanai.core.crypto import blind_index, encrypt, mask_address, mask_id_number, mask_phone
from guanai.core.errors import ApplicationError, NotInScope

FAMILY_ROLES = ("father", "mother", "guardian")
ROLE_LABELS = {
    "father": gettext_lazy("父亲"),
    "mother": gettext_lazy("母亲"),
    "guardian": gettext_lazy("委托监护人"),
}
SECRET_FIELDS = frozenset({"id_number", "phone", "address"})
_MASKERS = {"id_number": mask_id_number, "phone": mask_phone, "address": mask_address}

CHILD_FIELDS = (
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "id_number",
    "hukou_area",
    "hukou_rural",
    "village",
    "address",
    "health",
    "disability_category",
    "disability_grade",
    "illness",
    "schooling",
    "school",
    "grade",
    "class_name",
    "boarding",
    "guardian_relationship",
    "entrustment_confirmed_on",
    "guardianship_type",
    "assessment",
    "income_sources",
    "assistance",
    "responsible_teacher",
    "director",
    "risk_level",
    "concerns",
)
# What an update's history entry compares: the fields entered, and what the file still
# lacks (待补充), which an undo of the import that filled it in puts back.
HISTORY_FIELDS = (*CHILD_FIELDS, "missing_fields")
PERSON_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "id_number",
    "phone",
    "address",
    "away_for_work",
    "work_province",
    "work_city",
    "able_to_guard",
    "incapacity",
    "health_note",
)


@dataclass
class GrandparentInput:
    relationship: str
    person: Mapping[str, Any]


def id_index(id_number: str) -> str:
    return blind_index("id_number", normalize_id_number(id_number)) if id_number else ""


# --- history -------------------------------------------------------------------------------


def _display(model: type[Model], field: str, value: Any) -> str:
    if value in (None, "", []):
        return ""
    if isinstance(value, Model):
        return str(value)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    choices = dict(getattr(model._meta.get_field(field), "choices", None) or [])
    if isinstance(value, list | tuple | set | frozenset):
        return "、".join(str(choices.get(v, v)) for v in sorted(value))
    if choices:
        return str(choices.get(value, value))
    return str(value)


def _diff(
    instance: Model, before: Mapping[str, Any], fields: Iterable[str]
) -> list[dict[str, Any]]:
    """The fields whose value changed since `before`, as history entries."""
    entries = []
    model = type(instance)
    for field in fields:
        old, new = before.get(field), getattr(instance, field)
        if same_value(field, old, new):
            continue
        entry: dict[str, Any] = {"field": field}
        if field in SECRET_FIELDS:
            mask = _MASKERS[field]
            entry.update(
                secret=True,
                old=encrypt(old or ""),
                new=encrypt(new or ""),
                old_display=mask(old or ""),
                new_display=mask(new or ""),
            )
        else:
            entry.update(
                old=plain(old),
                new=plain(new),
                old_display=_display(model, field, old),
                new_display=_display(model, field, new),
            )
        entries.append(entry)
    return entries


def _snapshot(instance: Model | None, fields: Iterable[str]) -> dict[str, Any]:
    if instance is None:
        return {}
    return {f: getattr(instance, f) for f in fields}


# The import batch whose rows are being written, if any: its history entries carry it, so
# the batch can be undone later (like django-reversion's revision context).
_import_batch: ContextVar[int | None] = ContextVar("import_batch", default=None)


@contextmanager
def recording_batch(batch_id: int | None) -> Iterator[None]:
    """History entries written inside belong to this import batch (None: to none)."""
    token = _import_batch.set(batch_id)
    try:
        yield
    finally:
        _import_batch.reset(token)


def _record(
    child: Child,
    *,
    by: User,
    kind: str,
    subject: str = "child",
    changes: list[dict[str, Any]] | None = None,
    comment: str = "",
    at: datetime | None = None,
) -> None:
    ChildChange.objects.create(
        child=child,
        at=at or timezone.now(),
        by=by,
        kind=kind,
        subject=subject,
        changes=changes or [],
        comment=comment,
        batch_id=_import_batch.get(),
    )


# --- derived facts -------------------------------------------------------------------------


def child_derive(child: Child, *, parents_work: bool | None = None) -> None:
    """Set the facts that decide whether the child counts as left behind, and what the
    file still lacks (待补充, children.completeness; `parents_work`: whether the entry
    being saved states the parents' work, None to keep what the file said).

    2016 (国发〔2016〕13号): both parents away, or one away and the other unable to
    guard. A parent who is not recorded (deceased, unknown) cannot guard either.
    Broad (school) definition: at least one parent away.

    While the parents' work is unknown (待补充) both read False, even where one parent is
    known to be away: the child is in neither count and is counted apart, as undetermined
    (selectors.incomplete_counts), until the file says. Unknown is neither "at home" nor a
    guess at "away"; and a parent missing from a roster that had no column for them is
    not the "not recorded" above.
    """
    child.missing_fields = child_missing_fields(child, parents_work=parents_work)
    father, mother = child.father, child.mother
    father_away = bool(father and father.away_for_work)
    mother_away = bool(mother and mother.away_for_work)
    father_unable = father is None or not father.able_to_guard
    mother_unable = mother is None or not mother.able_to_guard
    known = not child.parents_work_unknown
    child.parent_away = known and (father_away or mother_away)
    child.parents_away_2016 = known and (
        (father_away and (mother_away or mother_unable)) or (mother_away and father_unable)
    )
    child.name_initials = name_initials(child.name)
    child.name_pinyin = name_pinyin(child.name)
    child.id_number_index = id_index(child.id_number)


# --- persons -------------------------------------------------------------------------------


def _person_apply(person: Person, data: Mapping[str, Any]) -> None:
    """Set what was entered. Secret fields left blank keep their value: forms never show
    them in clear, so blank means "unchanged". A value that means what is held already
    (equivalence.same_value: 广东 for 广东省) is not written."""
    place = data.get("work_province", ""), data.get("work_city", "")
    keep_place = "work_province" in data and same_work_place(
        (person.work_province, person.work_city), place
    )
    for field in PERSON_FIELDS:
        if field not in data:
            continue
        value = data[field]
        if field in SECRET_FIELDS and not value:
            continue
        if keep_place and field in ("work_province", "work_city"):
            continue
        if same_value(field, getattr(person, field), value):
            continue
        setattr(person, field, "" if value is None and field != "birth_date" else value)
    person.id_number = normalize_id_number(person.id_number) if person.id_number else ""
    person.id_number_index = id_index(person.id_number)
    if not person.away_for_work:
        person.work_province = person.work_city = ""
    if person.able_to_guard:
        person.incapacity = ""


def _person_resolve(
    user: User,
    current: Person | None,
    data: Mapping[str, Any] | None,
    *,
    label: str,
    resolved: dict[str, Person],
) -> tuple[Person | None, dict[str, Any]]:
    """The person a family slot points to after the edit, saved, with its previous values.

    The same ID number is the same person: a sibling's father is reused, not copied. A
    person the user may not change (selectors.person_editable_by: family of children
    outside the user's reach, or of no child at all) is not theirs to change or to attach:
    the user is told to ask the county, and nothing else. `resolved` holds the people this
    write has already settled by ID number (a grandmother who is also the guardian), who
    are not asked about again: one just created belongs to no child yet.
    """
    if not data or not (data.get("name") or "").strip():
        return None, {}
    index = id_index(data.get("id_number") or "")
    person: Person | None = resolved.get(index) if index else None
    settled = person is not None
    if person is None and index:
        person = persons_with_id_numbers([index]).first()
    if person is None and current is not None and index in ("", current.id_number_index):
        person = current
    elif person is None and current is not None and not current.id_number_index:
        person = current  # an ID number added to a record that had none
    if person is not None and not settled and not person_editable_by(user, person):
        if current is None or person.pk != current.pk:
            raise IdentityConflictError(label=label)  # claimed by ID number
        raise ApplicationError(
            _(
                "%(who)s：该家庭成员也登记在您管辖范围以外的儿童档案中，不能在这里修改，请联系县民政局。"
            )
            % {"who": label}
        )
    before = _snapshot(person, PERSON_FIELDS)
    person = person or Person()
    _person_apply(person, data)
    if person.pk is None or _snapshot(person, PERSON_FIELDS) != before:
        person.save()  # one whose values all mean what they did is left as it was
    if person.id_number_index:
        resolved[person.id_number_index] = person
    return person, before


def _person_values(person: Person) -> dict[str, Any]:
    """A family member's values as a history entry keeps them (secret ones encrypted), so
    that undoing an import can bring back one it replaced and who was deleted since."""
    return {
        field: encrypt(value) if field in SECRET_FIELDS else plain(value)
        for field in PERSON_FIELDS
        if (value := getattr(person, field)) not in (None, "")
    }


def _propagate(person: Person, *, by: User, subject: str, changes: list, child: Child) -> None:
    """A shared person changed: the other children of theirs get the history entry and
    their left-behind facts derived again."""
    for other in (
        children_of_persons([person]).exclude(pk=child.pk).select_related("father", "mother")
    ):
        child_derive(other)
        other.save(update_fields=["parents_away_2016", "parent_away", "updated_at"])
        _record(other, by=by, kind=ChildChange.Kind.UPDATED, subject=subject, changes=changes)


# --- children ------------------------------------------------------------------------------


# --- ID numbers held out of the user's reach ----------------------------------------------


def identity_conflict_message() -> str:
    """The one answer to an ID number that a record outside the user's reach holds: the
    same whether that record is a child or a family member, in the next village or in
    another county, so that typing numbers tells nothing of who holds them."""
    return _("该身份证号码需由县民政局核实，已暂存待处理。")


class IdentityConflictError(ApplicationError):
    """An ID number held out of the user's reach, refused with the one neutral message
    (after the family member's label, when it was typed for one)."""

    def __init__(self, *, label: str = "", field: str | None = None) -> None:
        message = identity_conflict_message()
        super().__init__(f"{label}：{message}" if label else message, field=field)


def _typed_numbers(
    child: Child | None,
    data: Mapping[str, Any],
    family: Mapping[str, Mapping[str, Any] | None],
) -> list[tuple[str, str, str]]:
    """(slot, number, family member's name) of the ID numbers typed into an entry that
    the child, or that family slot, does not hold already."""
    typed = []
    number = normalize_id_number(data.get("id_number") or "")
    if number and (child is None or id_index(number) != child.id_number_index):
        typed.append((Slot.CHILD.value, number, ""))
    for role in FAMILY_ROLES:
        person = family.get(role) or {}
        number = normalize_id_number(person.get("id_number") or "")
        current: Person | None = getattr(child, role) if child is not None else None
        if not number or not (person.get("name") or "").strip():
            continue
        if current is None or id_index(number) != current.id_number_index:
            typed.append((role, number, person["name"]))
    return typed


def _claims_hold(
    user: User,
    *,
    child: Child | None,
    data: Mapping[str, Any],
    family: Mapping[str, Mapping[str, Any] | None],
) -> None:
    """Hold for the county the ID numbers typed into an entry that records outside the
    user's reach hold (guanai/conflicts), and refuse the entry with the one neutral
    message; past the day's limit, with the limit's (ConflictLimitReached).

    Before the entry's own transaction, which the refusal rolls back: what is held and
    logged stays."""
    typed = _typed_numbers(child, data, family)
    if not typed:
        return
    holders = id_numbers_held_out_of_reach(user, {id_index(number) for _s, number, _n in typed})
    claims = [
        Claim(
            typed_for=slot,
            id_number=number,
            index=id_index(number),
            holder=holders[id_index(number)],
            child_name=data.get("name") or (child.name if child is not None else ""),
            person_name=name,
            birth_date=data.get("birth_date") or (child.birth_date if child is not None else None),
            village=data.get("village") or (child.village if child is not None else None),
        )
        for slot, number, name in typed
        if id_index(number) in holders
    ]
    if not claims:
        return
    source = Source.CHILD_NEW if child is None else Source.CHILD_EDIT
    conflicts_hold(user=user, claims=claims, source=source, edited_child=child)
    first = claims[0].typed_for
    if first == Slot.CHILD:
        raise IdentityConflictError(field="id_number")
    raise IdentityConflictError(label=str(ROLE_LABELS[first]))


def _check_id_free(user: User, child: Child) -> None:
    if not child.id_number_index:
        return
    taken = children_with_id_numbers([child.id_number_index]).exclude(pk=child.pk)
    if not taken.exists():
        return
    editable = children_visible_to(user, access=ChildAccess.EDIT).values("pk")
    if taken.exclude(pk__in=editable).exists():
        raise IdentityConflictError(field="id_number")
    raise ApplicationError(
        _("该身份证号码已有儿童档案，在您的管辖范围内，请勿重复登记，可在儿童名册中查找。"),
        field="id_number",
    )


def _check_in_scope(user: User, child: Child) -> None:
    if not children_visible_to(user, access=ChildAccess.EDIT).filter(pk=child.pk).exists():
        raise NotInScope(_("该村（社区）或学校不在您的管辖范围内。"))


@dataclass
class _FamilySaved:
    changed: bool = False
    material: bool = False  # a change that sends an approved file back (materiality)
    # Family members a slot or a grandparent link no longer points to: deleted once the
    # child is saved, unless another link (of this child or another) still holds them.
    unlinked: set[int] = dataclass_field(default_factory=set)


def _save_family(
    child: Child,
    *,
    by: User,
    family: Mapping[str, Mapping[str, Any] | None],
    grandparents: list[GrandparentInput] | None,
) -> _FamilySaved:
    """Write the family slots and grandparents; record their history."""
    saved = _FamilySaved()
    resolved: dict[str, Person] = {}
    for role in FAMILY_ROLES:
        if role not in family:
            continue
        current: Person | None = getattr(child, role)
        person, before = _person_resolve(
            by, current, family[role], label=str(ROLE_LABELS[role]), resolved=resolved
        )
        if (person and person.pk) != (current and current.pk):
            setattr(child, role, person)
            slot: dict[str, Any] = {
                "field": "name",
                "old": current.pk if current else None,
                "new": person.pk if person else None,
                "old_display": str(current or ""),
                "new_display": str(person or ""),
            }
            if current is not None:
                slot["old_person"] = _person_values(current)
                saved.unlinked.add(current.pk)
            _record(child, by=by, kind=ChildChange.Kind.UPDATED, subject=role, changes=[slot])
            saved.changed = saved.material = True
        elif person is not None:
            changes = _diff(person, before, PERSON_FIELDS)
            if changes:
                _record(child, by=by, kind=ChildChange.Kind.UPDATED, subject=role, changes=changes)
                _propagate(person, by=by, subject=role, changes=changes, child=child)
                saved.changed = True
                saved.material |= is_material(role, changes)
    if grandparents is not None:
        _save_grandparents(
            child,
            by=by,
            grandparents=grandparents,
            resolved=resolved,
            unlinked=saved.unlinked,
            saved=saved,
        )
    return saved


def _save_grandparents(
    child: Child,
    *,
    by: User,
    grandparents: list[GrandparentInput],
    resolved: dict[str, Person],
    unlinked: set[int],
    record: bool = True,
    saved: _FamilySaved | None = None,
) -> None:
    """Write the grandparent links; the people of links dropped or repointed go into
    `unlinked`, and whether anything changed, and anything material, into `saved`."""
    links = {link.relationship: link for link in child.grandparent_links.select_related("person")}
    saved = saved or _FamilySaved()
    wanted = {g.relationship: g for g in grandparents if (g.person.get("name") or "").strip()}
    for relationship, link in links.items():
        if relationship not in wanted:
            link.delete()
            unlinked.add(link.person_id)
            saved.changed = saved.material = True
            if not record:
                continue
            _record(
                child,
                by=by,
                kind=ChildChange.Kind.UPDATED,
                subject="grandparent",
                changes=[
                    {
                        "field": relationship,
                        "old": link.person_id,
                        "new": None,
                        "old_display": link.person.name,
                        "new_display": "",
                    }
                ],
            )
    for relationship, item in wanted.items():
        existing = links.get(relationship)
        person, before = _person_resolve(
            by,
            existing.person if existing else None,
            item.person,
            label=str(_("祖辈")),
            resolved=resolved,
        )
        assert person is not None
        if existing is None or existing.person_id != person.pk:
            old_name = existing.person.name if existing else ""
            if existing is None:
                Grandparent.objects.create(child=child, person=person, relationship=relationship)
            else:
                unlinked.add(existing.person_id)
                existing.person = person
                existing.save(update_fields=["person"])
            changes = [
                {
                    "field": relationship,
                    "old": None,
                    "new": person.pk,
                    "old_display": old_name,
                    "new_display": person.name,
                }
            ]
        else:
            changes = _diff(person, before, PERSON_FIELDS)
        if changes:
            if record:
                _record(
                    child,
                    by=by,
                    kind=ChildChange.Kind.UPDATED,
                    subject="grandparent",
                    changes=changes,
                )
            saved.changed = True
            saved.material |= is_material("grandparent", changes)


def _review_after_entry(child: Child, user: User, *, material: bool) -> None:
    """After an entry is saved: approved at once if the user may review this child, else
    waiting for review when the change is material (any correction of a returned entry is).

    Decided per child, not per role, so holding a review right somewhere else never lets
    a village director approve their own village's entries.
    """
    if child_may(user, child, ChildAccess.REVIEW):
        child.review_state = ReviewState.APPROVED
        child.reviewed_by = user
        child.reviewed_at = timezone.now()
        child.review_comment = ""
    elif material or child.review_state == ReviewState.RETURNED:
        child.review_state = ReviewState.PENDING
    else:
        return
    child.save(update_fields=["review_state", "reviewed_by", "reviewed_at", "review_comment"])


def persons_orphaned_delete(person_ids: set[int]) -> set[int]:
    """Delete those of these family members whom no child refers to any more (after a
    link to them was replaced or removed, or their children removed or anonymised); return
    the ids of those still referred to.

    A family member is kept for a child's file and for nothing else: left without a child,
    their name, ID number and phone have no purpose here any more (PIPL art. 47)."""
    if not person_ids:
        return set()
    held: set[int] = set()
    for role in FAMILY_ROLES:
        held.update(
            Child.objects.filter(**{f"{role}_id__in": person_ids}).values_list(
                f"{role}_id", flat=True
            )
        )
    held.update(
        Grandparent.objects.filter(person_id__in=person_ids).values_list("person_id", flat=True)
    )
    Person.objects.filter(pk__in=person_ids - held).delete()
    return held


def child_create(
    *,
    user: User,
    data: Mapping[str, Any],
    family: Mapping[str, Mapping[str, Any] | None],
    grandparents: list[GrandparentInput] | None = None,
) -> Child:
    """Register a child. Entries by village directors and schools wait for review. An ID
    number held out of the user's reach is held for the county (IdentityConflictError)."""
    _claims_hold(user, child=None, data=data, family=family)
    return _child_create(user=user, data=data, family=family, grandparents=grandparents)


@transaction.atomic
def _child_create(
    *,
    user: User,
    data: Mapping[str, Any],
    family: Mapping[str, Mapping[str, Any] | None],
    grandparents: list[GrandparentInput] | None = None,
) -> Child:
    child_rules_check(values=data, family=family)
    # An official field the entry does not give is unknown (待补充), not the model's default.
    child = Child(created_by=user, **dict.fromkeys(VALUE_FIELDS, ""))
    for field in CHILD_FIELDS:
        if field in data:
            setattr(child, field, data[field])
    child.id_number = normalize_id_number(child.id_number) if child.id_number else ""
    resolved: dict[str, Person] = {}
    for role in FAMILY_ROLES:
        person, _before = _person_resolve(
            user, None, family.get(role), label=str(ROLE_LABELS[role]), resolved=resolved
        )
        setattr(child, role, person)
    child_derive(child, parents_work=parents_work_stated(family))
    identity_check(child)
    _check_id_free(user, child)
    child.review_state = ReviewState.PENDING
    child.save()
    _check_in_scope(user, child)
    _review_after_entry(child, user, material=True)
    if grandparents:
        _save_grandparents(
            child,
            by=user,
            grandparents=grandparents,
            resolved=resolved,
            unlinked=set(),
            record=False,
        )
    _record(child, by=user, kind=ChildChange.Kind.CREATED)
    return child


_CHANGES, _CHILDREN, _PERSONS = Factory(ChildChange), Factory(Child), Factory(Person)
_CHILD_ATTNAMES = {f.name: f.attname for f in Child._meta.concrete_fields if f.name in CHILD_FIELDS}


@transaction.atomic
def children_create_many(
    *,
    user: User,
    entries: list[tuple[Mapping[str, Any], Mapping[str, Mapping[str, Any] | None]]],
) -> list[Child]:
    """Register many children at once (a roster import): the same rules as child_create —
    scope, review, history, shared parents — in a handful of statements instead of a dozen
    per child. Each entry is (child data, family). Entries naming a family member already
    held go through child_create's rules, which decide whether that record may be attached
    (the caller has held the numbers out of reach: the roster check).
    """
    indexes = {
        id_index(person["id_number"])
        for _data, family in entries
        for person in family.values()
        if person and person.get("id_number")
    }
    held = set(persons_with_id_numbers(indexes).values_list("id_number_index", flat=True))
    made: dict[str, Person] = {}  # siblings in one file share their parents
    now = timezone.now()
    persons: list[Person] = []
    children: list[Child] = []
    singles: list[Child] = []
    for data, family in entries:
        if held and any(
            person and person.get("id_number") and id_index(person["id_number"]) in held
            for person in family.values()
        ):
            singles.append(_child_create(user=user, data=data, family=family))
            continue
        child_rules_check(values=data, family=family)
        # An official field the entry does not give is unknown (待补充), not a default.
        given = dict.fromkeys(VALUE_FIELDS, "") | {
            _CHILD_ATTNAMES[field]: value.pk if isinstance(value, Model) else value
            for field, value in data.items()
            if field in _CHILD_ATTNAMES
        }
        child = _CHILDREN.make(
            **given,
            created_by_id=user.pk,
            review_state=ReviewState.PENDING,
            created_at=now,
        )
        child.id_number = normalize_id_number(child.id_number) if child.id_number else ""
        for role in FAMILY_ROLES:
            person_data = family.get(role)
            if not person_data or not (person_data.get("name") or "").strip():
                continue
            index = id_index(person_data.get("id_number") or "")
            person = made.get(index) if index else None
            if person is None:
                person = _PERSONS.make()
                _person_apply(person, person_data)
                persons.append(person)
                if index:
                    made[index] = person
            setattr(child, role, person)
        child_derive(child, parents_work=parents_work_stated(family))
        identity_check(child)
        children.append(child)
    Table(Person).insert(persons)
    # The insert takes each parent's new key from the parent object itself.
    Table(Child).insert(children)
    ids = [child.pk for child in children]
    if children_visible_to(user, access=ChildAccess.EDIT).filter(pk__in=ids).count() != len(ids):
        raise NotInScope(_("有儿童的村（社区）或学校不在您的管辖范围内。"))
    children_visible_to(user, access=ChildAccess.REVIEW).filter(pk__in=ids).update(
        review_state=ReviewState.APPROVED, reviewed_by=user, reviewed_at=timezone.now()
    )
    batch_id = _import_batch.get()
    Table(ChildChange).insert(
        [
            _CHANGES.make(
                child_id=child.pk,
                at=now,
                by_id=user.pk,
                kind=ChildChange.Kind.CREATED,
                changes=[],
                batch_id=batch_id,
            )
            for child in children
        ]
    )
    return children + singles


def child_update(
    *,
    user: User,
    child_id: int,
    data: Mapping[str, Any],
    family: Mapping[str, Mapping[str, Any] | None] | None = None,
    grandparents: list[GrandparentInput] | None = None,
) -> Child:
    """Change a child's file. An ID number held out of the user's reach is held for the
    county (IdentityConflictError)."""
    child = child_get_for_user(user=user, child_id=child_id, access=ChildAccess.EDIT)
    _claims_hold(user, child=child, data=data, family=family or {})
    return _child_update(
        user=user, child=child, data=data, family=family, grandparents=grandparents
    )


@transaction.atomic
def _child_update(
    *,
    user: User,
    child: Child,
    data: Mapping[str, Any],
    family: Mapping[str, Mapping[str, Any] | None] | None = None,
    grandparents: list[GrandparentInput] | None = None,
) -> Child:
    child_rules_check(values=data, family=family, held=child)
    before = _snapshot(child, HISTORY_FIELDS)
    for field in CHILD_FIELDS:
        # Secret fields left blank keep their value (forms never show them in clear), and a
        # value meaning what is held is not written (equivalence.same_value).
        if field not in data or (field in SECRET_FIELDS and not data[field]):
            continue
        if not same_value(field, before[field], data[field]):
            setattr(child, field, data[field])
    child.id_number = normalize_id_number(child.id_number) if child.id_number else ""
    family_saved = _save_family(child, by=user, family=family or {}, grandparents=grandparents)
    # An entry silent on the parents' work leaves the file's 待补充 mark on it as it was.
    child_derive(child, parents_work=parents_work_stated(family) or None)
    identity_check(child)
    _check_id_free(user, child)
    changes = _diff(child, before, HISTORY_FIELDS)
    material = family_saved.material or is_material("child", changes)
    child.save()
    _check_in_scope(user, child)  # the new village or school must be the user's too
    persons_orphaned_delete(family_saved.unlinked)
    if changes or family_saved.changed:
        _review_after_entry(child, user, material=material)
    if changes:
        _record(child, by=user, kind=ChildChange.Kind.UPDATED, changes=changes)
    return child


# What an exit sets, and its history entry records old → new. The anonymisation keeps the
# values of all but the note (children.anonymise): they are the evidence of the exit.
EXIT_FIELDS = ("status", "exit_reason", "exited_on", "exit_note")


def exit_date_check(child: Child, on: date) -> None:
    """An exit date can be true: not before the child was born or put on the roster here
    (登记), not in the future. A date out of these bounds is a mistake or a backdating."""
    if on > timezone.localdate():
        raise ApplicationError(_("移出日期不能晚于今天。"), field="on")
    if on < child.birth_date:
        raise ApplicationError(_("移出日期不能早于出生日期。"), field="on")
    registered = timezone.localdate(child.created_at)
    if on < registered:
        raise ApplicationError(
            _("移出日期不能早于登记日期（%(date)s）。") % {"date": f"{registered:%Y-%m-%d}"},
            field="on",
        )


@transaction.atomic
def child_exit(*, user: User, child_id: int, reason: str, on: date, note: str = "") -> Child:
    """Take a child off the active roster (移出), keeping the file (family included). The
    time it is recorded is kept beside the date typed: retention counts from both."""
    child = child_get_for_user(user=user, child_id=child_id, access=ChildAccess.EDIT)
    if child.status == Status.EXITED:
        raise ApplicationError(_("该儿童已移出。"))
    if reason not in ExitReason.values:
        raise ApplicationError(_("请选择移出原因。"), field="reason")
    exit_date_check(child, on)
    before = _snapshot(child, EXIT_FIELDS)
    child.status, child.exit_reason, child.exited_on, child.exit_note = (
        Status.EXITED,
        reason,
        on,
        note,
    )
    child.exit_recorded_at = timezone.now()
    child.save()
    _review_after_entry(child, user, material=True)
    _record(
        child,
        by=user,
        kind=ChildChange.Kind.EXITED,
        changes=_diff(child, before, EXIT_FIELDS),
        at=child.exit_recorded_at,
    )
    return child


@transaction.atomic
def child_restore(*, user: User, child_id: int) -> Child:
    """Put an exited child back on the roster (移出有误, or the parents left again)."""
    child = child_get_for_user(user=user, child_id=child_id, access=ChildAccess.EDIT)
    if child.status != Status.EXITED:
        raise ApplicationError(_("该儿童在册，无需恢复。"))
    before = _snapshot(child, EXIT_FIELDS)
    child.status, child.exit_reason, child.exited_on, child.exit_note = Status.ACTIVE, "", None, ""
    child.exit_recorded_at = None
    child.save()
    _review_after_entry(child, user, material=True)
    _record(
        child, by=user, kind=ChildChange.Kind.RESTORED, changes=_diff(child, before, EXIT_FIELDS)
    )
    return child


class ChangedSinceSeen(ApplicationError):
    """The record changed after the reviewer looked at it: they must look again."""


@transaction.atomic
def child_review(
    *, user: User, child_id: int, approve: bool, comment: str = "", seen: int | None = None
) -> Child:
    """Approve (审核通过) or return (退回) a pending entry.

    `seen` is the latest history entry the reviewer was shown (the queue and the file pass
    it): a record changed since is not decided on unseen (ChangedSinceSeen)."""
    child = child_get_for_user(user=user, child_id=child_id, access=ChildAccess.REVIEW)
    if child.review_state == ReviewState.APPROVED:
        raise ApplicationError(_("该档案已审核通过。"))
    if seen is not None and child_latest_change_id(child) != seen:
        raise ChangedSinceSeen(
            _("“%(name)s”在您查看后又有变动，请重新查看后再审核。") % {"name": child.name}
        )
    comment = comment.strip()
    if not approve and not comment:
        raise ApplicationError(_("退回时请填写意见，说明需要修改什么。"), field="comment")
    child.review_state = ReviewState.APPROVED if approve else ReviewState.RETURNED
    child.review_comment = comment
    child.reviewed_by = user
    child.reviewed_at = timezone.now()
    child.save(update_fields=["review_state", "review_comment", "reviewed_by", "reviewed_at"])
    kind = ChildChange.Kind.APPROVED if approve else ChildChange.Kind.RETURNED
    _record(child, by=user, kind=kind, comment=comment)
    return child


@dataclass
class BulkApproval:
    approved: list[Child]
    # Asked for but not pending in the user's queue (approved already, returned, out of
    # scope or missing: one count, so that it tells nothing of records out of reach).
    skipped: int
    # Changed after the reviewer looked: left for them to look at again.
    changed: list[Child]


# A page of the queue at most: approving is done after looking, a page at a time.
BULK_APPROVAL_LIMIT = 100


@transaction.atomic(durable=True)
def children_approve_many(*, user: User, seen: Mapping[int, int]) -> BulkApproval:
    """Approve several pending entries at once, each as it was seen ({child id: latest
    history entry shown}). Each goes through child_review, the same rules and history
    entry as a single approval; only entries pending in the user's own queue are touched."""
    if len(seen) > BULK_APPROVAL_LIMIT:
        raise ApplicationError(
            _("一次最多审核 %(limit)s 份档案。") % {"limit": BULK_APPROVAL_LIMIT}
        )
    pending = set(review_queue(user).filter(pk__in=list(seen)).values_list("pk", flat=True))
    approved: list[Child] = []
    changed: list[Child] = []
    for child_id in sorted(pending):
        try:
            approved.append(
                child_review(user=user, child_id=child_id, approve=True, seen=seen[child_id])
            )
        except ChangedSinceSeen:
            changed.append(child_get_for_user(user=user, child_id=child_id))
    return BulkApproval(approved=approved, skipped=len(seen) - len(pending), changed=changed)


# --- revealing -----------------------------------------------------------------------------

REVEALABLE = {
    "child": ("id_number", "address"),
    "father": ("id_number", "phone", "address"),
    "mother": ("id_number", "phone", "address"),
    "guardian": ("id_number", "phone", "address"),
}


def child_reveal(
    *, user: User, child_id: int, subject: str, field: str, reason: str, request: HttpRequest
) -> str:
    """The clear value of one secret field, logged with the reason.

    ID numbers need the reveal right; phones and addresses only the right to see the
    child (a teacher calls the guardian), but each look is logged all the same.
    """
    if field not in REVEALABLE.get(subject, ()):
        raise NotInScope(_("不在管辖范围内。"))
    access = ChildAccess.REVEAL if field == "id_number" else ChildAccess.VIEW
    child = child_get_for_user(user=user, child_id=child_id, access=access)
    reason = reason.strip()
    if not reason:
        raise ApplicationError(_("请填写查看理由。"), field="reason")
    holder: Child | Person | None = child if subject == "child" else getattr(child, subject)
    if holder is None:
        raise NotInScope(_("不在管辖范围内。"))
    access_record(
        user=user,
        action=AccessEvent.Action.REVEAL,
        target=f"child:{child.pk}",
        field=f"{subject}.{field}",
        reason=reason,
        request=request,
    )
    value: str = getattr(holder, field)
    return value
