"""Error pages (400, 403, 404, 429, 500) with DEBUG off: the site's layout, Chinese (English
when chosen), a way back home, no traceback, and nothing that tells one 404 from another."""

import re

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from guanai.accounts.models import User
from guanai.core.tests.urls_failing import SECRET_IN_THE_ERROR

HOME = reverse("web:home")
TITLES = {
    400: ("请求有误", "Bad request"),
    403: ("无权操作", "Not allowed"),
    404: ("页面不存在", "Page not found"),
    429: ("操作太频繁", "Too many requests"),
    500: ("系统出错了", "Something went wrong"),
}
LEAKS = ("Traceback", 'File "', "RuntimeError", "Resolver404", "Http404", "/work/", ".py")


def client(user: User | None, *, english: bool = False, **options: bool) -> Client:
    visitor = Client(**options)
    if user is not None:
        visitor.force_login(user)
    if english:
        visitor.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return visitor


def cause(status: int, visitor: Client):
    """Make the site answer `status` to this visitor, the way real visitors meet it."""
    if status == 400:
        return visitor.get(HOME, HTTP_HOST="attacker.example")  # a host not allowed
    if status == 403:
        return visitor.post(reverse("accounts:logout"))  # no CSRF token
    if status == 404:
        return visitor.get("/no/such/page/")
    if status == 429:
        with override_settings(RATE_LIMITS={**settings.RATE_LIMITS, "login": (1, 600)}):
            login = reverse("accounts:login")
            visitor.post(login, {"username": "x", "password": "y"})
            return visitor.post(login, {"username": "x", "password": "y"})
    return visitor.get("/failing/")


def check_error_page(response, status: int, *, english: bool, logged_in: bool) -> str:
    page = response.content.decode()
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert f'lang="{"en" if english else "zh-hans"}"' in page
    assert f'data-testid="error-page" data-status="{status}"' in page
    assert TITLES[status][1 if english else 0] in page
    assert re.search(r'<a [^>]*href="/"[^>]*data-testid="error-home"', page)
    assert ("Back to the home page" if english else "返回首页") in page
    assert "vendor/bootstrap/bootstrap.min.css" in page  # the site's layout
    assert ('data-testid="main-nav"' in page) == logged_in  # with the menu when logged in
    for leak in (*LEAKS, SECRET_IN_THE_ERROR):
        assert leak not in page, leak
    return page


@pytest.mark.urls("guanai.core.tests.urls_failing")
@pytest.mark.parametrize("status", sorted(TITLES))
@pytest.mark.parametrize("english", [False, True], ids=["zh", "en"])
@pytest.mark.parametrize("who", ["anonymous", "village_director"])
def test_every_error_page_has_the_layout_the_language_and_a_way_home(
    status, english, who, cast, settings
):
    assert settings.DEBUG is False
    user = None if who == "anonymous" else cast[who]
    # A 403 needs the CSRF check on; the 500 must reach the handler, not the test.
    visitor = client(
        user, english=english, enforce_csrf_checks=status == 403, raise_request_exception=False
    )
    response = cause(status, visitor)
    # A host not allowed is refused before the session is read: that page has no menu.
    logged_in = user is not None and status != 400
    check_error_page(response, status, english=english, logged_in=logged_in)


def test_the_429_page_says_how_long_to_wait(cast, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "lookup": (1, 3600)}
    visitor = client(cast["village_director"])
    visitor.post(reverse("children:child_find"), {"id_number": "x"})
    response = visitor.post(reverse("children:child_find"), {"id_number": "x"})
    page = check_error_page(response, 429, english=False, logged_in=True)
    assert re.search(r"请\d+分钟后再试", page)
    assert int(response["Retry-After"]) > 0


def test_a_nul_character_gets_the_400_page_with_its_reason(cast):
    response = client(cast["village_director"]).get("/areas/%00/")
    # Refused before the session is read, so without the menu.
    page = check_error_page(response, 400, english=False, logged_in=False)
    assert "请求中含有无效字符。" in page


def test_a_refused_form_says_to_reload_the_page(cast):
    response = client(cast["village_director"], enforce_csrf_checks=True).post(
        reverse("accounts:logout")
    )
    page = check_error_page(response, 403, english=False, logged_in=True)
    assert "页面已过期" in page
    assert "CSRF verification" not in page  # Django's own page


def normalised(response, path: str) -> str:
    """The page without what differs on every page: the CSRF token (masked afresh each
    time) and the page's own address (the language switch returns to it)."""
    page = response.content.decode().replace(path, "PATH")
    return re.sub(r"[A-Za-z0-9]{64}", "TOKEN", page)


def test_a_404_for_something_out_of_scope_reads_exactly_as_any_other(
    cast, places, kids, client_for
):
    director = client_for(cast["village_director"])
    missing_id = max(kids.other_county.pk, kids.sibling_village.pk) + 1000
    paths = [
        reverse("children:child_detail", args=[kids.other_county.pk]),  # another county
        reverse("children:child_detail", args=[kids.sibling_village.pk]),  # next village
        reverse("children:child_detail", args=[missing_id]),  # nobody
        reverse("areas:area_detail", args=[places.other_county_village.code]),
        reverse("areas:school_detail", args=[places.other_county_school.pk]),
        "/no/such/page/",
    ]
    responses = [director.get(path) for path in paths]
    assert {response.status_code for response in responses} == {404}
    pages = {normalised(response, path) for response, path in zip(responses, paths, strict=True)}
    assert len(pages) == 1
    headers = {
        tuple(sorted((k, v) for k, v in response.headers.items() if k != "Content-Length"))
        for response in responses
    }
    assert len(headers) == 1
