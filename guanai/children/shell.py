"""The children's entries in the shell: the roster and the review queue in the menu, and
what the user has of children on the home page."""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanai.accounts.models import User
from guanai.accounts.scope import ChildAccess
from guanai.children.home import children_home
from guanai.web import home, menu


def _home(user: User) -> dict[str, Any]:
    return children_home(user, on=timezone.localdate())


menu.register(
    menu.MenuEntry(
        "children:child_list",
        _("儿童名册"),
        "bi-person-vcard",
        order=10,
        visible=lambda _user, scope: ChildAccess.VIEW in scope.child_access(),
        active_prefix="children:child_",
    )
)
menu.register(
    menu.MenuEntry(
        "children:review_list",
        _("待审核"),
        "bi-check2-square",
        order=20,
        visible=lambda _user, scope: ChildAccess.REVIEW in scope.child_access(),
        active_prefix="children:review",
    )
)
home.register(
    home.HomePanel(
        "children",
        "children/partials/home.html",
        order=20,
        context=_home,
        stylesheets=("children/lists.css",),
    )
)
