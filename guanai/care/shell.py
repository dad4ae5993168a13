"""The care work in the shell: My tasks (我的待办) and the supervisors' overview in the menu,
and what is due on the home page."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from guanai.accounts.models import User
from guanai.accounts.scope import Scope
from guanai.care.selectors import HELPER_ROLES, SUPERVISING_ROLES, has_tasks, my_tasks
from guanai.web import home, menu


def _supervises(_user: User, scope: Scope) -> bool:
    return any(m.role.code in SUPERVISING_ROLES for m in scope.memberships)


def _home(user: User) -> dict[str, Any] | None:
    if not has_tasks(user):
        return None
    return {"tasks": my_tasks(user)}


menu.register(
    menu.MenuEntry(
        "care:my_tasks",
        _("我的待办"),
        "bi-list-check",
        order=5,
        visible=lambda user, _scope: has_tasks(user),
    )
)
menu.register(
    menu.MenuEntry(
        "care:overview",
        _("关爱督导"),
        "bi-clipboard-data",
        order=30,
        visible=_supervises,
        active_prefix="care:overview",
    )
)
home.register(home.HomePanel("care", "care/partials/home.html", order=10, context=_home))


def _keeps_helpers(_user: User, scope: Scope) -> bool:
    return any(m.role.code in HELPER_ROLES for m in scope.memberships)


menu.register(
    menu.MenuEntry(
        "care:helper_list",
        _("帮扶人"),
        "bi-people",
        order=40,
        visible=_keeps_helpers,
        active_prefix="care:helper",
    )
)
