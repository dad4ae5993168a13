"""Undoing an import batch within its own history (变动情况).

Every history entry an import writes carries its batch. Undoing the batch removes the
children it registered and puts back the values it changed, from the old values its entries
hold (secret ones decrypted). It touches nothing that changed afterwards: a child edited,
exited or restored since, by anyone, is left as it is and named in the result, so no later
work is lost. Reviews (approve, return) do not count as changes. Reverted children get an
entry of their own saying the import was undone. A family member the import replaced, and
who was deleted then because no child needed them, comes back from the values its entry kept.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from guanai.accounts.models import User
from guanai.accounts.scope import ChildAccess
from guanai.children.choices import FamilySlot
from guanai.children.cleanup import children_with_work, remove_held
from guanai.children.derived import child_derive
from guanai.children.family import person_change_propagate, persons_orphaned_delete
from guanai.children.fields import PERSON_FIELDS, SECRET_FIELDS
from guanai.children.history import HISTORY_FIELDS, change_record, changes_since, snapshot
from guanai.children.idnumber import id_index
from guanai.children.models import Child, ChildChange, Person
from guanai.children.selectors import (
    children_visible_to,
    family_of,
    person_editable_by,
    persons_with_id_numbers,
)
from guanai.core.crypto import decrypt

# Kinds of later entries that mean someone changed the record since the import.
_CHANGING = (ChildChange.Kind.UPDATED, ChildChange.Kind.EXITED, ChildChange.Kind.RESTORED)
# Children removed per statement, and reverted per transaction.
_CHUNK = 1000


@dataclass
class UndoResult:
    removed: int = 0
    reverted: int = 0
    # Children changed since the import, left as they are: (id, name).
    kept: list[tuple[int, str]] = field(default_factory=list)
    # Children the undoing user may not change (or whose family member is shared with such
    # children), left as they are; not named, they may be out of the user's sight.
    out_of_reach: int = 0


def _changed_since(batch_id: int, child_ids: list[int]) -> set[int]:
    """Of these children, those with a change after the batch's own entries by anything
    but the batch."""
    changed: set[int] = set()
    for start in range(0, len(child_ids), _CHUNK):
        chunk = child_ids[start : start + _CHUNK]
        first = dict(
            ChildChange.objects.filter(batch_id=batch_id, child_id__in=chunk)
            .values("child_id")
            .annotate(first=models.Min("id"))
            .values_list("child_id", "first")
        )
        later = (
            ChildChange.objects.filter(child_id__in=chunk, kind__in=_CHANGING)
            .filter(Q(batch_id__isnull=True) | ~Q(batch_id=batch_id))
            .values_list("child_id", "id")
        )
        changed.update(child for child, entry in later if entry > first.get(child, entry))
    return changed


def _python(model: type[models.Model], name: str, value: Any) -> tuple[str, Any]:
    """A history entry's stored value back as the attribute to set and its value."""
    model_field = model._meta.get_field(name)
    assert isinstance(model_field, models.Field)
    if isinstance(model_field, models.ForeignKey):
        return model_field.attname, value
    if name in SECRET_FIELDS:
        return name, decrypt(value or "")
    return name, model_field.to_python(value)  # ISO dates, lists of codes, ... as stored


def _replaced_slot(entry: ChildChange) -> dict[str, Any] | None:
    """The entry's change if it points a family slot at another person (or at nobody)."""
    slot = entry.changes[0] if entry.changes else {}
    if slot.get("field") == "name" and not isinstance(slot.get("old", ""), str):
        return slot
    return None


def _held_before(slot: dict[str, Any]) -> tuple[bool, Person | None]:
    """Whom a replaced slot pointed to before: (False, None) if that cannot be known.

    The person left without a child by the replacement was deleted (family.
    persons_orphaned_delete): they come back from the values the entry kept, unsaved, or
    as the record holding their ID number now. An entry written before entries kept those
    values cannot bring them back.
    """
    if slot["old"] is None:
        return True, None
    person = Person.objects.filter(pk=slot["old"]).first()
    if person is not None:
        return True, person
    if "old_person" not in slot:
        return False, None
    values = dict(_python(Person, name, value) for name, value in slot["old_person"].items())
    index = id_index(values.get("id_number", ""))
    holder = persons_with_id_numbers([index]).first() if index else None
    return True, holder or Person(**values, id_number_index=index)


