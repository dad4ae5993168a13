"""Scoped reads of held ID numbers: the county admin's page 身份冲突待核实.

A county admin sees the conflicts and alerts of the users who register children in their
county (the area an import batch is filed under, too); the system admin all of them;
anyone else none (404). Of the record holding a number, the page says where it is held
and whom to ask, and links the child only when the viewer may see them: never anything of
another county's child.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from guanai.accounts.models import User
from guanai.accounts.scope import scope_for
from guanai.areas.codes import code_at
from guanai.areas.models import Area
from guanai.children.selectors import children_visible_to
from guanai.conflicts.models import ConflictAlert, IdentityConflict
from guanai.core.crypto import mask_id_number


def may_resolve_conflicts(user: User) -> bool:
    """The system admin, and county admins for their counties (for the menu and the page)."""
    return scope_for(user).administers


def _filed_under_scope(user: User, rows: QuerySet) -> QuerySet:
    scope = scope_for(user)
    if scope.everything:
        return rows
    q = Q(pk__in=[])
    # area_prefix holds codes of any length: a prefix test, not a range.
    for prefix in sorted(scope.administered_prefixes):
        q |= Q(area_prefix__startswith=prefix)
    return rows.filter(q)


def conflicts_visible_to(user: User) -> QuerySet[IdentityConflict]:
    """The conflicts the user resolves: waiting ones first, newest first."""
    return _filed_under_scope(user, IdentityConflict.objects.all()).order_by(
        "state", "-created_at", "-id"
    )


def conflicts_pending_count(user: User) -> int:
    """How many conflicts wait for the user to resolve (0 for anyone who resolves none)."""
    if not may_resolve_conflicts(user):
        return 0
    return conflicts_visible_to(user).filter(state=IdentityConflict.State.PENDING).count()


def conflict_get_for_user(*, user: User, conflict_id: int) -> IdentityConflict:
    return get_object_or_404(conflicts_visible_to(user), pk=conflict_id)


def alerts_open_for(user: User) -> QuerySet[ConflictAlert]:
    """Alerts about the user's county not yet acknowledged, with their users."""
    if not may_resolve_conflicts(user):
        return ConflictAlert.objects.none()
    alerts = ConflictAlert.objects.filter(acknowledged_at__isnull=True)
    return _filed_under_scope(user, alerts).select_related("user", "batch").order_by("-updated_at")


def alert_get_for_user(*, user: User, alert_id: int) -> ConflictAlert:
    return get_object_or_404(alerts_open_for(user), pk=alert_id)


@dataclass(frozen=True)
class ConflictRow:
    conflict: IdentityConflict
    id_masked: str
    held_place: str  # the village (and school) holding the record
    held_county: str
    held_child_id: int | None  # set only when the viewer may see that child
    held_child_name: str


def _county_code(village_code: str) -> str:
    return code_at(village_code, "county")


def conflict_rows(viewer: User, conflicts: Iterable[IdentityConflict]) -> list[ConflictRow]:
    """What the page shows of these conflicts (selected with their places): the number
    masked; of the holding record its place and county, and the child only if the viewer
    may see them (one query each for the counties and the children)."""
    conflicts = list(conflicts)
    counties = dict(
        Area.objects.filter(
            code__in={_county_code(c.held_village_id) for c in conflicts}
        ).values_list("code", "name")
    )
    held_ids = {c.held_child_id for c in conflicts if c.held_child_id is not None}
    visible = dict(
        children_visible_to(viewer).filter(pk__in=held_ids).values_list("pk", "name")
        if held_ids
        else []
    )
    rows = []
    for conflict in conflicts:
        village = conflict.held_village
        township = village.parent.name if village.parent else ""
        place = f"{township} {village.short_name}".strip()
        if conflict.held_school is not None:
            place += f" · {conflict.held_school.name}"
        name = visible.get(conflict.held_child_id) if conflict.held_child_id else None
        rows.append(
            ConflictRow(
                conflict=conflict,
                id_masked=mask_id_number(conflict.id_number),
                held_place=place,
                held_county=counties.get(_county_code(village.code), _("未知")),
                held_child_id=conflict.held_child_id if name is not None else None,
                held_child_name=name or "",
            )
        )
    return rows
