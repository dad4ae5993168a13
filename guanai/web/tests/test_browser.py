"""The shell in a real browser (Debian's Chromium through Playwright), at a phone's size."""

import pytest

from conftest import BROWSER_PASSWORD as PASSWORD
from conftest import artifact

pytestmark = pytest.mark.browser


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
    phone.screenshot(path=str(artifact("phone-village.png")), full_page=True)

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
