from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanai.accounts.scope import ChildAccess, scope_for
from guanai.audit.selectors import may_search_access_log
from guanai.conflicts.selectors import may_resolve_conflicts
from guanai.retention.selectors import manages_retention


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The menu for the user's roles and a one-line description of their scope."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_for(user)
    # (url name, label, icon, prefix of the view names that highlight the item)
    items = [("core:home", _("工作台"), "bi-house", "core:home")]
    child_access = scope.child_access()
    if ChildAccess.VIEW in child_access:
        items.append(("children:child_list", _("儿童名册"), "bi-person-vcard", "children:child_"))
    if ChildAccess.REVIEW in child_access:
        items.append(("children:review_list", _("待审核"), "bi-check2-square", "children:review"))
    if not scope.is_empty:
        items.append(("areas:area_list", _("地区"), "bi-geo-alt", "areas:area"))
        items.append(("areas:school_list", _("学校"), "bi-building", "areas:school"))
    if scope.manages_users:
        items.append(("accounts:user_list", _("用户管理"), "bi-people", "accounts:user"))
    if may_search_access_log(user):
        items.append(("audit:access_log", _("访问日志"), "bi-journal-text", "audit:access_log"))
    if may_resolve_conflicts(user):
        items.append(
            ("conflicts:conflict_list", _("身份冲突"), "bi-person-exclamation", "conflicts:")
        )
    if manages_retention(scope):
        items.append(("retention:policy_list", _("保留期限"), "bi-hourglass-split", "retention:"))
    items.append(("accounts:my_account", _("我的账号"), "bi-person-circle", "accounts:my_"))
    current = request.resolver_match.view_name if request.resolver_match else ""
    nav = [
        {"url": reverse(name), "label": label, "icon": icon, "active": current.startswith(match)}
        for name, label, icon, match in items
    ]
    return {"nav_items": nav, "user_scope": scope}
