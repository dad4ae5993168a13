"""The pages for 400, 403, 404, 429 and 500: the site's layout, the user's language, a
way back home, and nothing about what went wrong inside.

Django's own pages are bare English and some echo the path or the exception's text. Ours
say the same thing for every error of a kind, so a 404 for a child outside the user's
scope reads exactly like one for a child that does not exist, and a 500 shows no
traceback whatever DEBUG says to the template (the exception goes to the server log).
"""

import logging

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger(__name__)


def _titles() -> dict[int, tuple[str, str]]:
    """(title, what to tell the user) for each status."""
    return {
        400: (_("请求有误"), _("这个请求无法处理。请返回上一页，检查后再试。")),
        403: (_("无权操作"), _("您没有进行这项操作的权限。")),
        404: (_("页面不存在"), _("找不到这个页面：它可能已被删除，或不在您的管辖范围内。")),
        429: (_("操作太频繁"), _("操作太频繁，请稍后再试。")),
        500: (
            _("系统出错了"),
            _("服务器处理这个请求时出错，错误已记录。请稍后再试；一直出错请联系县级管理员。"),
        ),
    }


def error_page(request: HttpRequest, status: int, message: str = "") -> HttpResponse:
    """The error page for `status`, with `message` in place of the usual explanation.

    An htmx request gets the message alone, to show where its answer would have gone.
    Rendering must not fail in turn (the error may be a database gone away): without the
    request (no menu, no user) if the page cannot be drawn with it, as text as a last resort.
    """
    title, usual = _titles()[status]
    context = {"status": status, "title": title, "message": message or usual}
    # No menu entry is "current" on an error page: the page is the same whatever URL led there.
    request.resolver_match = None
    template = "core/partials/error.html" if getattr(request, "htmx", False) else "core/error.html"
    try:
        body = render_to_string(template, context, request)
    except Exception:
        logger.exception("error page %s drawn without the request", status)
        try:
            body = render_to_string(template, context)
        except Exception:
            logger.exception("error page %s drawn as text", status)
            return HttpResponse(
                f"{title}\n{context['message']}\n", status=status, content_type="text/plain"
            )
    return HttpResponse(body, status=status)


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_page(request, 400)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_page(request, 403)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_page(request, 404)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    return error_page(request, 500)


@requires_csrf_token
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form without its token, or one kept open across a login: say what to do."""
    return error_page(request, 403, _("页面已过期，请返回上一页，刷新后再提交一次。"))
