from typing import Any

from django.http import HttpRequest

from guanai.accounts.scope import scope_for
from guanai.web.menu import menu_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The menu for the user's roles, and their scope for the header."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_for(user)
    current = request.resolver_match.view_name if request.resolver_match else ""
    return {"nav_items": menu_for(user, scope, current_view=current), "user_scope": scope}
