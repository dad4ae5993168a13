"""Scoped reads of the access log: the county admin's search (访问日志) and its export.

A county admin sees the entries of their county: those made by anyone while they held a
membership there (at an area or a school in it), and those about a child who lives there,
whoever made them. The system admin sees every entry; anyone else, none (404).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from guanai.accounts.models import Membership, User
from guanai.accounts.scope import prefix_q, scope_for
from guanai.audit.models import AccessEvent
from guanai.children.models import Child, Person
from guanai.children.selectors import (
    child_search,
    children_in_areas,
    children_visible_to,
    looks_like_id_number,
)


def may_search_access_log(user: User) -> bool:
    """The system admin, and county admins (for the menu; no query beyond the scope's)."""
    return scope_for(user).administers


def access_events_visible_to(user: User) -> QuerySet[AccessEvent]:
    """The entries of the user's counties (all for the system admin), newest first."""
    scope = scope_for(user)
    events = AccessEvent.objects.order_by("-at", "-id")
    if scope.everything:
        return events
    prefixes = scope.administered_prefixes
    if not prefixes:
        return events.none()
    # A membership there when the entry was made: what a user did under a role since
    # revoked stays in the county's log, and a role granted later does not bring along
    # what they did before, elsewhere.
    held_then = Membership.all_objects.filter(
        prefix_q("area__code", prefixes) | prefix_q("school__area__code", prefixes),
        Q(revoked_at__isnull=True) | Q(revoked_at__gt=OuterRef("at")),
        user=OuterRef("user_id"),
        granted_at__lte=OuterRef("at"),
    )
    # Anonymised children included: their entries stay in their county's log.
    children = children_in_areas(prefixes).values("pk")
    # An entry about a child belongs to the child's county, whoever made it; the county's
    # users' other entries (exports, log exports) to the county. A user who also works in
    # another county does not bring the entries about that county's children along.
    return events.filter(Q(child_id__in=children) | (Exists(held_then) & Q(child_id__isnull=True)))


def access_log_required(user: User) -> None:
    """404 for everyone who may not search the access log."""
    if not may_search_access_log(user):
        raise Http404


@dataclass(frozen=True)
class AccessLogFilter:
    date_from: date | None = None
    date_to: date | None = None
    user: str = ""  # the user's name or username contains this
    action: str = ""
    child: str = ""  # the child's name, as the children's search reads it
    reason: str = ""  # the reason contains this


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def access_log_filter(
    viewer: User, events: QuerySet[AccessEvent], f: AccessLogFilter
) -> QuerySet[AccessEvent]:
    """The filtered entries. Text filters are parameters of LIKE lookups, whose wildcards
    Django escapes: "%" finds a percent sign, not everything."""
    if f.date_from:
        events = events.filter(at__gte=_day_start(f.date_from))
    if f.date_to:
        events = events.filter(at__lt=_day_start(f.date_to + timedelta(days=1)))
    if f.action:
        events = events.filter(action=f.action)
    if f.user:
        users = User.objects.filter(
            Q(full_name__icontains=f.user) | Q(username__icontains=f.user)
        ).values("pk")
        events = events.filter(user_id__in=users)
    if f.child:
        # Only among the children the viewer may see, and never by ID number.
        if looks_like_id_number(f.child):
            return events.none()
        children = child_search(children_visible_to(viewer), f.child).values("pk")
        events = events.filter(child_id__in=children)
    if f.reason:
        events = events.filter(reason__icontains=f.reason)
    return events


@dataclass(frozen=True)
class AccessRow:
    at: datetime
    user: str
    username: str
    action: str
    action_label: str
    child_id: int | None  # set only when the viewer may see the child
    child_name: str
    target_label: str  # what was touched when it is not a child, or not one they may see
    field_label: str
    reason: str
    ip_address: str
    rows: int | None  # for exports: how many rows went out


def _verbose_name(model: type[Child] | type[Person], name: str) -> str:
    return str(getattr(model._meta.get_field(name), "verbose_name", name))


def _part_labels() -> dict[str, str]:
    """What an entry's `field` names when it is a part of a page, not a person's field."""
    return {
        "form": _("修改表单"),
        "complete": _("补充资料表单"),
        "photo": _("照片"),
        "check_report": _("检查结果"),
        "faulty_rows": _("有错误的行"),
        "download": _("下载"),
    }


def _field_label(field: str) -> str:
    """The label of a logged field: "father.id_number" → "父亲 · 身份证号码"."""
    if field in (parts := _part_labels()):
        return parts[field]
    subject, _sep, name = field.partition(".")
    try:
        if subject == "child":
            return _verbose_name(Child, name)
        return f"{_verbose_name(Child, subject)} · {_verbose_name(Person, name)}"
    except FieldDoesNotExist:
        return field


def _target_label(target: str) -> str:
    labels = {"roster": _("花名册"), "access_log": _("访问日志")}
    if target.startswith("child:"):
        return _("无权查看或已删除的儿童")
    if target.startswith("conflict:"):
        return _("身份冲突待核实")
    kind, _sep, ident = target.partition(":")
    if kind == "import_batch":
        return _("花名册导入 #%(id)s") % {"id": ident}
    if kind == "export":  # a download of an export's file (guanai/exports)
        return _("导出文件 #%(id)s") % {"id": ident}
    return labels.get(target, target)


def access_log_rows(viewer: User, events: list[AccessEvent]) -> list[AccessRow]:
    """What the log shows of these entries (their users selected with them): the child's
    name only if the viewer may see the child, found in one query."""
    child_ids = {e.child_id for e in events if e.child_id is not None}
    names = dict(
        children_visible_to(viewer).filter(pk__in=child_ids).values_list("pk", "name")
        if child_ids
        else []
    )
    actions = dict(AccessEvent.Action.choices)
    rows = []
    for event in events:
        name = names.get(event.child_id) if event.child_id is not None else None
        rows_out = event.detail.get("rows") if isinstance(event.detail, dict) else None
        rows.append(
            AccessRow(
                at=event.at,
                user=str(event.user),
                username=event.user.username,
                action=event.action,
                action_label=str(actions.get(event.action, event.action)),
                child_id=event.child_id if name is not None else None,
                child_name=name or "",
                target_label="" if name is not None else _target_label(event.target),
                field_label=_field_label(event.field) if event.field else "",
                reason=event.reason,
                ip_address=event.ip_address or "",
                rows=rows_out if isinstance(rows_out, int) else None,
            )
        )
    return rows
