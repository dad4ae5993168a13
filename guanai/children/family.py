"""A child's family: the father, mother and guardian in its slots (choices.FamilySlot) and
its grandparents, `Person` rows shared by siblings. Writing them resolves each entry to the
person it means (the same ID number is the same person), records the history, and deletes
whoever is left without a child."""

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from django.utils.translation import gettext as _

from guanai.accounts.models import User
from guanai.children.choices import FamilySlot, Subject
from guanai.children.derived import child_derive
from guanai.children.equivalence import plain, same_value, same_work_place
from guanai.children.errors import IdentityConflictError
from guanai.children.fields import PERSON_FIELDS, SECRET_FIELDS
from guanai.children.history import change_record, changes_since, snapshot
from guanai.children.idnumber import id_index, normalize_id_number
from guanai.children.materiality import is_material
from guanai.children.models import Child, ChildChange, Grandparent, Person
from guanai.children.selectors import (
    children_of_persons,
    person_editable_by,
    persons_with_id_numbers,
)
from guanai.core.crypto import encrypt
from guanai.core.errors import ApplicationError


@dataclass
class GrandparentInput:
    relationship: str
    person: Mapping[str, Any]


def person_apply(person: Person, data: Mapping[str, Any]) -> None:
    """Set what was entered. Secret fields left blank keep their value: forms never show
    them in clear, so blank means "unchanged". A value that means what is held already
    (equivalence.same_value: 广东 for 广东省) is not written."""
    # A new person holds nothing to keep: every value is written as entered (and an import
    # of new children skips some 15 comparisons a row).
    held = person.pk is not None
    place = data.get("work_province", ""), data.get("work_city", "")
    keep_place = (
        held
        and "work_province" in data
        and same_work_place((person.work_province, person.work_city), place)
    )
    for field in PERSON_FIELDS:
        if field not in data:
            continue
        value = data[field]
        if field in SECRET_FIELDS and not value:
            continue
        if keep_place and field in ("work_province", "work_city"):
            continue
        if held and same_value(field, getattr(person, field), value):
            continue
        setattr(person, field, "" if value is None and field != "birth_date" else value)
    person.id_number = normalize_id_number(person.id_number) if person.id_number else ""
    person.id_number_index = id_index(person.id_number)
    if not person.away_for_work:
        person.work_province = person.work_city = ""
    if person.able_to_guard:
        person.incapacity = ""


def person_resolve(
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
    before = snapshot(person, PERSON_FIELDS)
    person = person or Person()
    person_apply(person, data)
    if person.pk is None or snapshot(person, PERSON_FIELDS) != before:
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


def person_change_propagate(
    person: Person, *, by: User, subject: str, changes: list, child: Child
) -> None:
    """A shared person changed: the other children of theirs get the history entry and
    their left-behind facts derived again."""
    for other in (
        children_of_persons([person]).exclude(pk=child.pk).select_related("father", "mother")
    ):
        child_derive(other)
        other.save(update_fields=["parents_away_2016", "parent_away", "updated_at"])
        change_record(other, by=by, kind=ChildChange.Kind.UPDATED, subject=subject, changes=changes)


@dataclass
class FamilySaved:
    changed: bool = False
    material: bool = False  # a change that sends an approved file back (materiality)
    # Family members a slot or a grandparent link no longer points to: deleted once the
    # child is saved, unless another link (of this child or another) still holds them.
    unlinked: set[int] = dataclass_field(default_factory=set)


def family_save(
    child: Child,
    *,
    by: User,
    family: Mapping[str, Mapping[str, Any] | None],
    grandparents: list[GrandparentInput] | None,
) -> FamilySaved:
    """Write the family slots and grandparents; record their history."""
    saved = FamilySaved()
    resolved: dict[str, Person] = {}
    for slot in FamilySlot.values:
        if slot not in family:
            continue
        current: Person | None = getattr(child, slot)
        person, before = person_resolve(
            by, current, family[slot], label=str(FamilySlot(slot).label), resolved=resolved
        )
        if (person and person.pk) != (current and current.pk):
            setattr(child, slot, person)
            repointed: dict[str, Any] = {
                "field": "name",
                "old": current.pk if current else None,
                "new": person.pk if person else None,
                "old_display": str(current or ""),
                "new_display": str(person or ""),
            }
            if current is not None:
                repointed["old_person"] = _person_values(current)
                saved.unlinked.add(current.pk)
            change_record(
                child, by=by, kind=ChildChange.Kind.UPDATED, subject=slot, changes=[repointed]
            )
            saved.changed = saved.material = True
        elif person is not None:
            changes = changes_since(person, before, PERSON_FIELDS)
            if changes:
                change_record(
                    child, by=by, kind=ChildChange.Kind.UPDATED, subject=slot, changes=changes
                )
                person_change_propagate(person, by=by, subject=slot, changes=changes, child=child)
                saved.changed = True
                saved.material |= is_material(slot, changes)
    if grandparents is not None:
        grandparents_save(
            child,
            by=by,
            grandparents=grandparents,
            resolved=resolved,
            unlinked=saved.unlinked,
            saved=saved,
        )
    return saved


def grandparents_save(
    child: Child,
    *,
    by: User,
    grandparents: list[GrandparentInput],
    resolved: dict[str, Person],
    unlinked: set[int],
    record: bool = True,
    saved: FamilySaved | None = None,
) -> None:
    """Write the grandparent links; the people of links dropped or repointed go into
    `unlinked`, and whether anything changed, and anything material, into `saved`."""
    links = {link.relationship: link for link in child.grandparent_links.select_related("person")}
    saved = saved or FamilySaved()
    wanted = {g.relationship: g for g in grandparents if (g.person.get("name") or "").strip()}
    for relationship, link in links.items():
        if relationship not in wanted:
            link.delete()
            unlinked.add(link.person_id)
            saved.changed = saved.material = True
            if not record:
                continue
            change_record(
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
        person, before = person_resolve(
            by,
            existing.person if existing else None,
            item.person,
            label=str(Subject.GRANDPARENT.label),
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
            changes = changes_since(person, before, PERSON_FIELDS)
        if changes:
            if record:
                change_record(
                    child,
                    by=by,
                    kind=ChildChange.Kind.UPDATED,
                    subject="grandparent",
                    changes=changes,
                )
            saved.changed = True
            saved.material |= is_material("grandparent", changes)


def persons_orphaned_delete(person_ids: set[int]) -> set[int]:
    """Delete those of these family members whom no child refers to any more (after a
    link to them was replaced or removed, or their children removed or anonymised); return
    the ids of those still referred to.

    A family member is kept for a child's file and for nothing else: left without a child,
    their name, ID number and phone have no purpose here any more (PIPL art. 47)."""
    if not person_ids:
        return set()
    held: set[int] = set()
    for slot in FamilySlot.values:
        held.update(
            Child.objects.filter(**{f"{slot}_id__in": person_ids}).values_list(
                f"{slot}_id", flat=True
            )
        )
    held.update(
        Grandparent.objects.filter(person_id__in=person_ids).values_list("person_id", flat=True)
    )
    Person.objects.filter(pk__in=person_ids - held).delete()
    return held
