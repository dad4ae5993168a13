"""The child screens: list with filters and search, the file, the forms, reveal and review."""

from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import make_child, make_id_number
from guanai.audit.models import AccessEvent
from guanai.children.choices import ReviewState
from guanai.children.models import Child


def form_data(places, **overrides):
    """What a village director types for a new child, as the form posts it."""
    data = {
        "name": "王小芳",
        "id_number": make_id_number(birth=date(2016, 9, 1), sequence=202),
        "gender": "",
        "birth_date": "",
        "ethnicity": "汉族",
        "village": places.village.code,
        "hukou_rural": "on",
        "health": "healthy",
        "schooling": "primary",
        "school": places.school.pk,
        "grade": "三年级",
        "guardianship_type": "grandparent",
        "guardian_relationship": "grandmother",
        "assessment": "ordinary",
        "risk_level": "low",
        "concerns": ["affection", "academic"],
        "father-name": "王大军",
        "father-away_for_work": "on",
        "father-work_province": "广东",
        "father-work_city": "东莞",
        "father-able_to_guard": "on",
        "mother-name": "刘梅",
        "mother-away_for_work": "on",
        "mother-able_to_guard": "on",
        "guardian-name": "刘奶奶",
        "guardian-phone": "13812345678",
        "guardian-able_to_guard": "on",
        "gp0-relationship": "maternal_grandmother",
        "gp0-name": "刘奶奶",
        "gp0-able_to_guard": "on",
    }
    return data | overrides


def test_a_village_director_registers_a_child_and_the_id_number_fills_birth_and_gender(
    places, cast, client_for
):
    client = client_for(cast["village_director"])
    response = client.post(reverse("children:child_new"), form_data(places))
    child = Child.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("children:child_detail", args=[child.pk])
    assert (child.birth_date, child.gender) == (date(2016, 9, 1), "female")
    assert child.review_state == ReviewState.PENDING
    assert child.guardian.name == child.grandparent_links.get().person.name == "刘奶奶"
    assert child.father.work_place == "广东东莞"
    assert sorted(child.concerns) == ["academic", "affection"]


def test_a_mistyped_id_number_is_explained_and_nothing_is_saved(places, cast, client_for):
    client = client_for(cast["village_director"])
    good = make_id_number(birth=date(2016, 9, 1), sequence=202)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = client.post(reverse("children:child_new"), form_data(places, id_number=bad))
    assert response.status_code == 200
    assert "校验码" in response.content.decode()
    assert not Child.objects.exists()
    # What was typed is still there to be corrected.
    assert "王大军" in response.content.decode()


def test_an_id_number_that_contradicts_the_birth_date_is_refused(places, cast, client_for):
    client = client_for(cast["village_director"])
    data = form_data(places, birth_date="2016-09-02")
    response = client.post(reverse("children:child_new"), data)
    assert "与填写的出生日期不一致" in response.content.decode()
    assert not Child.objects.exists()


