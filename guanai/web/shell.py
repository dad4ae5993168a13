"""The shell's own menu entry and home panel: the home page, and the user's roles and where
they hold them."""

from typing import Any

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from guanai.accounts.models import User
from guanai.accounts.scope import scope_for
from guanai.areas.selectors import area_roots_for_user, areas_visible_to, schools_visible_to
from guanai.web import home, menu


def _my_scope(user: User) -> dict[str, Any]:
    scope = scope_for(user)
    # The areas a user oversees are worth counting for those who hold children by area;
    # a teacher's township is only where their school stands, and their school says more.
    # A helper's login has its village only for the children paired with it.
    by_area = scope.everything or any(
        g.area_prefix and g.paired_with is None for g in scope.child_grants
    )
    level_counts = (
        dict(
            areas_visible_to(user)
            .values_list("level")
            .annotate(n=Count("code"))
            .values_list("level", "n")
        )
        if by_area
        else {}
    )
    return {
        "memberships": scope.memberships,
        "by_area": by_area,
        "my_schools": [m.school for m in scope.memberships if m.school is not None],
        "roots": area_roots_for_user(user)[:50] if by_area else [],
        "level_counts": level_counts,
        "school_count": schools_visible_to(user).count() if by_area else 0,
    }


menu.register(menu.MenuEntry("web:home", _("工作台"), "bi-house", order=0, visible=menu.everyone))
home.register(home.HomePanel("my_scope", "web/partials/my_scope.html", order=30, context=_my_scope))
