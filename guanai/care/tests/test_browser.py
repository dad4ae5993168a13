"""The care work on a phone, in a real browser (Debian's Chromium through Playwright): a
village director records a home visit from My tasks; a volunteer sees only the children
paired with them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import BROWSER_PASSWORD, artifact, log_in, make_child, make_id_number
from guanai.accounts.models import Membership, Role, User
from guanai.care.models import BackgroundCheck, CareRecord, Helper, Pairing
from guanai.children.models import Child

pytestmark = pytest.mark.browser


def _registered(child: Child, days_ago: int) -> None:
    Child.objects.filter(pk=child.pk).update(created_at=timezone.now() - timedelta(days=days_ago))


def test_a_director_records_a_home_visit_from_my_tasks_and_the_child_leaves_the_overdue_list(
    phone, live_server, director, places
):
    overdue = make_child(places.village, name="王小芳", id_number=make_id_number(sequence=201))
    recent = make_child(places.village, name="陈大宝", id_number=make_id_number(sequence=202))
    _registered(overdue, 45)  # low risk, monthly: overdue
    _registered(recent, 3)
    base = live_server.url
    log_in(phone, base)
    phone.click(".navbar-toggler")
    phone.click("[data-testid=main-nav] >> text=我的待办")
    phone.wait_for_url(f"{base}/care/tasks/")
    overdue_list = phone.locator("[data-testid=visits-overdue]")
    assert "王小芳" in overdue_list.inner_text()
    assert "陈大宝" not in overdue_list.inner_text()
    phone.screenshot(path=str(artifact("phone-my-tasks.png")), full_page=True)

    overdue_list.locator("[data-testid=record-visit]").first.click()  # one tap to record
    phone.wait_for_selector("[data-testid=record-form]")
    assert phone.input_value("#id_kind") == "home_visit"
    assert phone.input_value("#id_occurred_on") == timezone.localdate().isoformat()
    assert phone.is_checked("#id_method_0")  # in person
    assert not phone.is_visible("#id_amount_yuan")  # only for assistance
    # Only the ways a kind can be done are offered: a parent–child contact is a call.
    phone.select_option("#id_kind", "parent_contact")
    phone.wait_for_selector("#id_caller", state="visible")
    assert not phone.is_visible("label[for=id_method_0]")  # in person
    assert phone.is_checked("#id_method_1")  # phone
    phone.select_option("#id_kind", "home_visit")
    phone.wait_for_selector("#id_caller", state="hidden")
    assert not phone.is_visible("label[for=id_method_3]")  # a parents' meeting
    phone.check("#id_method_0")
    phone.fill("#id_found", "爷爷腿脚不便，孩子自己做饭；作业按时完成")
    phone.fill("#id_done", "联系村委会帮助买菜")
    phone.screenshot(path=str(artifact("phone-record-form.png")), full_page=True)
    phone.click("[data-testid=record-save]")
    phone.wait_for_url(f"{base}/care/tasks/")
    assert "王小芳" not in phone.locator("[data-testid=visits-overdue]").inner_text()
    record = CareRecord.objects.get(child=overdue)
    assert (record.kind, record.by, record.method) == ("home_visit", director, "in_person")


def test_a_volunteer_sees_only_the_children_paired_with_them(phone, live_server, places):
    volunteer = User.objects.create(username="zhiyuan", full_name="刘志愿")
    volunteer.set_password(BROWSER_PASSWORD)
    volunteer.save()
    Membership.objects.create(
        user=volunteer, role=Role.objects.get(code="volunteer"), area=places.village
    )
    paired = make_child(places.village, name="赵小雨", id_number=make_id_number(sequence=211))
    other = make_child(places.village, name="孙小风", id_number=make_id_number(sequence=212))
    today = timezone.localdate()
    helper = Helper.objects.create(
        kind="temporary_mother", name="刘志愿", area=places.village, user=volunteer
    )
    BackgroundCheck.objects.create(helper=helper, checked_on=today, result="clear")
    Pairing.objects.create(helper=helper, child=paired, started_on=today)

    base = live_server.url
    log_in(phone, base, "zhiyuan")
    phone.goto(f"{base}/care/tasks/")
    children = phone.locator("[data-testid=paired-children]").inner_text()
    assert "赵小雨" in children
    assert "孙小风" not in children
    phone.click("[data-testid=paired-children] >> text=赵小雨")
    phone.wait_for_selector("[data-testid=paired-basics]")
    page = phone.content()
    assert "赵奶奶" in page  # the guardian, to call
    assert "公民身份号码" not in page
    assert paired.id_number[:6] + "*" not in page
    phone.screenshot(path=str(artifact("phone-volunteer-child.png")), full_page=True)
    response = phone.goto(f"{base}/children/{other.pk}/")
    assert response is not None
    assert response.status == 404
