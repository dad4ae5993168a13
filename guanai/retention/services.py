"""Anonymising the children whose retention period has run out, and setting the periods.

An anonymised child stays a row, so that every figure counted from the rows (how many
children, of which gender, age group, village, school, schooling, guardianship, risk and
left-behind kind, who left when and why) stays the same. Everything that names the child
or their family goes: name, ID number and its blind index, the day and month of birth,
address, illness, class, free text, the family members no other child needs, the values in
the change history, consents and the photo. The row is then out of every list and search
(children.selectors.children_visible_to).

The birth date keeps its year, as 1 January: an age counted on 31 December, as yearly work
summaries count them, is exact, and the children anonymised are adults or left years ago,
so today's age groups (up to 18) do not move.
"""

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import ForeignObjectRel, Model, QuerySet
from django.db.models.functions import TruncYear
from django.utils import timezone
from django.utils.translation import gettext as _

from guanai.accounts.models import User
from guanai.areas.models import PREFIX_LENGTH, Area
from guanai.children.models import (
    Child,
    ChildChange,
    ChildConsent,
    ChildPhoto,
    Grandparent,
    Person,
)
from guanai.retention.models import RetentionPolicy
from guanai.retention.selectors import (
    Periods,
    PeriodTable,
    Reason,
    children_due,
    county_get_for_policy,
)

logger = logging.getLogger(__name__)

# What an anonymised child is called: data, not interface text, so never translated.
ANONYMISED_NAME = "已匿名"
# Children anonymised per transaction (and held in memory at once).
BATCH_SIZE = 500
# What a history entry keeps: which field changed, never from what to what.
_HISTORY_KEYS = ("field", "secret")


@transaction.atomic
def policy_save(
    *, user: User, county_code: str, months_after_exit: int, months_after_adulthood: int
) -> RetentionPolicy:
    """Set a county's periods (404 unless the user sets that county's)."""
    county = county_get_for_policy(user=user, code=county_code)
    policy, _created = RetentionPolicy.objects.update_or_create(
        county=county,
        defaults={
            "months_after_exit": months_after_exit,
            "months_after_adulthood": months_after_adulthood,
            "updated_by": user,
        },
    )
    logger.info(
        "Retention periods of county %s set to %d/%d months by user %s",
        county.code,
        months_after_exit,
        months_after_adulthood,
        user.pk,
    )
    return policy


@dataclass
class RetentionRun:
    """What a run did (or, dry, would do)."""

    due: int = 0
    anonymised: int = 0
    by_reason: Counter[str] = field(default_factory=Counter)
    by_county: Counter[str] = field(default_factory=Counter)  # county code prefix: children
    family_deleted: int = 0
    # Family members of anonymised children still recorded for children whose period runs
    # on: left as they are (one kept by an early batch may go with a sibling in a later one).
    kept_ids: set[int] = field(default_factory=set)

    @property
    def family_kept(self) -> int:
        return len(self.kept_ids)

    def as_dict(self) -> dict[str, object]:
        return {
            "due": self.due,
            "anonymised": self.anonymised,
            "by_reason": dict(self.by_reason),
            "by_county": dict(self.by_county),
            "family_deleted": self.family_deleted,
            "family_kept": self.family_kept,
        }


Progress = Callable[[int, int], None]


def anonymise_expired(
    *,
    on: date | None = None,
    county: Area | None = None,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    by: User | None = None,
    progress: Progress | None = None,
) -> RetentionRun:
    """Anonymise every child (of one county, or all) whose period has run out on `on`.

    Batch by batch, each in its own transaction, walking the children by id: a hundred
    thousand children never sit in memory, and a run stopped halfway keeps what it did
    (the next run goes on from there). `by` is who asked, if a person did.
    """
    on = on or timezone.localdate()
    table = PeriodTable(county)
    due = children_due(on=on, table=table)
    run = RetentionRun(due=due.count())
    last_id, done = 0, 0
    while ids := list(
        due.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:batch_size]
    ):
        last_id = ids[-1]
        if dry_run:
            _tally(run, due.filter(pk__in=ids), table=table, on=on)
        else:
            _anonymise(ids, run=run, table=table, on=on, by=by)
        done += len(ids)
        if progress is not None:
            progress(min(done, run.due), run.due)
    if not dry_run:
        logger.info(
            "Retention: %d children anonymised (%s), %d family records deleted, %d kept",
            run.anonymised,
            ", ".join(f"{k} {v}" for k, v in sorted(run.by_reason.items())) or "none",
            run.family_deleted,
            run.family_kept,
        )
    return run


