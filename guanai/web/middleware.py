from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from guanai.accounts.twofactor import login_step_due


class LoginStepsMiddleware:
    """Until the steps of login_step_due are done, a user may reach only the page of the
    step due (and log out, or switch language). Otherwise whoever knows a password could
    skip the second factor, or go on using an initial or expired password."""

    always_allowed = frozenset({"accounts:logout", "set_language"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: object, args: object, kwargs: object
    ) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated:
            return None
        match = request.resolver_match
        view_name = match.view_name if match is not None else ""
        if view_name in self.always_allowed:
            return None
        step = login_step_due(user)
        if step is None or step == view_name:
            return None
        response = redirect(step)
        if getattr(request, "htmx", False):
            response["HX-Redirect"] = response["Location"]
        return response
