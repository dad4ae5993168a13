"""Revealing a secret field: a reason picked from a short list (其他 with words), remembered
for a child's phones for the rest of the session, every reveal logged; phones as tel: links."""

from django.conf import settings
from django.test import Client
from django.urls import reverse

from guanai.audit.models import AccessEvent
from guanai.children.models import Person

HTMX = {"HX-Request": "true"}


def reveal(client: Client, child_id: int, subject: str, field: str, **reason: str):
    return client.post(
        reverse("children:child_reveal", args=[child_id]),
        {"subject": subject, "field": field, **reason},
        headers=HTMX,
    )


def reveals() -> list[tuple[str, str, str]]:
    return list(
        AccessEvent.objects.filter(action="reveal")
        .order_by("pk")
        .values_list("target", "field", "reason")
    )


def test_a_reason_must_be_picked(cast, kids, client_for):
    client = client_for(cast["village_director"])
    for field in ("id_number", "address"):
        response = reveal(client, kids.village.pk, "child", field)
        assert response.status_code == 422
        assert "请选择查看理由。" in response.content.decode()
        # Shown under the form it came from, which stays as it was.
        assert response["HX-Retarget"] == f"#reveal-error-child-{field}"
        assert kids.village.id_number not in response.content.decode()
    assert reveals() == []


def test_only_the_listed_reasons_are_taken(cast, kids, client_for):
    client = client_for(cast["village_director"])
    response = reveal(client, kids.village.pk, "child", "id_number", reason="想看看")
    assert response.status_code == 422
    assert kids.village.id_number not in response.content.decode()
    assert reveals() == []