def _tally(
    run: RetentionRun, children: QuerySet[Child], *, table: PeriodTable, on: date
) -> list[tuple[int, str, Periods]]:
    """Count these children by county and reason; each one's id, reason and periods."""
    found = []
    for pk, village_id, status, exited_on in children.values_list(
        "pk", "village_id", "status", "exited_on"
    ):
        periods = table.for_village(village_id)
        reason = periods.reason(status=status, exited_on=exited_on, on=on)
        run.by_reason[reason] += 1
        run.by_county[village_id[: PREFIX_LENGTH["county"]]] += 1
        found.append((pk, reason, periods))
    return found


def _note(reason: str, periods: Periods) -> str:
    """The history entry's comment: which period ran out, nothing about the child."""
    if reason == Reason.EXIT:
        return _("移出已满 %(months)d 个月，档案已按保留期限匿名化。") % {
            "months": periods.months_after_exit
        }
    return _("年满18周岁已满 %(months)d 个月，档案已按保留期限匿名化。") % {
        "months": periods.months_after_adulthood
    }


@transaction.atomic
def _anonymise(
    candidate_ids: list[int], *, run: RetentionRun, table: PeriodTable, on: date, by: User | None
) -> None:
    # Read again under lock: a child restored to the roster, or corrected, since the ids
    # were listed is no longer due.
    due = children_due(on=on, table=table).filter(pk__in=candidate_ids).select_for_update()
    found = _tally(run, due, table=table, on=on)
    ids = [pk for pk, _reason, _periods in found]
    if not ids:
        return
    family = set(Grandparent.objects.filter(child_id__in=ids).values_list("person_id", flat=True))
    for row in Child.objects.filter(pk__in=ids).values_list(
        "father_id", "mother_id", "guardian_id"
    ):
        family.update(pk for pk in row if pk)
    Grandparent.objects.filter(child_id__in=ids).delete()
    # The photo goes with the consent it was taken under.
    ChildConsent.objects.filter(child_id__in=ids).delete()
    ChildPhoto.objects.filter(child_id__in=ids).delete()
    now = timezone.now()
    Child.objects.filter(pk__in=ids).update(
        name=ANONYMISED_NAME,
        name_initials="",
        name_pinyin="",
        id_number="",
        id_number_index="",
        birth_date=TruncYear("birth_date"),
        address="",
        illness="",
        class_name="",
        exit_note="",
        review_comment="",
        father=None,
        mother=None,
        guardian=None,
        anonymised_at=now,
        updated_at=now,
    )
    _history_scrub(ids)
    kept = _referenced(family)
    Person.objects.filter(pk__in=family - kept).delete()
    run.family_deleted += len(family - kept)
    run.kept_ids = (run.kept_ids - family) | kept
    run.anonymised += len(ids)
    ChildChange.objects.bulk_create(
        ChildChange(
            child_id=pk,
            at=now,
            by=by,
            kind=ChildChange.Kind.ANONYMISED,
            comment=_note(reason, periods),
        )
        for pk, reason, periods in found
    )


def _history_scrub(child_ids: list[int]) -> None:
    """Keep which fields changed when and by whom; drop the values and the comments."""
    entries = list(ChildChange.objects.filter(child_id__in=child_ids).only("changes", "comment"))
    for entry in entries:
        entry.changes = [
            {key: change[key] for key in _HISTORY_KEYS if key in change} for change in entry.changes
        ]
        entry.comment = ""
    ChildChange.objects.bulk_update(entries, ["changes", "comment"], batch_size=BATCH_SIZE)


def _referenced(person_ids: set[int]) -> set[int]:
    """Those of these family members that anything still refers to (another child, as
    parent, guardian or grandparent, or whatever else may point to a Person)."""
    held: set[int] = set()
    if not person_ids:
        return held
    # Hidden relations too (related_name="+", as Grandparent.person has).
    for relation in Person._meta.get_fields(include_hidden=True):
        if not isinstance(relation, ForeignObjectRel) or relation.many_to_many:
            continue  # the many-to-many goes through Grandparent, which is here itself
        model: type[Model] = relation.related_model  # type: ignore[assignment]
        name = relation.field.name
        held.update(
            model._default_manager.filter(**{f"{name}__in": person_ids}).values_list(
                relation.field.attname, flat=True
            )
        )
    return held
