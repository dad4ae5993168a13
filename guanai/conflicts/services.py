"""Holding ID numbers for the county to verify, the daily limit, alerts and resolution.

Whoever finds that a typed ID number is held out of the user's reach (the roster check
and import, the child forms) hands it here as a `Claim` and tells the user only the one
neutral message. Each claim is kept with both sides for the user's county admin, written
to the access log (the number masked), and counted: more than CONFLICT_LIMIT new ones in
a day stop the user's work (ConflictLimitReached) and alert the county.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guanai.accounts.models import User
from guanai.accounts.scope import scope_for
from guanai.areas.models import Area
from guanai.audit.models import AccessEvent
from guanai.audit.services import access_record
from guanai.children.models import Child
from guanai.children.selectors import Holder, child_ids_existing
from guanai.conflicts.models import ConflictAlert, IdentityConflict
from guanai.conflicts.selectors import alert_get_for_user, conflict_get_for_user
from guanai.core.crypto import mask_id_number
from guanai.core.errors import ApplicationError
from guanai.roster.models import ImportBatch

# The limit counts the conflicts a user started within this long.
LIMIT_WINDOW = timedelta(days=1)

State = IdentityConflict.State


class ConflictLimitReached(ApplicationError):
    """More than CONFLICT_LIMIT held ID numbers in a day: the user's work stops there."""


@dataclass(frozen=True)
class Claim:
    """An ID number typed for a record outside the user's reach, with what the county
    needs to resolve it: for whom it was typed, the child of the entry, and where."""

    typed_for: str  # a children.choices.Subject
    id_number: str
    index: str
    holder: Holder
    child_name: str = ""
    person_name: str = ""
    birth_date: date | None = None
    village: Area | None = None
    row: int | None = None  # of an imported file
    column: str = ""  # the file's header


def _occurrence(
    claim: Claim, source: str, batch: ImportBatch | None, edited_child: Child | None
) -> dict[str, Any]:
    occurrence: dict[str, Any] = {"at": timezone.now().isoformat(), "source": source}
    if batch is not None:
        occurrence |= {
            "batch": batch.pk,
            "file": batch.file_name,
            "row": claim.row,
            "column": claim.column,
        }
    if edited_child is not None:
        occurrence["child"] = edited_child.pk
    return occurrence


def _seen_in(conflict: IdentityConflict, batch: ImportBatch | None, row: int | None) -> bool:
    """Was this row of this file held already (by its check, now found again on import)?"""
    return batch is not None and any(
        o.get("batch") == batch.pk and o.get("row") == row for o in conflict.occurrences
    )


def _limit_message(batch: ImportBatch | None) -> str:
    limit = settings.CONFLICT_LIMIT
    if batch is not None:
        return _(
            "一天内需由县民政局核实的身份证号码超过 %(limit)d 个，已停止处理这个文件，"
            "没有导入任何数据，并已通知县民政局。"
        ) % {"limit": limit}
    return _(
        "一天内需由县民政局核实的身份证号码超过 %(limit)d 个，已暂停提交并通知县民政局，"
        "请联系县民政局。"
    ) % {"limit": limit}


def conflicts_hold(
    *,
    user: User,
    claims: Iterable[Claim],
    source: str,
    batch: ImportBatch | None = None,
    edited_child: Child | None = None,
) -> None:
    """Hold each claim for the county, log it, and count it against the daily limit.

    A number the user typed before and which still waits is the same conflict, with one
    more occurrence (not counted again); a row of a file held by its check and found
    again by its import is left as it is. Past the limit, the claims after the one that
    crossed it are not looked at: ConflictLimitReached, and the county is alerted.
    """
    claims = list(claims)
    if not claims:
        return
    over = False
    prefix = scope_for(user).editing_prefix
    with transaction.atomic():
        # One user's claims are held one call at a time, so that the count stays exact.
        list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk"))
        now = timezone.now()
        count = IdentityConflict.objects.filter(
            user=user, created_at__gte=now - LIMIT_WINDOW
        ).count()
        pending = {
            c.id_number_index: c
            for c in IdentityConflict.objects.filter(
                user=user, state=State.PENDING, id_number_index__in={c.index for c in claims}
            ).order_by("-pk")
        }
        # A child removed since the number was found: its place is still known.
        on_file = child_ids_existing({c.holder.child_id for c in claims if c.holder.child_id})
        for claim in claims:
            conflict = pending.get(claim.index)
            if conflict is not None and _seen_in(conflict, batch, claim.row):
                continue
            occurrence = _occurrence(claim, source, batch, edited_child)
            if conflict is None:
                conflict = IdentityConflict.objects.create(
                    user=user,
                    area_prefix=prefix,
                    source=source,
                    batch=batch,
                    row=claim.row,
                    column=claim.column[:60],
                    edited_child=edited_child,
                    occurrences=[occurrence],
                    typed_for=claim.typed_for,
                    id_number=claim.id_number,
                    id_number_index=claim.index,
                    child_name=claim.child_name[:60],
                    person_name=claim.person_name[:60],
                    birth_date=claim.birth_date,
                    village=claim.village,
                    held_child_id=claim.holder.child_id
                    if claim.holder.child_id in on_file
                    else None,
                    held_as=claim.holder.held_as,
                    held_village_id=claim.holder.village_id,
                    held_school_id=claim.holder.school_id,
                )
                pending[claim.index] = conflict
                count += 1
            else:
                conflict.occurrences = [*conflict.occurrences, occurrence]
                conflict.updated_at = now
                conflict.save(update_fields=["occurrences", "updated_at"])
            access_record(
                user=user,
                action=AccessEvent.Action.CONFLICT,
                target=f"conflict:{conflict.pk}",
                field=f"{claim.typed_for}.id_number",
                detail={
                    **{k: v for k, v in occurrence.items() if k != "at" and v not in (None, "")},
                    "id_number": mask_id_number(claim.id_number),
                    "attempts": conflict.attempts,
                },
            )
            if count > settings.CONFLICT_LIMIT:
                _alert(user=user, prefix=prefix, count=count, batch=batch)
                over = True
                break
    if over:
        raise ConflictLimitReached(_limit_message(batch))


