"""Guardian consent: recorded, withdrawn, kept as history, and asked by the features needing it."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from guanai.children.consent.selectors import consent_given, consent_required
from guanai.children.consent.services import consent_record, consent_withdraw
from guanai.children.models import ChildConsent
from guanai.core.errors import ApplicationError


def record(user, child, purpose="photo", **overrides):
    values = {
        "purpose": purpose,
        "given_by": "张奶奶",
        "relationship": "grandmother",
        "given_on": date(2026, 3, 1),
        "method": "written",
    } | overrides
    return consent_record(user=user, child_id=child.pk, **values)


def withdraw(user, consent, on=date(2026, 4, 1), note="祖母电话告知撤回"):
    return consent_withdraw(
        user=user, child_id=consent.child_id, consent_id=consent.pk, withdrawn_on=on, note=note
    )


def test_a_recorded_consent_is_given_for_its_purpose_only(cast, kids):
    director = cast["village_director"]
    assert not consent_given(kids.village, "photo")
    consent = record(director, kids.village, "photo")
    assert consent.recorded_by == director
    assert consent.in_force
    assert consent_given(kids.village, "photo")
    assert not consent_given(kids.village, "counselling")
    assert not consent_given(kids.sibling_village, "photo")


def test_counselling_records_ask_consent_given_and_are_told_why_not(cast, kids):
    # What the counselling records will call before they let anyone write one.
    assert consent_given(kids.village, "counselling") is False
    with pytest.raises(ApplicationError, match="未取得监护人同意"):
        consent_required(kids.village, "counselling")
    record(cast["village_director"], kids.village, "counselling", method="phone")
    assert consent_given(kids.village, "counselling") is True
    assert consent_required(kids.village, "counselling").method == "phone"


def test_an_unknown_purpose_is_a_programming_error_not_a_silent_no(kids):
    with pytest.raises(ValueError, match="counseling"):
        consent_given(kids.village, "counseling")


def test_a_withdrawn_consent_stays_as_history_and_a_new_one_is_a_new_row(cast, kids):
    director = cast["village_director"]
    first = record(director, kids.village)
    withdrawn = withdraw(director, first)
    assert not consent_given(kids.village, "photo")
    assert (withdrawn.withdrawn_on, withdrawn.withdrawn_by) == (date(2026, 4, 1), director)
    assert withdrawn.withdrawal_note == "祖母电话告知撤回"
    again = record(director, kids.village, given_on=date(2026, 5, 1), given_by="张父")
    assert again.pk != first.pk
    assert consent_given(kids.village, "photo")
    rows = list(ChildConsent.objects.filter(child=kids.village).order_by("id"))
    assert [(r.given_by, r.in_force) for r in rows] == [("张奶奶", False), ("张父", True)]


def test_a_second_consent_in_force_is_refused_until_the_first_is_withdrawn(cast, kids):
    director = cast["village_director"]
    record(director, kids.village)
    with pytest.raises(ApplicationError, match="请先撤回原记录"):
        record(director, kids.village, given_by="张父")
    assert ChildConsent.objects.filter(child=kids.village).count() == 1


def test_a_consent_is_withdrawn_once(cast, kids):
    director = cast["village_director"]
    consent = withdraw(director, record(director, kids.village))
    with pytest.raises(ApplicationError, match="已于 2026-04-01 撤回"):
        withdraw(director, consent, on=date(2026, 4, 2))


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"method": "oral"}, "witness", "见证人"),
        ({"given_on": date.today() + timedelta(days=2)}, "given_on", "不能晚于今天"),
        ({"given_on": date(2010, 1, 1)}, "given_on", "早于儿童出生日期"),
        ({"given_by": "  "}, "given_by", "监护人姓名"),
        ({"relationship": "stranger"}, "relationship", "关系"),
        ({"purpose": "marketing"}, "purpose", "同意事项"),
    ],
)
def test_an_incomplete_consent_is_refused_with_its_reason(cast, kids, overrides, field, message):
    with pytest.raises(ApplicationError, match=message) as refused:
        record(cast["village_director"], kids.village, **overrides)
    assert refused.value.field == field
    assert not ChildConsent.objects.exists()


def test_oral_consent_with_a_witness_is_recorded(cast, kids):
    consent = record(cast["village_director"], kids.village, method="oral", witness="村委会李主任")
    assert consent.witness == "村委会李主任"


@pytest.mark.parametrize(
    ("on", "message"),
    [(date(2026, 2, 1), "不能早于同意日期"), (None, "不能晚于今天")],
)
def test_a_withdrawal_date_before_consent_or_in_the_future_is_refused(cast, kids, on, message):
    director = cast["village_director"]
    consent = record(director, kids.village)
    on = on or timezone.localdate() + timedelta(days=1)
    with pytest.raises(ApplicationError, match=message):
        withdraw(director, consent, on=on)
    consent.refresh_from_db()
    assert consent.in_force


def test_a_withdrawal_says_who_withdrew(cast, kids):
    director = cast["village_director"]
    consent = record(director, kids.village)
    with pytest.raises(ApplicationError, match="由谁、以何种方式") as refused:
        withdraw(director, consent, note=" ")
    assert refused.value.field == "note"


def test_those_who_may_only_view_cannot_record_or_withdraw(cast, kids):
    from django.http import Http404

    consent = record(cast["village_director"], kids.village)
    with pytest.raises(Http404):
        record(cast["teacher"], kids.village, purpose="counselling")
    with pytest.raises(Http404):
        withdraw(cast["teacher"], consent)
    assert consent_given(kids.village, "photo")


# --- the screens ------------------------------------------------------------------------


def form(**overrides):
    return {
        "purpose": "counselling",
        "given_by": "张奶奶",
        "relationship": "grandmother",
        "given_on": "2026-03-01",
        "method": "written",
        "witness": "",
        "note": "同意书存村委会",
    } | overrides


def test_a_director_records_consent_on_the_childs_file(cast, kids, client_for):
    client = client_for(cast["village_director"])
    detail = reverse("children:child_detail", args=[kids.village.pk])
    page = client.get(detail).content.decode()
    assert 'data-testid="consent-new"' in page
    # The guardian on file is offered as the one who consents.
    assert 'value="张奶奶"' in page
    response = client.post(reverse("children:consent_record", args=[kids.village.pk]), form())
    assert response.status_code == 302
    assert response["Location"] == detail + "#consents"
    consent = ChildConsent.objects.get(child=kids.village)
    assert (consent.purpose, consent.note) == ("counselling", "同意书存村委会")
    page = client.get(detail).content.decode()
    assert "同意书存村委会" in page
    assert f'data-testid="withdraw-{consent.pk}"' in page


def test_a_refused_consent_keeps_what_was_typed_and_says_why(cast, kids, client_for):
    client = client_for(cast["village_director"])
    response = client.post(
        reverse("children:consent_record", args=[kids.village.pk]),
        form(method="oral", given_by="张大爷", note="在村委会口头表示同意"),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "口头同意须填写见证人" in page
    assert "张大爷" in page
    assert "在村委会口头表示同意" in page
    assert not ChildConsent.objects.exists()


def test_a_teacher_sees_consents_but_no_form_or_withdraw_button(cast, kids, client_for):
    consent = record(cast["village_director"], kids.village)
    page = (
        client_for(cast["teacher"])
        .get(reverse("children:child_detail", args=[kids.village.pk]))
        .content.decode()
    )
    assert f'data-testid="consent-{consent.pk}"' in page
    assert "张奶奶" in page
    assert 'data-testid="consent-new"' not in page
    assert f'data-testid="withdraw-{consent.pk}"' not in page
    assert reverse("children:consent_withdraw", args=[kids.village.pk, consent.pk]) not in page


def test_withdrawing_on_the_file_keeps_the_row_shown_as_withdrawn(cast, kids, client_for):
    consent = record(cast["village_director"], kids.village, purpose="counselling")
    client = client_for(cast["village_director"])
    url = reverse("children:consent_withdraw", args=[kids.village.pk, consent.pk])
    response = client.post(url, {"withdrawn_on": "2026-04-01", "note": "母亲来电撤回"})
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_on == date(2026, 4, 1)
    page = client.get(reverse("children:child_detail", args=[kids.village.pk])).content.decode()
    assert "已撤回" in page
    assert "母亲来电撤回" in page


def test_a_withdrawal_without_its_note_is_shown_again_with_the_reason(cast, kids, client_for):
    consent = record(cast["village_director"], kids.village)
    client = client_for(cast["village_director"])
    url = reverse("children:consent_withdraw", args=[kids.village.pk, consent.pk])
    response = client.post(url, {"withdrawn_on": "2026-04-01", "note": ""})
    assert response.status_code == 200
    page = response.content.decode()
    assert "这个字段是必填项" in page or "This field is required" in page
    # A photo consent's withdrawal warns that the photo goes with it.
    assert "照片将被立即删除" in page
    consent.refresh_from_db()
    assert consent.in_force


def test_another_childs_consent_is_not_reached_through_this_childs_url(cast, kids, client_for):
    theirs = record(cast["system_admin"], kids.other_county)
    client = client_for(cast["village_director"])
    url = reverse("children:consent_withdraw", args=[kids.village.pk, theirs.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"withdrawn_on": "2026-04-01", "note": "x"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.in_force


@pytest.mark.parametrize("role", ["volunteer", "auditor", "teacher"])
def test_those_who_may_not_edit_get_404_on_recording(role, cast, kids, client_for):
    client = client_for(cast[role])
    url = reverse("children:consent_record", args=[kids.village.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, form()).status_code == 404
    assert not ChildConsent.objects.exists()


def test_recording_without_the_csrf_token_is_forbidden(cast, kids):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast["village_director"])
    response = client.post(reverse("children:consent_record", args=[kids.village.pk]), form())
    assert response.status_code == 403
    assert not ChildConsent.objects.exists()
