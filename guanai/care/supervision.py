"""The township supervisors' log (督导日志): their visits to the villages and schools of their
township, seen by them and by their county. Reads are scoped here; writes check the same
rules for every way in."""

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from guanai.accounts.models import User
from guanai.accounts.scope import prefix_q, scope_for
from guanai.areas.codes import code_of, prefix_at
from guanai.areas.models import Area, AreaLevel, School
from guanai.care.models import SupervisionVisit
from guanai.care.selectors import role_prefixes
from guanai.care.services import RecordInvalid

# Who writes the log: the township supervisors, for their townships.
WRITING_ROLES = frozenset({"township_supervisor"})
# Who reads it: they, and the county above them.
READING_ROLES = frozenset(
    {"system_admin", "county_admin", "county_education", "township_supervisor"}
)
# A visit may be corrected by its author for this long.
CORRECTION_DAYS = 7
FIELDS = ("visited_on", "checked", "findings", "follow_up", "follow_up_by")


def may_read(user: User) -> bool:
    return any(m.role.code in READING_ROLES for m in scope_for(user).memberships)


def may_write(user: User) -> bool:
    return any(m.role.code in WRITING_ROLES for m in scope_for(user).memberships)


def visits_visible_to(user: User) -> QuerySet[SupervisionVisit]:
    """The visits to places of the user's areas, if they read the log; 404 for anyone else."""
    if not may_read(user):
        raise Http404
    visits = SupervisionVisit.objects.select_related("township", "village", "school", "by")
    prefixes = role_prefixes(user, READING_ROLES)
    return visits if prefixes is None else visits.filter(prefix_q("township_id", prefixes))


def visit_get_for_user(user: User, visit_id: int) -> SupervisionVisit:
    visit = visits_visible_to(user).filter(pk=visit_id).first()
    if visit is None:
        raise Http404
    return visit


def townships_written_by(user: User) -> QuerySet[Area]:
    """The townships whose places the user logs visits to."""
    prefixes = role_prefixes(user, WRITING_ROLES) or frozenset()
    return Area.objects.filter(level=AreaLevel.TOWNSHIP).filter(prefix_q("code", prefixes))


def places_for(user: User) -> tuple[QuerySet[Area], QuerySet[School]]:
    """The villages and schools the user may log a visit to."""
    townships = townships_written_by(user)
    prefixes = frozenset(t.prefix for t in townships)
    villages = Area.objects.filter(level=AreaLevel.VILLAGE).filter(prefix_q("code", prefixes))
    schools = School.objects.filter(area__in=townships)
    return villages.order_by("code"), schools.order_by("name")


def correctable(visit: SupervisionVisit, user: User) -> bool:
    return visit.by_id == user.pk and timezone.now() < visit.created_at + timedelta(
        days=CORRECTION_DAYS
    )


def visit_violations(values: Mapping[str, Any], today: date) -> dict[str, str]:
    errors: dict[str, str] = {}
    visited = values.get("visited_on")
    if not isinstance(visited, date):
        errors["visited_on"] = _("请填写日期。")
    elif visited > today:
        errors["visited_on"] = _("日期不能晚于今天。")
    if not (values.get("checked") or "").strip():
        errors["checked"] = _("请写明督导了什么。")
    by = values.get("follow_up_by")
    if by is not None:
        if not (values.get("follow_up") or "").strip():
            errors["follow_up"] = _("填写了整改期限，请写明整改要求。")
        if isinstance(visited, date) and by < visited:
            errors["follow_up_by"] = _("整改期限不能早于督导日期。")
    return errors


def _place(user: User, place: str) -> tuple[Area, Area | None, School | None]:
    """The township, village and school a place value names ("v:CODE" or "s:ID"), among
    the user's; 404 for any other."""
    villages, schools = places_for(user)
    kind, _sep, ident = place.partition(":")
    if kind == "v":
        village = villages.filter(code=ident).first()
        if village is not None:
            return (
                Area.objects.get(code=code_of(prefix_at(village.code, "township"))),
                village,
                None,
            )
    elif kind == "s" and ident.isdigit():
        school = schools.filter(pk=int(ident)).select_related("area").first()
        if school is not None:
            return school.area, None, school
    raise RecordInvalid({"place": _("请选择本乡镇的村(社区)或学校。")})


@transaction.atomic
def visit_save(
    *, user: User, place: str, values: Mapping[str, Any], visit_id: int | None = None
) -> SupervisionVisit:
    """Log a visit (or correct one: its author, within 7 days)."""
    if not may_write(user):
        raise Http404
    if visit_id is not None:
        visit = visit_get_for_user(user, visit_id)
        if not correctable(visit, user):
            raise Http404
    else:
        visit = SupervisionVisit(by=user)
    data = {f: values.get(f) for f in FIELDS}
    for text in ("checked", "findings", "follow_up"):
        data[text] = (data[text] or "").strip()
    errors = visit_violations(data, timezone.localdate())
    if errors:
        raise RecordInvalid(errors)
    visit.township, visit.village, visit.school = _place(user, place)
    for field, value in data.items():
        setattr(visit, field, value)
    visit.save()
    return visit


def visits_filter(visits: QuerySet[SupervisionVisit], place: str) -> QuerySet[SupervisionVisit]:
    """A place's visits ("t:CODE", "v:CODE" or "s:ID"); all for anything else."""
    kind, _sep, ident = place.partition(":")
    if kind == "t":
        return visits.filter(township_id=ident)
    if kind == "v":
        return visits.filter(village_id=ident)
    if kind == "s" and ident.isdigit():
        return visits.filter(school_id=int(ident))
    return visits.filter(Q())