def _alert(*, user: User, prefix: str, count: int, batch: ImportBatch | None) -> None:
    """Raise the user's alert for their county, or bring their open one up to date."""
    now = timezone.now()
    updated = ConflictAlert.objects.filter(user=user, acknowledged_at__isnull=True).update(
        conflicts=count, batch=batch, updated_at=now, area_prefix=prefix
    )
    if not updated:
        ConflictAlert.objects.create(
            user=user, area_prefix=prefix, conflicts=count, batch=batch, raised_at=now
        )


@transaction.atomic
def conflict_resolve(*, user: User, conflict_id: int, decision: str, note: str) -> IdentityConflict:
    """Close a held conflict (已核实并处理, or 驳回) with a note saying what was done."""
    conflict = conflict_get_for_user(user=user, conflict_id=conflict_id)
    if decision not in (State.RESOLVED, State.REJECTED):
        raise ApplicationError(_("请选择处理结果。"), field="decision")
    note = note.strip()
    if not note:
        raise ApplicationError(_("请填写处理说明。"), field="note")
    resolved = IdentityConflict.objects.filter(pk=conflict.pk, state=State.PENDING).update(
        state=decision, resolved_by=user, resolved_at=timezone.now(), resolution_note=note[:2000]
    )
    if not resolved:
        raise ApplicationError(_("这条身份冲突已经处理过了。"))
    conflict.refresh_from_db()
    return conflict


def conflicts_expire(*, older_than: timedelta) -> int:
    """Drop what conflicts resolved longer ago than `older_than` keep of the entry (the ID
    number and its index, the names, the birth date): retention must reach a child's data
    here too. Who typed it, when, where, what held it and the outcome stay. Returns how
    many conflicts lost something."""
    cutoff = timezone.now() - older_than
    return (
        IdentityConflict.objects.filter(resolved_at__lt=cutoff)
        .exclude(id_number_index="", child_name="", person_name="")
        .update(**_TYPED_CLEARED)
    )


# What an entry typed keeps of the person it names: cleared by retention (below, and when a
# child the entry points to is anonymised).
_TYPED_CLEARED = {
    "id_number": "",
    "id_number_index": "",
    "child_name": "",
    "person_name": "",
    "birth_date": None,
}


def conflicts_of_children_anonymise(child_ids: list[int]) -> None:
    """Children whose file was anonymised: the conflicts pointing at them (the file that
    held the number, or the one being edited) lose what was typed at once, since it most
    likely names the same child; one still waiting is closed, as there is nothing left to
    verify (the anonymised file holds no number any more). Who typed, when, where and the
    outcome stay."""
    about = IdentityConflict.objects.filter(
        Q(held_child_id__in=child_ids) | Q(edited_child_id__in=child_ids)
    )
    about.filter(state=State.PENDING).update(
        state=State.REJECTED,
        resolved_at=timezone.now(),
        resolution_note=_("儿童档案已按保留期限匿名化，无需再核实，自动关闭。"),
    )
    about.exclude(id_number_index="", child_name="", person_name="").update(**_TYPED_CLEARED)


def alert_acknowledge(*, user: User, alert_id: int) -> ConflictAlert:
    """The county admin has seen the alert: it leaves the home page."""
    alert = alert_get_for_user(user=user, alert_id=alert_id)
    ConflictAlert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
        acknowledged_by=user, acknowledged_at=timezone.now()
    )
    alert.refresh_from_db()
    return alert
