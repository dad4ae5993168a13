"""The care work in the shell: My tasks (我的待办) and the supervisors' overview in the menu,
and what is due on the home page."""

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanai.accounts.models import User
from guanai.accounts.scope import Scope
from guanai.care import supervision
from guanai.care.selectors import HELPER_ROLES, SUPERVISING_ROLES, has_tasks, my_tasks, timeline
from guanai.children import sections
from guanai.children.models import Child
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
        order=25,
        visible=_supervises,
        active_prefix="care:overview",
    )
)
home.register(home.HomePanel("care", "care/partials/home.html", order=10, context=_home))


def _timeline(request: HttpRequest, child: Child, whole_file: bool) -> dict[str, Any]:
    return timeline(request.user, child, whole_file=whole_file, today=timezone.localdate())  # type: ignore[arg-type]


# The care records in place on the child's file (关爱记录), with the plan's due dates,
# who is responsible and the pairings.
sections.register(sections.FileSection("care", "care/partials/timeline.html", 10, _timeline))


def _keeps_helpers(_user: User, scope: Scope) -> bool:
    return any(m.role.code in HELPER_ROLES for m in scope.memberships)


menu.register(
    menu.MenuEntry(
        "care:helper_list",
        _("帮扶人"),
        "bi-person-heart",
        order=26,
        visible=_keeps_helpers,
        active_prefix="care:helper",
    )
)


def _reads_supervision(_user: User, scope: Scope) -> bool:
    return any(m.role.code in supervision.READING_ROLES for m in scope.memberships)


menu.register(
    menu.MenuEntry(
        "care:supervision_list",
        _("督导日志"),
        "bi-journal-check",
        order=27,
        visible=_reads_supervision,
        active_prefix="care:supervision",
    )
)
