"""The 404 page on a phone: the site's layout, Chinese, a way home; English once switched
(Debian's Chromium through Playwright, at 390×844)."""

import pytest

from conftest import artifact, log_in, make_child

pytestmark = pytest.mark.browser


def test_a_404_on_a_phone_is_chinese_with_a_way_home_and_english_when_switched(
    phone, live_server, director, places
):
    base = live_server.url
    far_child = make_child(places.other_county_village, name="赵六")
    log_in(phone, base)

    response = phone.goto(f"{base}/no/such/page/")
    assert response is not None
    assert response.status == 404
    assert phone.get_attribute("html", "lang") == "zh-hans"
    assert phone.inner_text("[data-testid=error-page] h1") == "页面不存在"
    assert "不在您的管辖范围内" in phone.inner_text("[data-testid=error-message]")
    assert phone.is_visible(".navbar")  # the site's layout, with its menu button
    assert phone.is_visible("[data-testid=error-home]")
    assert "Traceback" not in phone.content()
    phone.screenshot(path=str(artifact("phone-404-zh.png")))
    text = phone.inner_text("[data-testid=error-page]")

    # A child of another county reads exactly the same.
    response = phone.goto(f"{base}/children/{far_child.pk}/")
    assert response is not None
    assert response.status == 404
    assert phone.inner_text("[data-testid=error-page]") == text
    assert "赵六" not in phone.content()

    # The way home works.
    phone.tap("[data-testid=error-home]")
    phone.wait_for_url(f"{base}/")

    # Switched to English from the menu, the same page speaks English.
    phone.goto(f"{base}/no/such/page/")
    phone.click(".navbar-toggler")
    phone.wait_for_selector("#language-select", state="visible")
    phone.select_option("#language-select", "en")
    phone.wait_for_selector("text=Page not found")
    assert phone.url == f"{base}/no/such/page/"
    assert phone.get_attribute("html", "lang") == "en"
    assert phone.inner_text("[data-testid=error-home]").strip() == "Back to the home page"
    phone.screenshot(path=str(artifact("phone-404-en.png")))
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert phone.csp_errors == []  # type: ignore[attr-defined]
