"""The retention periods' entry in the menu, for those who set them."""

from django.utils.translation import gettext_lazy as _

from guanai.retention.selectors import manages_retention
from guanai.web import menu

menu.register(
    menu.MenuEntry(
        "retention:policy_list",
        _("保留期限"),
        "bi-hourglass-split",
        order=80,
        visible=lambda _user, scope: manages_retention(scope),
        active_prefix="retention:",
    )
)
