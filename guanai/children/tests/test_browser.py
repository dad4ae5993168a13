"""Registering a child on a phone, in a real browser (Debian's Chromium through Playwright)."""

import pytest

from conftest import artifact, log_in, make_id_number
from guanai.children.models import Child

pytestmark = pytest.mark.browser


def test_a_village_director_registers_a_child_fixing_a_mistyped_id_number_then_finds_them(
    phone, live_server, director, places
):
    base = live_server.url
    log_in(phone, base)
    phone.click(".navbar-toggler")
    phone.click("[data-testid=main-nav] >> text=儿童名册")
    phone.wait_for_url(f"{base}/children/")
    phone.click("[data-testid=child-new]")
    phone.wait_for_url(f"{base}/children/new/")

    number = make_id_number(sequence=123)
    mistyped = number[:10] + number[11] + number[10] + number[12:]  # two digits swapped
    assert mistyped != number
    phone.fill("#id_name", "张小三")
    phone.fill("#id_id_number", mistyped)
    phone.press("#id_id_number", "Tab")  # leaving the field checks it (htmx)
    error = phone.wait_for_selector("[data-testid=error-id_number]")
    assert "身份证号码" in error.inner_text()

    phone.fill("#id_id_number", number)
    phone.press("#id_id_number", "Tab")
    phone.wait_for_selector("[data-testid=error-id_number]", state="detached")

    # Questions that do not apply stay out of the way.
    assert not phone.is_visible("#id_disability_category")
    phone.select_option("#id_health", "disabled")
    phone.wait_for_selector("#id_disability_category", state="visible")
    phone.select_option("#id_health", "healthy")
    phone.wait_for_selector("#id_disability_category", state="hidden")
    assert not phone.is_visible("#id_father-work_city")

    phone.select_option("#id_schooling", "primary")
    phone.select_option("#id_school", str(places.school.pk))
    phone.select_option("#id_guardianship_type", "grandparent")
    phone.select_option("#id_assessment", "ordinary")
    phone.fill("#id_father-name", "张大山")
    phone.check("#id_father-away_for_work")
    phone.wait_for_selector("#id_father-work_city", state="visible")
    phone.fill("#id_father-work_city", "东莞")
    phone.fill("#id_mother-name", "李秀英")
    phone.check("#id_mother-away_for_work")
    phone.fill("#id_guardian-name", "张奶奶")
    phone.fill("#id_guardian-phone", "13812345678")
    phone.select_option("#id_guardian_relationship", "grandmother")
    phone.screenshot(path=str(artifact("phone-child-form.png")), full_page=True)
    phone.click("[data-testid=child-save]")
    phone.wait_for_selector("[data-testid=child-name]")

    child = Child.objects.get()
    assert (child.name, child.birth_date.isoformat(), child.gender) == (
        "张小三",
        "2015-03-05",
        "male",
    )
    assert "待审核" in phone.inner_text("[data-testid=review-state]")
    assert number not in phone.content()  # masked on the file

    phone.goto(f"{base}/children/")
    phone.fill("[data-testid=child-search]", "zxs")
    phone.wait_for_selector("[data-testid=child-cards] >> text=张小三")
    phone.fill("[data-testid=child-search]", "zxx")
    phone.wait_for_selector("[data-testid=child-cards] >> text=张小三", state="detached")
    phone.screenshot(path=str(artifact("phone-child-list.png")), full_page=True)

    # An ID number is looked up by POST on Enter: it never shows in the address bar.
    phone.fill("[data-testid=child-search]", number)
    phone.press("[data-testid=child-search]", "Enter")
    phone.wait_for_url(f"{base}/children/{child.pk}/")
    assert number not in phone.url
    assert phone.csp_errors == []  # type: ignore[attr-defined]
