"""The areas' entries in the menu: every user with a role somewhere sees their places."""

from django.utils.translation import gettext_lazy as _

from guanai.web import menu

menu.register(
    menu.MenuEntry(
        "areas:area_list",
        _("地区"),
        "bi-geo-alt",
        order=30,
        visible=lambda _user, scope: not scope.is_empty,
        active_prefix="areas:area",
    )
)
menu.register(
    menu.MenuEntry(
        "areas:school_list",
        _("学校"),
        "bi-building",
        order=40,
        visible=lambda _user, scope: not scope.is_empty,
        active_prefix="areas:school",
    )
)
