import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from guanai.core.error_views import error_page

_LAST_SEEN = "guanai_last_seen"
# Writing the session on every request would cost a database write per click;
# refreshing the timestamp once a minute is precise enough for a 15-minute limit.
_REFRESH_SECONDS = 60


class IdleTimeoutMiddleware:
    """Log out a user who has done nothing for SESSION_IDLE_TIMEOUT."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            last_seen = request.session.get(_LAST_SEEN)
            limit = settings.SESSION_IDLE_TIMEOUT.total_seconds()
            if last_seen is not None and now - last_seen > limit:
                # Read by the audit log's logout receiver, to record a timeout.
                request.idle_timeout = True  # type: ignore[attr-defined]
                logout(request)
                minutes = round(limit / 60)
                messages.info(
                    request,
                    ngettext(
                        "您已超过 %(minutes)s 分钟未操作，为保护儿童信息已自动退出，请重新登录。",
                        "您已超过 %(minutes)s 分钟未操作，为保护儿童信息已自动退出，请重新登录。",
                        minutes,
                    )
                    % {"minutes": minutes},
                )
                response = redirect(settings.LOGIN_URL)
                if getattr(request, "htmx", False):
                    response["HX-Redirect"] = response["Location"]
                return response
            if last_seen is None or now - last_seen > _REFRESH_SECONDS:
                request.session[_LAST_SEEN] = now
        return self.get_response(request)


class LanguageMiddleware:
    """Chinese unless the user chose otherwise with the language switch.

    Django's LocaleMiddleware would follow the browser's Accept-Language, and an
    English-language browser in a county office would then show English to people
    who never asked for it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class NulCharacterMiddleware:
    """Answer 400 to a NUL character anywhere in the path, the query or a posted form.

    No one types one; PostgreSQL refuses it in text columns, so it would otherwise reach
    a query or the access log as a server error in whichever view it was sent to.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or _has_nul(request.GET):
            return error_page(request, 400, _("请求中含有无效字符。"))
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: object, args: object, kwargs: object
    ) -> HttpResponse | None:
        # Read the form only here, after the CSRF check (a multipart upload is parsed once).
        if request.method == "POST" and _has_nul(request.POST):
            return error_page(request, 400, _("请求中含有无效字符。"))
        return None


def _has_nul(data: QueryDict) -> bool:
    return any("\x00" in key or any("\x00" in v for v in data.getlist(key)) for key in data)
