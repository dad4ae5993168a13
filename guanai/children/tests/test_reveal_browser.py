"""Calling a guardian from a phone: the reason picked once, the number tapped as a tel: link
(Debian's Chromium through Playwright, at 390×844)."""

import pytest

from conftest import artifact, log_in, make_child
from guanai.audit.models import AccessEvent

pytestmark = pytest.mark.browser

# Records the link a tap lands on, and keeps the browser from handing tel: to the system.
RECORD_TAPS = """() => {
  window.tappedLinks = [];
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a");
    if (link) { window.tappedLinks.push(link.href); event.preventDefault(); }
  }, true);
}"""


def test_a_director_reveals_a_guardians_phone_and_taps_it_to_call(
    phone, live_server, director, places
):
    child = make_child(places.village, name="张小花", address="东河镇长滩村三组12号")
    base = live_server.url
    log_in(phone, base)
    phone.goto(f"{base}/children/{child.pk}/")
    phone.evaluate(RECORD_TAPS)

    # The father's phone: masked, a reason picked from the list, then the number as a link.
    assert phone.inner_text("[data-testid=masked-father-phone]") == "138****1111"
    phone.click("[data-testid=open-reveal-father-phone]")
    reasons = phone.locator("#reveal-father-phone input[name=reason]")
    assert reasons.count() == 4
    phone.locator("#reveal-father-phone").screenshot(path=str(artifact("phone-reveal-reasons.png")))
    phone.click("label[for=r-father-phone-home_visit]")
    phone.click("[data-testid=reveal-father-phone]")
    link = phone.wait_for_selector("a[href^='tel:']")
    assert link.get_attribute("href") == "tel:13800001111"
    assert "13800001111" in link.inner_text()
    box = link.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 390
    assert box["height"] >= 28  # big enough for a thumb
    link.tap()
    assert phone.evaluate("window.tappedLinks") == ["tel:13800001111"]
    phone.screenshot(path=str(artifact("phone-tel-link.png")))

    # The grandmother's phone now opens in one tap, with the reason remembered and shown.
    assert "家访联系" in phone.inner_text("[data-testid=reason-guardian-phone]")
    phone.tap("[data-testid=reveal-guardian-phone]")
    phone.wait_for_selector("a[href='tel:13700003333']").tap()
    assert phone.evaluate("window.tappedLinks")[-1] == "tel:13700003333"
    assert list(
        AccessEvent.objects.filter(action="reveal").order_by("pk").values_list("field", "reason")
    ) == [("father.phone", "家访联系"), ("guardian.phone", "家访联系")]

    # The address still asks; 其他 needs words, and says so under the form, which stays.
    phone.click("[data-testid=open-reveal-child-address]")
    phone.click("label[for=r-child-address-other]")
    phone.click("[data-testid=reveal-child-address]")
    error = phone.wait_for_selector("#reveal-error-child-address [data-testid=reveal-error]")
    assert "请写明查看理由" in error.inner_text()
    phone.fill("[data-testid=reason-other-child-address]", "送助学金上门")
    phone.click("[data-testid=reveal-child-address]")
    phone.wait_for_selector("text=东河镇长滩村三组12号")
    assert (
        AccessEvent.objects.filter(action="reveal").order_by("pk").last().reason
        == "其他：送助学金上门"
    )
    # Nothing sticks out sideways on a phone.
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.screenshot(path=str(artifact("phone-reveal.png")), full_page=True)
    assert phone.csp_errors == []  # type: ignore[attr-defined]
