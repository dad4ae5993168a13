"""The retention run: which children's periods have run out, anonymised batch by batch
(children.anonymise says what anonymising keeps and clears); and setting the periods."""

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from guanai.accounts.models import User
from guanai.areas.codes import prefix_at
from guanai.areas.models import Area
from guanai.children.anonymise import children_anonymise
from guanai.children.family import persons_orphaned_delete
from guanai.children.models import Child
from guanai.children.selectors import persons_orphaned
from guanai.retention.models import RetentionPolicy
from guanai.retention.registry import expiries
from guanai.retention.selectors import (
    Periods,
    PeriodTable,
    Reason,
    children_due,
    county_get_for_policy,
)

logger = logging.getLogger(__name__)

# Children anonymised per transaction (and held in memory at once).
BATCH_SIZE = 500


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
    # Family members of no child at all, found by the daily run (retention_daily).
    orphans_deleted: int = 0
    # What each registered expiry cleared, by its name (retention.registry).
    expired: dict[str, int] = field(default_factory=dict)
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
            "orphans_deleted": self.orphans_deleted,
            "expired": dict(self.expired),
        }


Progress = Callable[[int, int], None]


def anonymise_expired(
    *,
    on: date | None = None,
    county: Area | None = None,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
) -> RetentionRun:
    """Anonymise every child (of one county, or all) whose period has run out on `on`.

    Batch by batch, each in its own transaction, walking the children by id: a hundred
    thousand children never sit in memory, and a run stopped halfway keeps what it did
    (the next run goes on from there).
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
            _anonymise(ids, run=run, table=table, on=on)
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


def retention_daily(
    *, county: Area | None = None, batch_size: int = BATCH_SIZE, progress: Progress | None = None
) -> RetentionRun:
    """The daily run (the command and the background job): the children whose period has
    run out, then every expiry the apps registered (what import batches keep of their
    files and resolved ID conflicts of the entries, past IMPORT_FILE_RETENTION_DAYS;
    export files past EXPORT_FILE_HOURS; ...), then any family member no child refers to
    (none should be left: see children.family.persons_orphaned_delete; they belong to no
    county, so every run looks for them, whichever county it is for)."""
    run = anonymise_expired(county=county, batch_size=batch_size, progress=progress)
    for expiry in expiries():
        run.expired[expiry.name] = expiry.expire()
    run.orphans_deleted = _orphans_delete(batch_size)
    return run


def _orphans_delete(batch_size: int) -> int:
    deleted, last_id = 0, 0
    orphans = persons_orphaned().order_by("pk")
    while ids := list(orphans.filter(pk__gt=last_id).values_list("pk", flat=True)[:batch_size]):
        last_id = ids[-1]
        with transaction.atomic():
            # Each is checked again as it goes: one linked since the list was read stays.
            deleted += len(ids) - len(persons_orphaned_delete(set(ids)))
    if deleted:
        logger.info("Retention: %d family members of no child deleted", deleted)
    return deleted


def _tally(
    run: RetentionRun, children: QuerySet[Child], *, table: PeriodTable, on: date
) -> list[tuple[int, str, Periods]]:
    """Count these children by county and reason; each one's id, reason and periods.
    Leaving counts first when both periods ran out."""
    found = []
    by_exit = set(children.filter(table.exit_due_q(on)).values_list("pk", flat=True))
    for pk, village_id in children.values_list("pk", "village_id"):
        periods = table.for_village(village_id)
        reason = Reason.EXIT if pk in by_exit else Reason.ADULTHOOD
        run.by_reason[reason] += 1
        run.by_county[prefix_at(village_id, "county")] += 1
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
    candidate_ids: list[int], *, run: RetentionRun, table: PeriodTable, on: date
) -> None:
    # Read again under lock: a child restored to the roster, or corrected, since the ids
    # were listed is no longer due.
    due = children_due(on=on, table=table).filter(pk__in=candidate_ids).select_for_update()
    found = _tally(run, due, table=table, on=on)
    if not found:
        return
    done = children_anonymise({pk: _note(reason, periods) for pk, reason, periods in found})
    run.family_deleted += len(done.family_deleted)
    run.kept_ids = (run.kept_ids - done.family_deleted) | done.family_kept
    run.anonymised += len(found)
