"""Scoped reads of areas and schools. Views, exports and reports use only these."""

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from guanai.accounts.models import User
from guanai.accounts.scope import area_q, managed_school_q, prefix_q, school_q, scope_for
from guanai.areas.codes import ancestor_codes, code_of
from guanai.areas.models import Area, AreaLevel, School


def areas_visible_to(user: User) -> QuerySet[Area]:
    q = area_q(scope_for(user))
    areas = Area.objects.all()
    return areas if q is None else areas.filter(q)


def is_area_code(code: str) -> bool:
    """Twelve ASCII digits: anything else names no area (and is better not queried for)."""
    return len(code) == 12 and code.isascii() and code.isdigit()


def area_get_for_user(*, user: User, code: str) -> Area:
    """The area with this code if the user may see it; 404 otherwise (no oracle)."""
    if not is_area_code(code):
        raise Http404
    return get_object_or_404(areas_visible_to(user).select_related("parent"), code=code)


def area_roots_for_user(user: User) -> QuerySet[Area]:
    """The topmost areas of the user's scope: where browsing starts."""
    scope = scope_for(user)
    if scope.everything:
        return Area.objects.filter(parent__isnull=True)
    prefixes = scope.area_prefixes | scope.school_area_prefixes
    # Keep only prefixes not inside another one of the user's prefixes.
    roots = [p for p in prefixes if not any(p != o and p.startswith(o) for o in prefixes)]
    return Area.objects.filter(code__in=[code_of(p) for p in roots])


def area_ancestors(area: Area) -> list[Area]:
    """The areas above this one, from the top down (names for breadcrumbs)."""
    codes = ancestor_codes(area.code, len(area.prefix))
    return list(Area.objects.filter(code__in=codes).exclude(code=area.code).order_by("code"))


def schools_visible_to(user: User) -> QuerySet[School]:
    q = school_q(scope_for(user))
    schools = School.objects.select_related("area")
    return schools if q is None else schools.filter(q)


def school_get_for_user(*, user: User, school_id: int) -> School:
    return get_object_or_404(schools_visible_to(user), pk=school_id)


def schools_manageable_by(user: User) -> QuerySet[School]:
    q = managed_school_q(scope_for(user))
    schools = School.objects.select_related("area")
    return schools if q is None else schools.filter(q)


def school_get_for_manager(*, user: User, school_id: int) -> School:
    """A school the user may edit; 404 if they may not even see it."""
    school = school_get_for_user(user=user, school_id=school_id)
    if not schools_manageable_by(user).filter(pk=school.pk).exists():
        raise Http404
    return school


def townships_for_school_management(user: User) -> QuerySet[Area]:
    """Townships where the user may place a school."""
    scope = scope_for(user)
    townships = Area.objects.filter(level=AreaLevel.TOWNSHIP)
    if scope.everything:
        return townships
    return townships.filter(prefix_q("code", scope.school_manage_prefixes))
