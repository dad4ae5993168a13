"""The access log's entry in the menu, for those who may search it."""

from django.utils.translation import gettext_lazy as _

from guanai.audit.selectors import may_search_access_log
from guanai.web import menu

menu.register(
    menu.MenuEntry(
        "audit:access_log",
        _("访问日志"),
        "bi-journal-text",
        order=60,
        visible=lambda user, _scope: may_search_access_log(user),
    )
)
