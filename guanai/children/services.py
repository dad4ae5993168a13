"""Writes for children: registering, changing, exiting and restoring, reviewing. Each writes
the change history (children.history); the family goes through children.family."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from guanai.accounts.models import User
from guanai.accounts.scope import ChildAccess
from guanai.children.bulk import Factory, Table
from guanai.children.choices import ExitReason, FamilySlot, ReviewState, Status, Subject
from guanai.children.completeness import (
    VALUE_FIELDS,
    identity_check,
    parents_work_stated,
)
from guanai.children.derived import child_derive
from guanai.children.equivalence import same_value
from guanai.children.errors import IdentityConflictError
from guanai.children.family import (
    GrandparentInput,
    family_save,
    grandparents_save,
    person_apply,
    person_resolve,
    persons_orphaned_delete,
)
from guanai.children.fields import CHILD_FIELDS, EXIT_FIELDS, SECRET_FIELDS
from guanai.children.history import (
    HISTORY_FIELDS,
    change_record,
    changes_since,
    import_batch,
    snapshot,
)
from guanai.children.idnumber import id_index, normalize_id_number
from guanai.children.materiality import is_material
from guanai.children.models import Child, ChildChange, Person
from guanai.children.rules import child_rules_check
from guanai.children.selectors import (
    child_get_for_user,
    child_latest_change_id,
    child_may,
    children_visible_to,
    children_with_id_numbers,
    id_numbers_held_out_of_reach,
    persons_with_id_numbers,
    review_queue,
)
from guanai.conflicts.models import Source
from guanai.conflicts.services import Claim, conflicts_hold
from guanai.core.errors import ApplicationError, NotInScope

# --- ID numbers held out of the user's reach ----------------------------------------------


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
        typed.append((Subject.CHILD.value, number, ""))
    for slot in FamilySlot.values:
        person = family.get(slot) or {}
        number = normalize_id_number(person.get("id_number") or "")
        current: Person | None = getattr(child, slot) if child is not None else None
        if not number or not (person.get("name") or "").strip():
            continue
        if current is None or id_index(number) != current.id_number_index:
            typed.append((slot, number, person["name"]))
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
    if first == Subject.CHILD:
        raise IdentityConflictError(field="id_number")
    raise IdentityConflictError(label=str(FamilySlot(first).label))


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


# --- children ------------------------------------------------------------------------------


def _check_in_scope(user: User, child: Child) -> None:
    if not children_visible_to(user, access=ChildAccess.EDIT).filter(pk=child.pk).exists():
        raise NotInScope(_("该村（社区）或学校不在您的管辖范围内。"))


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
    for slot in FamilySlot.values:
        person, _before = person_resolve(
            user, None, family.get(slot), label=str(FamilySlot(slot).label), resolved=resolved
        )
        setattr(child, slot, person)
    child_derive(child, parents_work=parents_work_stated(family))
    identity_check(child)
    _check_id_free(user, child)
    child.review_state = ReviewState.PENDING
    child.save()
    _check_in_scope(user, child)
    _review_after_entry(child, user, material=True)
    if grandparents:
        grandparents_save(
            child,
            by=user,
            grandparents=grandparents,
            resolved=resolved,
            unlinked=set(),
            record=False,
        )
    change_record(child, by=user, kind=ChildChange.Kind.CREATED)
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
        for slot in FamilySlot.values:
            person_data = family.get(slot)
            if not person_data or not (person_data.get("name") or "").strip():
                continue
            index = id_index(person_data.get("id_number") or "")
            person = made.get(index) if index else None
            if person is None:
                person = _PERSONS.make()
                person_apply(person, person_data)
                persons.append(person)
                if index:
                    made[index] = person
            setattr(child, slot, person)
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
    batch_id = import_batch.get()
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
    before = snapshot(child, HISTORY_FIELDS)
    for field in CHILD_FIELDS:
        # Secret fields left blank keep their value (forms never show them in clear), and a
        # value meaning what is held is not written (equivalence.same_value).
        if field not in data or (field in SECRET_FIELDS and not data[field]):
            continue
        if not same_value(field, before[field], data[field]):
            setattr(child, field, data[field])
    child.id_number = normalize_id_number(child.id_number) if child.id_number else ""
    family_saved = family_save(child, by=user, family=family or {}, grandparents=grandparents)
    # An entry silent on the parents' work leaves the file's 待补充 mark on it as it was.
    child_derive(child, parents_work=parents_work_stated(family) or None)
    identity_check(child)
    _check_id_free(user, child)
    changes = changes_since(child, before, HISTORY_FIELDS)
    material = family_saved.material or is_material("child", changes)
    child.save()
    _check_in_scope(user, child)  # the new village or school must be the user's too
    persons_orphaned_delete(family_saved.unlinked)
    if changes or family_saved.changed:
        _review_after_entry(child, user, material=material)
    if changes:
        change_record(child, by=user, kind=ChildChange.Kind.UPDATED, changes=changes)
    return child


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
    before = snapshot(child, EXIT_FIELDS)
    child.status, child.exit_reason, child.exited_on, child.exit_note = (
        Status.EXITED,
        reason,
        on,
        note,
    )
    child.exit_recorded_at = timezone.now()
    child.save()
    _review_after_entry(child, user, material=True)
    change_record(
        child,
        by=user,
        kind=ChildChange.Kind.EXITED,
        changes=changes_since(child, before, EXIT_FIELDS),
        at=child.exit_recorded_at,
    )
    return child


@transaction.atomic
def child_restore(*, user: User, child_id: int) -> Child:
    """Put an exited child back on the roster (移出有误, or the parents left again)."""
    child = child_get_for_user(user=user, child_id=child_id, access=ChildAccess.EDIT)
    if child.status != Status.EXITED:
        raise ApplicationError(_("该儿童在册，无需恢复。"))
    before = snapshot(child, EXIT_FIELDS)
    child.status, child.exit_reason, child.exited_on, child.exit_note = Status.ACTIVE, "", None, ""
    child.exit_recorded_at = None
    child.save()
    _review_after_entry(child, user, material=True)
    change_record(
        child,
        by=user,
        kind=ChildChange.Kind.RESTORED,
        changes=changes_since(child, before, EXIT_FIELDS),
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
    change_record(child, by=user, kind=kind, comment=comment)
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