def _revert(child: Child, entries: list[ChildChange], *, by: User, comment: str) -> bool:
    """Put back what these entries (newest first) changed on the child and its family;
    False, touching nothing, if a family member to put back is not the user's to change."""
    # By the id of the person a replaced slot held: whom it points to again.
    held_before: dict[int | None, tuple[bool, Person | None]] = {}
    for entry in entries:
        person = getattr(child, entry.subject) if entry.subject in FamilySlot.values else None
        if person is not None and not person_editable_by(by, person):
            return False
        slot = _replaced_slot(entry) if entry.subject in FamilySlot.values else None
        if slot is None or slot["old"] in held_before:
            continue  # one person held in two slots (father and guardian) comes back as one
        held_before[slot["old"]] = _held_before(slot)
        earlier = held_before[slot["old"]][1]
        # Someone else now holds their ID number: attached only if the user may.
        if (
            earlier is not None
            and earlier.pk not in (None, slot["old"])
            and not person_editable_by(by, earlier)
        ):
            return False
    before = snapshot(child, HISTORY_FIELDS)
    persons: dict[int, tuple[Person, dict[str, Any], str]] = {}
    dropped: set[int] = set()
    for entry in entries:
        if entry.subject == "child":
            for change in entry.changes:
                attribute, value = _python(Child, change["field"], change["old"])
                setattr(child, attribute, value)
        elif entry.subject in FamilySlot.values:
            slot = _replaced_slot(entry)
            if slot is not None:
                # The slot itself changed (another person): point it back; the person the
                # import pointed to goes if no one else refers to them. If whom it held
                # cannot be known, the import's person stays: nothing is lost.
                found, earlier = held_before[slot["old"]]
                if not found:
                    continue
                if earlier is not None and earlier.pk is None:
                    earlier.save()
                setattr(child, f"{entry.subject}_id", earlier.pk if earlier else None)
                if slot.get("new"):
                    dropped.add(slot["new"])
                continue
            person = getattr(child, entry.subject)
            if person is None:
                continue
            if person.pk not in persons:
                persons[person.pk] = (person, snapshot(person, PERSON_FIELDS), entry.subject)
            for change in entry.changes:
                attribute, value = _python(Person, change["field"], change["old"])
                setattr(person, attribute, value)
    for person, person_before, subject in persons.values():
        person.id_number_index = id_index(person.id_number)
        person.save()
        changes = changes_since(person, person_before, PERSON_FIELDS)
        if changes:
            change_record(
                child, by=by, kind=ChildChange.Kind.UPDATED, subject=subject, changes=changes
            )
            person_change_propagate(person, by=by, subject=subject, changes=changes, child=child)
    # Relations are read again: slots may point elsewhere now.
    for family_slot in FamilySlot.values:
        relation = Child._meta.get_field(family_slot)
        assert isinstance(relation, models.ForeignKey)
        if relation.is_cached(child):
            relation.delete_cached_value(child)
    child_derive(child)
    child.save()
    change_record(
        child,
        by=by,
        kind=ChildChange.Kind.UPDATED,
        changes=changes_since(child, before, HISTORY_FIELDS),
        comment=comment,
    )
    persons_orphaned_delete(dropped)
    return True


def _remove(child_ids: list[int]) -> None:
    """Delete these children, after what other apps hold of them that their relations'
    on_delete does not take along (children.cleanup), then the family members no other
    child refers to."""
    family = family_of(child_ids)
    remove_held(child_ids=child_ids)
    Child.objects.filter(pk__in=child_ids).delete()
    persons_orphaned_delete(family)


def batch_changes_undo(
    *,
    user: User,
    batch_id: int,
    comment: str,
    progress: Callable[[int, int], None] | None = None,
) -> UndoResult:
    """Undo what an import batch wrote, as far as `user` may edit: see the module's text."""
    result = UndoResult()
    entries = ChildChange.objects.filter(batch_id=batch_id)
    created = sorted(
        set(entries.filter(kind=ChildChange.Kind.CREATED).values_list("child_id", flat=True))
    )
    updated = sorted(
        set(entries.filter(kind=ChildChange.Kind.UPDATED).values_list("child_id", flat=True))
        - set(created)
    )
    # Changed since by anyone but the batch, or (a child it created) cared for since: left
    # alone and named, so no later work is lost.
    changed = _changed_since(batch_id, created + updated) | children_with_work(created)
    editable = children_visible_to(user, access=ChildAccess.EDIT)
    total, done = len(created) + len(updated), 0
    for start in range(0, len(created), _CHUNK):
        chunk = created[start : start + _CHUNK]
        mine = set(editable.filter(pk__in=chunk).values_list("pk", flat=True))
        removable = [pk for pk in chunk if pk in mine and pk not in changed]
        with transaction.atomic():
            _remove(removable)
        result.removed += len(removable)
        result.out_of_reach += len(set(chunk) - mine - changed)
        done += len(chunk)
        if progress is not None:
            progress(done, total)
    for start in range(0, len(updated), _CHUNK):
        chunk = updated[start : start + _CHUNK]
        children = (
            editable.filter(pk__in=chunk)
            .exclude(pk__in=changed)
            .select_related("father", "mother", "guardian")
        )
        by_child: dict[int, list[ChildChange]] = defaultdict(list)
        for entry in entries.filter(child_id__in=chunk, kind=ChildChange.Kind.UPDATED).order_by(
            "-at", "-id"
        ):
            by_child[entry.child_id].append(entry)
        reached = 0
        with transaction.atomic():
            for child in children:
                reached += 1
                if _revert(child, by_child[child.pk], by=user, comment=comment):
                    result.reverted += 1
                else:
                    result.out_of_reach += 1
        result.out_of_reach += len(set(chunk) - changed) - reached
        done += len(chunk)
        if progress is not None:
            progress(done, total)
    if changed:
        result.kept = list(editable.filter(pk__in=changed).order_by("pk").values_list("pk", "name"))
        result.out_of_reach += len(changed) - len(result.kept)
    return result


def undo_comment(file_name: str) -> str:
    return _("撤销导入：%(file)s") % {"file": file_name}