def test_inline_validation_answers_for_the_changed_field_without_saving(places, cast, client_for):
    client = client_for(cast["village_director"])
    response = client.post(
        reverse("children:child_validate_new"),
        form_data(places, id_number="51082120160901202"),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert 'id="e-id_number"' in response.content.decode()
    assert "您填写了 17 位" in response.content.decode()
    assert not Child.objects.exists()


def test_grandparent_guardianship_needs_a_guardian(places, cast, client_for):
    client = client_for(cast["village_director"])
    data = form_data(places, **{"guardian-name": "", "guardian-phone": ""})
    response = client.post(reverse("children:child_new"), data)
    assert "委托监护人" in response.content.decode()
    assert not Child.objects.exists()


def test_editing_keeps_values_and_records_the_change(places, cast, kids, client_for):
    client = client_for(cast["township_supervisor"])
    page = client.get(reverse("children:child_edit", args=[kids.village.pk]))
    assert page.status_code == 200
    form = page.context["form"]
    data = {
        **{k: v for k, v in form.initial.items() if v is not None and k != "id_number"},
        **form_data(places, name="张小明", id_number=kids.village.id_number),
        "grade": "六年级",
        "birth_date": "2015-03-05",
        "gender": "male",
    }
    data["village"] = places.village.code
    response = client.post(reverse("children:child_edit", args=[kids.village.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    kids.village.refresh_from_db()
    assert kids.village.grade == "六年级"
    detail = client.get(reverse("children:child_detail", args=[kids.village.pk])).content.decode()
    assert "六年级" in detail
    assert kids.village.id_number not in detail


def test_the_file_shows_id_numbers_masked(places, cast, kids, client_for):
    client = client_for(cast["village_director"])
    page = client.get(reverse("children:child_detail", args=[kids.village.pk])).content.decode()
    number = kids.village.id_number
    assert f"{number[:6]}************" in page
    assert number not in page
    assert "13700003333" not in page
    assert "137****3333" in page
    # Opening a child's file is itself logged.
    event = AccessEvent.objects.get()
    assert (event.user, event.action, event.target) == (
        cast["village_director"],
        "view",
        f"child:{kids.village.pk}",
    )


def test_reveal_shows_the_number_once_and_logs_it(places, cast, kids, client_for):
    client = client_for(cast["village_director"])
    url = reverse("children:child_reveal", args=[kids.village.pk])
    response = client.post(url, {"subject": "child", "field": "id_number", "reason": "verify"})
    assert response.status_code == 200
    assert kids.village.id_number in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert AccessEvent.objects.filter(field="child.id_number", reason="核实信息").count() == 1
    response = client.post(url, {"subject": "child", "field": "id_number", "reason": ""})
    assert response.status_code == 422
    assert AccessEvent.objects.filter(action="reveal").count() == 1


def test_the_league_sees_children_but_never_their_id_numbers(places, cast, kids, client_for):
    client = client_for(cast["league"])
    page = client.get(reverse("children:child_detail", args=[kids.village.pk])).content.decode()
    assert 'data-testid="reveal-child-id_number"' not in page
    response = client.post(
        reverse("children:child_reveal", args=[kids.village.pk]),
        {"subject": "child", "field": "id_number", "reason": "other", "reason_other": "想看"},
    )
    assert response.status_code == 404


def test_the_list_filters_and_searches(places, cast, kids, client_for):
    client = client_for(cast["county_admin"])
    url = reverse("children:child_list")

    def names(**params):
        response = client.get(url, params)
        assert response.status_code == 200
        return {row["child"].name for row in response.context["rows"]}

    assert names() == {"张小明", "李四", "王五"}
    assert names(q="zxm") == {"张小明"}
    # ID numbers are never searched by GET (they would sit in URLs and logs): see child_find.
    assert names(q=kids.village.id_number) == {"张小明", "李四", "王五"}
    assert names(township=places.other_township.code) == {"王五"}
    assert names(village=places.sibling_village.code) == {"李四"}
    assert names(school=places.school.pk) == {"张小明"}
    assert names(definition="2016") == {"张小明", "李四", "王五"}
    assert names(age_band="6-13") == {"张小明", "李四", "王五"}
    assert names(age_band="0-5") == set()
    Child.objects.filter(pk=kids.sibling_village.pk).update(concerns=",safety,", risk_level="high")
    assert names(concern="safety") == {"李四"}
    assert names(risk_level="high") == {"李四"}
    Child.objects.filter(pk=kids.other_township.pk).update(status="exited")
    assert names() == {"张小明", "李四"}
    assert names(status="exited") == {"王五"}
    assert names(status="all") == {"张小明", "李四", "王五"}


def test_the_list_answers_htmx_with_the_results_only(places, cast, kids, client_for):
    client = client_for(cast["county_admin"])
    response = client.get(
        reverse("children:child_list"),
        {"q": "zxm"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="child-results",
    )
    body = response.content.decode()
    assert "<html" not in body
    assert "张小明" in body
    assert "李四" not in body


def test_the_list_takes_a_fixed_number_of_queries_whatever_the_page_size(places, cast, client_for):
    for i in range(120):
        make_child(places.village if i % 2 else places.sibling_village, name=f"张{i}")
    client = client_for(cast["county_admin"])
    client.get(reverse("children:child_list"))  # warm the session
    counts = {}
    for per_page in (20, 100):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("children:child_list"), {"per_page": per_page})
        assert len(response.context["rows"]) == per_page
        counts[per_page] = len(queries)
    assert counts[20] == counts[100] <= 12


def test_the_review_queue_shows_pending_entries_and_approves_them(places, cast, client_for):
    pending = make_child(places.village, review_state="pending")
    make_child(places.sibling_village, name="李四", review_state="approved")
    make_child(places.other_township_village, name="王五", review_state="pending")
    client = client_for(cast["township_supervisor"])
    page = client.get(reverse("children:review_list"))
    assert [c.name for c in page.context["page"]] == ["张小明"]
    response = client.post(
        reverse("children:child_review", args=[pending.pk]),
        {"decision": "approve", "next": "queue"},
    )
    assert response["Location"] == reverse("children:review_list")
    pending.refresh_from_db()
    assert pending.review_state == ReviewState.APPROVED


def test_returning_an_entry_needs_a_comment(places, cast, client_for):
    pending = make_child(places.village, review_state="pending")
    client = client_for(cast["township_supervisor"])
    client.post(reverse("children:child_review", args=[pending.pk]), {"decision": "return"})
    pending.refresh_from_db()
    assert pending.review_state == ReviewState.PENDING
    client.post(
        reverse("children:child_review", args=[pending.pk]),
        {"decision": "return", "comment": "请补充监护人电话"},
    )
    pending.refresh_from_db()
    assert pending.review_state == ReviewState.RETURNED
    director_page = client_for(cast["village_director"]).get(
        reverse("children:child_detail", args=[pending.pk])
    )
    assert "请补充监护人电话" in director_page.content.decode()


def test_exit_through_the_form(places, cast, kids, client_for):
    client = client_for(cast["village_director"])
    url = reverse("children:child_exit", args=[kids.village.pk])
    # kids are registered today: the exit cannot be dated before that.
    today = f"{timezone.localdate():%Y-%m-%d}"
    response = client.post(url, {"reason": "parent_returned", "on": today, "note": ""})
    assert response.status_code == 302
    kids.village.refresh_from_db()
    assert kids.village.status == "exited"
    page = client.get(reverse("children:child_detail", args=[kids.village.pk])).content.decode()
    assert "父母返乡" in page


def test_the_history_shows_who_changed_what(places, cast, kids, client_for):
    from guanai.children.services import child_update

    child_update(
        user=cast["county_admin"],
        child_id=kids.village.pk,
        data={"grade": "五年级", "boarding": True},
    )
    page = client_for(cast["village_director"]).get(
        reverse("children:child_detail", args=[kids.village.pk])
    )
    body = page.content.decode()
    assert "年级" in body
    assert "五年级" in body
    assert "county_admin" in body


def test_a_huge_list_says_how_many_at_least_instead_of_counting_them_all(
    places, cast, client_for, monkeypatch
):
    monkeypatch.setattr("guanai.children.selectors.COUNT_CAP", 5)
    for i in range(8):
        make_child(places.village, name=f"张{i}")
    client = client_for(cast["county_admin"])
    response = client.get(reverse("children:child_list"), {"per_page": 20})
    assert "超过 5 名儿童" in response.content.decode()
    assert len(response.context["rows"]) == 6  # the pages reach as far as was counted
    response = client.get(
        reverse("children:child_list"), {"q": "z", "village": places.village.code}
    )
    assert response.context["capped"] is True
    response = client.get(reverse("children:child_list"), {"q": "张1"})
    assert "共 1 名儿童" in response.content.decode()


def test_the_edit_form_never_puts_stored_secrets_in_the_page(places, cast, kids, client_for):
    response = client_for(cast["system_admin"]).get(
        reverse("children:child_edit", args=[kids.village.pk])
    )
    body = response.content.decode()
    number = kids.village.id_number
    assert number not in body
    assert "13700003333" not in body  # the guardian's phone
    assert "东河镇长滩村三组12号" not in body  # the child's address
    assert f"{number[:6]}************（不修改请留空）" in body
    assert "no-store" in response["Cache-Control"]
    # Saved with those inputs left blank, the stored values stay.
    from guanai.children.services import child_update

    child_update(
        user=cast["county_admin"],
        child_id=kids.village.pk,
        data={"id_number": "", "grade": "二年级"},
        family={"guardian": {"name": kids.village.guardian.name, "phone": ""}},
    )
    kids.village.refresh_from_db()
    assert kids.village.id_number == number
    assert kids.village.guardian.phone == "13700003333"


def test_checking_while_typing_does_not_tell_whether_an_id_number_is_registered(
    places, cast, kids, client_for
):
    client = client_for(cast["village_director"])
    data = form_data(places, id_number=kids.other_county.id_number)
    inline = client.post(reverse("children:child_validate_new"), data, HTTP_HX_REQUEST="true")
    assert "需由县民政局核实" not in inline.content.decode()
    saved = client.post(reverse("children:child_new"), data)
    assert "需由县民政局核实" in saved.content.decode()


def test_only_a_teacher_of_the_childs_school_can_be_put_in_charge(places, cast, client_for):
    from conftest import make_user

    elsewhere = make_user("jiachuan_teacher", role="teacher", school=places.other_township_school)
    client = client_for(cast["village_director"])
    response = client.post(
        reverse("children:child_new"), form_data(places, responsible_teacher=elsewhere.pk)
    )
    assert not Child.objects.exists()
    assert response.status_code == 200
    response = client.post(
        reverse("children:child_new"), form_data(places, responsible_teacher=cast["teacher"].pk)
    )
    assert Child.objects.get().responsible_teacher == cast["teacher"]


def test_a_teacher_assigned_a_child_of_another_school_does_not_see_them(places, cast, client_for):
    from conftest import make_user

    elsewhere = make_user("jiachuan_teacher", role="teacher", school=places.other_township_school)
    child = make_child(places.village, school=places.school, responsible_teacher=elsewhere)
    response = client_for(elsewhere).get(reverse("children:child_detail", args=[child.pk]))
    assert response.status_code == 404


def test_an_id_number_is_looked_up_by_post_and_never_in_a_url(places, cast, kids, client_for):
    client = client_for(cast["county_admin"])
    url = reverse("children:child_find")
    response = client.post(url, {"id_number": f" {kids.village.id_number.lower()} "})
    assert response["Location"] == reverse("children:child_detail", args=[kids.village.pk])
    assert kids.village.id_number not in response["Location"]
    response = client.post(url, {"id_number": kids.other_county.id_number}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("children:child_list")
    assert "没有找到" in response.content.decode()
    listed = client.get(reverse("children:child_list"), {"q": kids.village.id_number})
    assert "身份证号码不在网址中查询" in listed.content.decode()


def test_roles_that_may_not_reveal_cannot_look_up_id_numbers(places, cast, kids, client_for):
    response = client_for(cast["league"]).post(
        reverse("children:child_find"), {"id_number": kids.village.id_number}
    )
    assert response.status_code == 404


def opens(user, child, field: str) -> int:
    """How many times the log says this user opened this part of the child's file."""
    return AccessEvent.objects.filter(
        user=user, action="view", target=f"child:{child.pk}", field=field
    ).count()


def test_opening_the_edit_form_is_logged_as_an_open_of_the_file(cast, kids, client_for):
    director = cast["village_director"]
    client = client_for(director)
    url = reverse("children:child_edit", args=[kids.village.pk])
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200
    # The form shows the whole file: each opening is logged, as the file's is.
    assert opens(director, kids.village, "form") == 2
    event = AccessEvent.objects.latest("pk")
    assert event.child_id == kids.village.pk


def test_inline_validation_of_a_file_is_logged_without_flooding_the_log(
    places, cast, kids, client_for
):
    director = cast["village_director"]
    client = client_for(director)
    url = reverse("children:child_validate", args=[kids.village.pk])
    # Validation renders the file, even posted with no form opened first: logged, once
    # for all the fields typed one after another.
    for grade in ("一年级", "二年级", "三年级"):
        response = client.post(url, form_data(places, grade=grade), HTTP_HX_REQUEST="true")
        assert response.status_code == 200
    assert opens(director, kids.village, "form") == 1
    # Half an hour later, the next one is logged again (once).
    AccessEvent.objects.update(at=timezone.now() - timedelta(minutes=30))
    client.post(url, form_data(places), HTTP_HX_REQUEST="true")
    client.post(url, form_data(places), HTTP_HX_REQUEST="true")
    assert opens(director, kids.village, "form") == 2
    # A failed save re-renders the file too: covered in the same way.
    edit = reverse("children:child_edit", args=[kids.village.pk])
    client.post(edit, form_data(places, name=""))
    assert opens(director, kids.village, "form") == 2
    # Another user's typing is theirs to account for.
    client_for(cast["township_supervisor"]).post(url, form_data(places), HTTP_HX_REQUEST="true")
    assert opens(cast["township_supervisor"], kids.village, "form") == 1
