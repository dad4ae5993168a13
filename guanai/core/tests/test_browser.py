"""The shell in a real browser (Debian's Chromium through Playwright), at a phone's size."""

import os

import pytest
from playwright.sync_api import Page, sync_playwright

from conftest import persona_place
from guanai.accounts.models import Membership, Role, User

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "Cunzhuren#2026"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(live_server) -> Page:
    # Playwright's sync API runs an event loop in this thread; the ORM calls the
    # test itself makes are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        page = context.new_page()
        page.csp_errors = []  # type: ignore[attr-defined]
        page.on(
            "console",
            lambda m: "Content Security Policy" in m.text and page.csp_errors.append(m.text),
        )
        yield page
        browser.close()


@pytest.fixture
def director(places, transactional_db) -> User:
    user = User.objects.create(username="changtan", full_name="张兰")
    user.set_password(PASSWORD)
    user.save()
    area, _ = persona_place("village_director", places)
    Membership.objects.create(user=user, role=Role.objects.get(code="village_director"), area=area)
    return user


def test_a_village_director_logs_in_on_a_phone_and_sees_only_the_village(
    phone, live_server, director, places
):
    phone.goto(f"{live_server.url}/")
    assert "/login/" in phone.url
    phone.fill("#id_username", "changtan")
    phone.fill("#id_password", PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_url(f"{live_server.url}/")
    assert "村(居)儿童主任 · 长滩村" in phone.inner_text("[data-testid=my-memberships]")

    # The menu folds away on a phone and opens from the toggler.
    assert not phone.is_visible("[data-testid=main-nav]")
    phone.click(".navbar-toggler")
    phone.wait_for_selector("[data-testid=main-nav]", state="visible")
    phone.click("[data-testid=main-nav] >> text=地区")
    phone.wait_for_url(f"**/areas/{places.village.code}/")
    assert "长滩村" in phone.inner_text("h1")
    phone.screenshot(path=str(_artifact("phone-village.png")), full_page=True)

    response = phone.goto(f"{live_server.url}/areas/{places.sibling_village.code}/")
    assert response is not None
    assert response.status == 404
    assert phone.csp_errors == []  # type: ignore[attr-defined]


def test_the_language_switches_to_english_without_inline_script(phone, live_server, director):
    phone.goto(f"{live_server.url}/login/")
    phone.select_option("#language-select", "en")
    phone.wait_for_selector("text=Log in")
    assert phone.get_attribute("html", "lang") == "en"
    assert phone.csp_errors == []  # type: ignore[attr-defined]


def _artifact(name: str):
    from pathlib import Path

    folder = Path(__file__).resolve().parents[3] / "test-results"
    folder.mkdir(exist_ok=True)
    return folder / name
