"""The areas' entries in the menu: every user with a role somewhere sees their places."""

from django.utils.translation import gettext_lazy as _

from guanai.accounts.models import User
from guanai.accounts.scope import Scope
from guanai.web import menu


def _holds_a_place(_user: User, scope: Scope) -> bool:
    return not scope.is_empty


# URL name, label, icon, place in the menu, and the views it is highlighted on.
for url_name, label, icon, order, section in (
    ("areas:area_list", _("地区"), "bi-geo-alt", 30, "areas:area"),
    ("areas:school_list", _("学校"), "bi-building", 40, "areas:school"),
):
    menu.register(
        menu.MenuEntry(
            url_name, label, icon, order=order, visible=_holds_a_place, active_prefix=section
        )
    )
