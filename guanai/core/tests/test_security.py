"""Headers, CSP without inline script, CSRF."""

import re

import pytest
from django.test import Client
from django.urls import reverse


@pytest.fixture
def pages(cast, places, client_for):
    client = client_for(cast["county_admin"])
    urls = [
        reverse("web:home"),
        reverse("areas:area_detail", args=[places.county.code]),
        reverse("areas:school_list"),
        reverse("areas:school_detail", args=[places.school.pk]),
        reverse("areas:school_new"),
        reverse("accounts:user_list"),
        reverse("accounts:user_new"),
        reverse("accounts:my_account"),
    ]
    fetched = [(url, client.get(url)) for url in urls] + [
        ("login", Client().get(reverse("accounts:login")))
    ]
    # The pages themselves: an error page's headers and markup would prove nothing of them.
    assert [(url, r.status_code) for url, r in fetched] == [(url, 200) for url, _r in fetched]
    return fetched


def test_pages_forbid_inline_script_and_framing(pages):
    for url, response in pages:
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp, url
        assert "unsafe-inline" not in csp, url
        assert "unsafe-eval" not in csp, url
        assert "frame-ancestors 'none'" in csp, url
        assert response["X-Frame-Options"] == "DENY", url
        assert response["X-Content-Type-Options"] == "nosniff", url
        assert response["Referrer-Policy"] == "same-origin", url


def test_pages_carry_no_inline_script_or_style(pages):
    for url, response in pages:
        html = response.content.decode()
        scripts = re.findall(r"<script\b[^>]*>", html)
        assert scripts, url
        assert all(" src=" in tag for tag in scripts), (url, scripts)
        assert "<style" not in html, url
        assert not re.search(r"\son[a-z]+=", html), url  # no onclick= and friends
        assert not re.search(r"\sstyle=", html), url


def test_posts_without_a_csrf_token_are_refused(cast, places):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast["county_admin"])
    response = client.post(reverse("areas:school_new"), {"name": "x"})
    assert response.status_code == 403
    response = Client(enforce_csrf_checks=True).post(
        reverse("accounts:login"), {"username": "county_admin", "password": "x"}
    )
    assert response.status_code == 403


def test_the_session_cookie_is_http_only(cast, places):
    teacher = cast["teacher"]
    teacher.set_password("Jiaoshi#2026")
    teacher.save()
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": "teacher", "password": "Jiaoshi#2026"}
    )
    assert response.status_code == 302  # logged in
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("get", "/areas/%00/", None),
        ("get", "/children/?q=a%00b", None),
        ("post", "/children/find/", {"id_number": "51\x00"}),
    ],
)
def test_a_nul_character_is_refused_before_any_view(method, url, data, cast, client_for):
    client = client_for(cast["county_admin"])
    response = getattr(client, method)(url, data) if data else getattr(client, method)(url)
    assert response.status_code == 400
    assert "无效字符" in response.content.decode()