def test_each_listed_reason_is_logged_in_chinese_whatever_the_pages_language(
    cast, kids, client_for
):
    client = client_for(cast["village_director"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    target = f"child:{kids.village.pk}"
    for code in ("home_visit", "verify", "emergency"):
        response = reveal(client, kids.village.pk, "child", "id_number", reason=code)
        assert response.status_code == 200
        assert kids.village.id_number in response.content.decode()
    assert reveals() == [
        (target, "child.id_number", "家访联系"),
        (target, "child.id_number", "核实信息"),
        (target, "child.id_number", "紧急情况"),
    ]


def test_other_needs_words_and_logs_them(cast, kids, client_for):
    client = client_for(cast["village_director"])
    response = reveal(client, kids.village.pk, "child", "address", reason="other")
    assert response.status_code == 422
    assert "请写明查看理由" in response.content.decode()
    response = reveal(
        client, kids.village.pk, "child", "address", reason="other", reason_other="   "
    )
    assert response.status_code == 422
    assert reveals() == []
    response = reveal(
        client, kids.village.pk, "child", "address", reason="other", reason_other="送助学金"
    )
    assert response.status_code == 200
    assert reveals() == [(f"child:{kids.village.pk}", "child.address", "其他：送助学金")]


def test_a_revealed_phone_is_a_tel_link(cast, kids, client_for):
    client = client_for(cast["village_director"])
    response = reveal(client, kids.village.pk, "father", "phone", reason="home_visit")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'href="tel:13800001111"' in page
    assert response["Cache-Control"] == "no-store"
    # Typed with a country code, spaces and a dash: the link dials digits only.
    Person.objects.filter(pk=kids.village.mother_id).update(phone="+86 139 0000-2222")
    page = reveal(client, kids.village.pk, "mother", "phone").content.decode()
    assert 'href="tel:+8613900002222"' in page
    assert "+86 139 0000-2222" in page
    # ID numbers and addresses are shown as text, not links.
    page = reveal(client, kids.village.pk, "child", "address", reason="verify").content.decode()
    assert "tel:" not in page


def test_a_phones_reason_serves_the_childs_other_phones_for_the_session(cast, kids, client_for):
    client = client_for(cast["village_director"])
    target = f"child:{kids.village.pk}"
    first = reveal(client, kids.village.pk, "father", "phone", reason="emergency")
    # The other phones of the child turn into one-tap buttons on the page (out of band).
    page = first.content.decode()
    for subject in ("mother", "guardian"):
        assert f'id="reveal-{subject}-phone"' in page
        assert 'hx-swap-oob="true"' in page
    assert 'id="reveal-father-phone"' not in page

    assert reveal(client, kids.village.pk, "mother", "phone").status_code == 200
    assert reveal(client, kids.village.pk, "guardian", "phone").status_code == 200
    assert reveal(client, kids.village.pk, "father", "phone").status_code == 200
    # Each reveal is logged, with the reason remembered.
    assert reveals() == [
        (target, "father.phone", "紧急情况"),
        (target, "mother.phone", "紧急情况"),
        (target, "guardian.phone", "紧急情况"),
        (target, "father.phone", "紧急情况"),
    ]
    # The file shows the reason beside one-tap buttons for phones, the list for the rest.
    detail = client.get(reverse("children:child_detail", args=[kids.village.pk]))
    html = detail.content.decode()
    assert 'data-testid="reason-guardian-phone">（理由：紧急情况）' in html
    assert 'id="r-child-id_number-home_visit"' in html
    assert 'id="r-guardian-phone-home_visit"' not in html


def test_a_reason_picked_again_replaces_the_remembered_one(cast, kids, client_for):
    client = client_for(cast["village_director"])
    reveal(client, kids.village.pk, "father", "phone", reason="other", reason_other="问作业")
    reveal(client, kids.village.pk, "mother", "phone")
    reveal(client, kids.village.pk, "mother", "phone", reason="home_visit")
    reveal(client, kids.village.pk, "guardian", "phone")
    assert [reason for _, _, reason in reveals()] == [
        "其他：问作业",
        "其他：问作业",
        "家访联系",
        "家访联系",
    ]


def test_the_remembered_reason_is_for_that_childs_phones_only(cast, kids, client_for):
    client = client_for(cast["township_supervisor"])  # sees both villages of 东河镇
    reveal(client, kids.village.pk, "father", "phone", reason="home_visit")
    # Another child's phone asks again.
    response = reveal(client, kids.sibling_village.pk, "father", "phone")
    assert response.status_code == 422
    assert "13800001111" not in response.content.decode()
    # The same child's ID number and address ask again.
    assert reveal(client, kids.village.pk, "child", "id_number").status_code == 422
    assert reveal(client, kids.village.pk, "child", "address").status_code == 422
    assert len(reveals()) == 1


def test_a_reason_given_for_an_address_is_not_remembered_for_phones(cast, kids, client_for):
    client = client_for(cast["village_director"])
    reveal(client, kids.village.pk, "child", "address", reason="home_visit")
    assert reveal(client, kids.village.pk, "father", "phone").status_code == 422
    assert len(reveals()) == 1


def test_the_remembered_reason_ends_with_the_session(cast, kids, client_for):
    user = cast["village_director"]
    client = client_for(user)
    reveal(client, kids.village.pk, "father", "phone", reason="home_visit")
    # Another session of the same user (another phone, another browser) asks again.
    assert reveal(client_for(user), kids.village.pk, "mother", "phone").status_code == 422
    # So does the same browser after logging out and in again.
    client.post(reverse("accounts:logout"))
    client.force_login(user)
    assert reveal(client, kids.village.pk, "mother", "phone").status_code == 422
    assert len(reveals()) == 1


def test_a_remembered_reason_opens_nothing_outside_the_users_scope(cast, kids, client_for):
    client = client_for(cast["village_director"])
    reveal(client, kids.village.pk, "father", "phone", reason="home_visit")
    for child in (kids.sibling_village, kids.other_county):
        for reason in ({}, {"reason": "home_visit"}):
            response = reveal(client, child.pk, "father", "phone", **reason)
            assert response.status_code in (404, 422)
            assert "13800001111" not in response.content.decode()
    assert len(reveals()) == 1


def test_too_many_reveals_answer_in_place(cast, kids, client_for, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "lookup": (1, 3600)}
    client = client_for(cast["village_director"])
    reveal(client, kids.village.pk, "father", "phone", reason="home_visit")
    response = reveal(client, kids.village.pk, "mother", "phone")
    assert response.status_code == 429
    page = response.content.decode()
    assert "操作太频繁" in page
    assert "<html" not in page  # the message alone, shown where the number would have been
