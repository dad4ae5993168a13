"""The conflicts' entries in the shell: the list in the menu, and on the home page the ID
numbers waiting to be verified and the open alerts, for those who resolve them."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from guanai.accounts.models import User
from guanai.conflicts.selectors import (
    alerts_open_for,
    conflicts_pending_count,
    may_resolve_conflicts,
)
from guanai.web import home, menu


def _alerts(user: User) -> dict[str, Any] | None:
    if not may_resolve_conflicts(user):
        return None
    return {
        "home": True,
        "alerts": list(alerts_open_for(user)[:20]),
        "conflicts_pending": conflicts_pending_count(user),
    }


menu.register(
    menu.MenuEntry(
        "conflicts:conflict_list",
        _("身份冲突"),
        "bi-person-exclamation",
        order=70,
        visible=lambda user, _scope: may_resolve_conflicts(user),
        active_prefix="conflicts:",
    )
)
home.register(
    home.HomePanel("conflicts", "conflicts/partials/alerts.html", order=10, context=_alerts)
)
