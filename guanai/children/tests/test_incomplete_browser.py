"""Completing files on a phone (补充资料), at 390×844 in a real browser: from the home
page's count, one child after another, only the questions each file still has."""

import pytest
from playwright.sync_api import Page

from conftest import artifact, log_in
from guanai.children.models import Child
from guanai.children.tests.test_incomplete import make_incomplete

pytestmark = pytest.mark.browser


def fits_the_screen(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_village_director_completes_two_files_on_a_phone(phone, live_server, director, places):
    first = make_incomplete(places.village, "阿一")
    second = make_incomplete(places.village, "阿二", work_unknown=True)
    base = live_server.url
    log_in(phone, base)

    count = phone.wait_for_selector("[data-testid=incomplete-total]")
    assert count.inner_text() == "2"
    phone.screenshot(path=str(artifact("phone-home-incomplete.png")), full_page=True)
    phone.click("[data-testid=incomplete-start]")
    phone.wait_for_url(f"{base}/children/{first.pk}/complete/")
    assert phone.inner_text("[data-testid=complete-remaining]") == "还剩 2 名"
    assert phone.inner_text("[data-testid=complete-missing]") == "就学状况、监护情况评估"
    # Only what the file lacks; the school only once the child is at school.
    assert not phone.is_visible("#id_guardianship_type")
    assert not phone.is_visible("#id_school")
    phone.select_option("#id_schooling", "primary")
    phone.wait_for_selector("#id_school", state="visible")
    phone.select_option("#id_school", str(places.school.pk))
    phone.fill("#id_grade", "三年级")
    phone.select_option("#id_assessment", "good")
    assert fits_the_screen(phone)
    phone.screenshot(path=str(artifact("phone-complete-form.png")), full_page=True)
    phone.click("[data-testid=complete-save]")

    phone.wait_for_url(f"{base}/children/{second.pk}/complete/")
    assert phone.inner_text("[data-testid=complete-remaining]") == "还剩 1 名"
    assert "已补全“阿一”的资料" in phone.content()
    assert not phone.is_visible("#id_father_work_city")
    phone.select_option("#id_father_away", "yes")
    phone.wait_for_selector("#id_father_work_city", state="visible")
    phone.fill("#id_father_work_province", "广东")
    phone.fill("#id_father_work_city", "东莞")
    phone.select_option("#id_mother_away", "yes")
    phone.fill("#id_mother_work_city", "宁波")
    phone.select_option("#id_schooling", "not_in_school")
    phone.select_option("#id_assessment", "ordinary")
    assert fits_the_screen(phone)
    phone.screenshot(path=str(artifact("phone-complete-parents.png")), full_page=True)
    phone.click("[data-testid=complete-save]")

    phone.wait_for_selector("[data-testid=complete-done]")
    assert fits_the_screen(phone)
    phone.screenshot(path=str(artifact("phone-complete-done.png")), full_page=True)
    assert not Child.objects.exclude(missing_fields="").exists()
    second.refresh_from_db()
    assert second.parents_away_2016
    assert second.father.work_place == "广东东莞"
    assert phone.csp_errors == []  # type: ignore[attr-defined]
