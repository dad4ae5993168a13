from django.contrib.auth.decorators import login_not_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from guanai.accounts.scope import scope_for
from guanai.areas.selectors import area_roots_for_user, areas_visible_to, schools_visible_to
from guanai.children.home import children_home
from guanai.conflicts.selectors import alerts_open_for, conflicts_pending_count
from guanai.core.types import AuthedRequest


@require_GET
def home(request: AuthedRequest) -> HttpResponse:
    scope = scope_for(request.user)
    # The areas a user oversees are worth counting for those who hold children by area;
    # a teacher's township is only where their school stands, and their school says more.
    by_area = scope.everything or any(g.area_prefix for g in scope.child_grants)
    level_counts = (
        dict(
            areas_visible_to(request.user)
            .values_list("level")
            .annotate(n=Count("code"))
            .values_list("level", "n")
        )
        if by_area
        else {}
    )
    return render(
        request,
        "core/home.html",
        {
            **children_home(request.user, on=timezone.localdate()),
            "memberships": scope.memberships,
            "by_area": by_area,
            "my_schools": [m.school for m in scope.memberships if m.school is not None],
            "roots": area_roots_for_user(request.user)[:50] if by_area else [],
            "level_counts": level_counts,
            "school_count": schools_visible_to(request.user).count() if by_area else 0,
            "alerts": list(alerts_open_for(request.user)[:20]),
            "conflicts_pending": conflicts_pending_count(request.user),
        },
    )


@login_not_required
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})
