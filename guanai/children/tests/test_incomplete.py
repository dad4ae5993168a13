"""Files that lack official fields for a while (待补充): one rule for every way in, the
mark on the file and the list, the home page's count, and completing them one after
another (补充资料)."""

from datetime import date

import pytest
from django.urls import reverse

from conftest import exported, make_child, make_id_number
from guanai.audit.models import AccessEvent
from guanai.children.choices import ReviewState
from guanai.children.completeness import (
    child_missing_fields,
    identity_faults,
    missing_after,
    parents_work_stated,
)
from guanai.children.derived import child_derive
from guanai.children.models import Child
from guanai.children.selectors import children_incomplete, incomplete_counts
from guanai.children.services import child_create, child_update
from guanai.children.tests.test_views import form_data
from guanai.core.errors import ApplicationError
from guanai.exports.models import ExportJob
from guanai.exports.registry import exporter_for

TODAY = date(2026, 3, 20)


def make_incomplete(village, name: str, *, work_unknown: bool = False, **fields) -> Child:
    """A child registered from a township's roster: no schooling, no assessment."""
    child = make_child(village, name=name, **fields)
    child.schooling = child.assessment = ""
    child.school = None
    child_derive(child, parents_work=not work_unknown)
    child.save()
    return child


# --- the rule ----------------------------------------------------------------------------


def test_identity_is_a_name_a_village_and_a_birth_date_with_a_gender():
    whole = {"name": "张三", "village": "510821100203", "birth_date": date(2015, 1, 1)}
    assert identity_faults(whole | {"gender": "male"}) == []
    assert [f for f, _m in identity_faults(whole)] == ["gender"]
    assert [f for f, _m in identity_faults({"name": " ", "gender": "male"})] == [
        "name",
        "village",
        "birth_date",
    ]


@pytest.mark.parametrize(
    ("family", "stated"),
    [
        ({}, False),  # a roster without the parents' columns
        ({"father": {"name": "张父", "away_for_work": True}}, False),  # the mother unknown
        ({"father": {"name": "张父"}, "mother": {"name": "李母", "away_for_work": False}}, False),
        (
            {
                "father": {"name": "张父", "away_for_work": True},
                "mother": {"name": "李母", "away_for_work": False},
            },
            True,
        ),
        ({"father": None, "mother": {"name": "李母", "away_for_work": True}}, True),  # no father
    ],
)
def test_the_parents_work_is_stated_only_for_both_parents(family, stated):
    assert parents_work_stated(family) is stated


def test_missing_after_says_what_the_services_will_find(places):
    data = {"health": "healthy", "schooling": "", "guardianship_type": "parent"}
    assert missing_after(None, data, {}) == ["schooling", "assessment", "parents_work"]
    child = make_incomplete(places.village, "孙一", work_unknown=True)
    assert missing_after(child, {"assessment": "good"}, {}) == ["schooling", "parents_work"]
    assert child_missing_fields(child) == ["schooling", "assessment", "parents_work"]


# --- the services ----------------------------------------------------------------------


def test_only_what_identifies_a_child_is_needed_to_register_them(places, cast):
    child = child_create(
        user=cast["village_director"],
        data={
            "name": "周小丽",
            "gender": "female",
            "birth_date": date(2016, 4, 2),
            "village": places.village,
        },
        family={},
    )
    child.refresh_from_db()
    assert child.missing_labels == [
        "健康状况",
        "就学状况",
        "监护类型",
        "监护情况评估",
        "父母外出务工情况",
    ]
    assert child.health == ""  # unknown, not the model's 健康


@pytest.mark.parametrize("lacking", ["birth_date", "gender", "village", "name"])
def test_a_child_who_cannot_be_identified_is_refused_whoever_calls(places, cast, lacking):
    data = {
        "name": "周小丽",
        "gender": "female",
        "birth_date": date(2016, 4, 2),
        "village": places.village,
    }
    data[lacking] = None if lacking in ("birth_date", "village") else ""
    with pytest.raises(ApplicationError) as error:
        child_create(user=cast["county_admin"], data=data, family={})
    assert error.value.field == lacking
    assert not Child.objects.exists()


def test_an_entry_silent_on_the_parents_work_keeps_it_to_complete(places, cast):
    child = make_incomplete(places.village, "吴一", work_unknown=True)
    # Undetermined, though the father is recorded as away: in neither count until the
    # file says (counted apart on the home page).
    assert child.father.away_for_work
    assert not child.parent_away
    assert not child.parents_away_2016
    director = cast["village_director"]
    child = child_update(
        user=director, child_id=child.pk, data={"schooling": "not_in_school", "assessment": "good"}
    )
    assert child.missing_fields == ["parents_work"]
    child = child_update(
        user=director,
        child_id=child.pk,
        data={},
        family={
            "father": {"name": child.father.name, "away_for_work": True},
            "mother": {"name": child.mother.name, "away_for_work": False},
        },
    )
    child.refresh_from_db()
    assert not child.incomplete
    assert child.parent_away
    assert not child.parents_away_2016


# --- the form ----------------------------------------------------------------------------


def test_the_form_saves_a_child_with_only_identity_and_says_what_to_complete(
    places, cast, client_for
):
    client = client_for(cast["village_director"])
    blank = dict.fromkeys(["health", "schooling", "school", "guardianship_type", "assessment"], "")
    response = client.post(
        reverse("children:child_new"),
        form_data(places, **blank, **{"guardian-name": "", "guardian-phone": "", "gp0-name": ""}),
        follow=True,
    )
    child = Child.objects.get()
    assert child.missing_labels == ["健康状况", "就学状况", "监护类型", "监护情况评估"]
    page = response.content.decode()
    assert "以下项目待补充：健康状况、就学状况、监护类型、监护情况评估。" in page
    assert 'data-testid="incomplete-notice"' in page
    assert reverse("children:child_complete", args=[child.pk]) in page


def test_the_form_still_requires_what_identifies_the_child(places, cast, client_for):
    client = client_for(cast["village_director"])
    response = client.post(reverse("children:child_new"), form_data(places, id_number=""))
    page = response.content.decode()
    assert response.status_code == 200
    assert "请填写出生日期，或填写身份证号码。" in page
    assert "请填写性别，或填写身份证号码。" in page
    assert not Child.objects.exists()


def edit_data(child, **overrides):
    """The edit form of a child as it comes, posted back with some answers changed."""
    data = {
        "name": child.name,
        "gender": child.gender,
        "birth_date": child.birth_date.isoformat(),
        "ethnicity": child.ethnicity,
        "village": child.village_id,
        "hukou_rural": "on",
        "health": child.health,
        "schooling": child.schooling,
        "guardianship_type": child.guardianship_type,
        "guardian_relationship": child.guardian_relationship,
        "assessment": child.assessment,
        "risk_level": child.risk_level,
        "father-name": child.father.name,
        "father-able_to_guard": "on",
        "mother-name": child.mother.name,
        "mother-able_to_guard": "on",
        "guardian-name": child.guardian.name,
        "guardian-able_to_guard": "on",
    }
    return data | overrides


def test_the_edit_form_asks_a_parents_work_it_does_not_know_and_never_reads_no(
    places, cast, client_for
):
    child = make_incomplete(places.village, "郑一", work_unknown=True, father_away=False)
    client = client_for(cast["village_director"])
    url = reverse("children:child_edit", args=[child.pk])
    form = client.get(url).context["family"].persons["father"]
    assert form["away_for_work"].value() == ""  # 待补充, not an unticked box
    # A change of something else leaves the parents' work unknown.
    client.post(url, edit_data(child, risk_level="medium"))
    child.refresh_from_db()
    assert child.risk_level == "medium"
    assert child.parents_work_unknown
    # Answered for both parents, it is known.
    client.post(
        url, edit_data(child, **{"father-away_for_work": "off", "mother-away_for_work": "on"})
    )
    child.refresh_from_db()
    assert not child.parents_work_unknown
    assert child.parent_away
    assert not child.father.away_for_work


def test_a_new_childs_health_starts_unknown_not_healthy(places, cast, client_for):
    page = client_for(cast["village_director"]).get(reverse("children:child_new"))
    form = page.context["form"]
    assert form["health"].value() == ""


# --- the list and the file ----------------------------------------------------------------


def test_the_list_filters_the_files_to_complete_and_marks_them(places, cast, kids, client_for):
    incomplete = make_incomplete(places.village, "王待补", work_unknown=True)
    client = client_for(cast["village_director"])
    response = client.get(reverse("children:child_list"), {"completeness": "incomplete"})
    assert [row["child"].pk for row in response.context["rows"]] == [incomplete.pk]
    page = response.content.decode()
    assert 'data-testid="incomplete-badge"' in page
    assert reverse("children:complete") in page  # 逐个补充资料
    response = client.get(reverse("children:child_list"), {"completeness": "complete"})
    assert [row["child"].pk for row in response.context["rows"]] == [kids.village.pk]
    # Whether a child whose parents' work is unknown is left behind is not said to be "no".
    file = client.get(reverse("children:child_detail", args=[incomplete.pk])).content.decode()
    assert 'data-testid="left-behind-unknown"' in file
    assert "不属于留守儿童" not in file
    assert "就学状况、监护情况评估、父母外出务工情况" in file


def test_the_export_follows_the_filter(places, cast, kids, client_for):
    make_incomplete(places.village, "王待补")
    response = exported(
        client_for(cast["village_director"]),
        reverse("roster:export"),
        {"completeness": "incomplete", "format": "csv"},
    )
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "王待补" in body
    assert "张小明" not in body
    # The user's list of exports says which files it holds.
    job = ExportJob.objects.get()
    assert "资料：待补充" in exporter_for(job.kind).describe(job.user, job.filter)


# --- the home page's count ---------------------------------------------------------------


@pytest.fixture
def to_complete(places, kids):
    """Files to complete in the cast's village (one a pupil of its school), the next
    village, another township and another county."""
    return {
        "village": make_incomplete(places.village, "甲"),
        "village_home": make_incomplete(places.village, "乙", work_unknown=True),
        "sibling": make_incomplete(places.sibling_village, "丙"),
        "township": make_incomplete(places.other_township_village, "丁"),
        "county": make_incomplete(places.other_county_village, "戊"),
    }


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("village_director", 2),
        ("township_supervisor", 3),
        ("county_admin", 4),
        ("system_admin", 5),
        ("teacher", None),  # completes nothing: no count
        ("auditor", None),
    ],
)
def test_the_home_page_counts_the_files_to_complete_in_the_users_area(
    role, expected, cast, to_complete, client_for
):
    page = client_for(cast[role]).get(reverse("web:home")).content.decode()
    if expected is None:
        assert 'data-testid="incomplete-total"' not in page
        return
    assert f'data-testid="incomplete-total">{expected}<' in page
    assert f"{reverse('children:child_list')}?completeness=incomplete" in page
    assert reverse("children:complete") in page


def test_the_home_count_of_a_school_is_its_pupils(places, cast, client_for):
    make_incomplete(places.village, "甲", school=places.school)
    pupil = Child.objects.get()
    pupil.school = places.school
    pupil.save()
    assert incomplete_counts(cast["school_admin"], on=TODAY)["incomplete"] == 1
    page = client_for(cast["school_admin"]).get(reverse("web:home")).content.decode()
    assert 'data-testid="incomplete-total">1<' in page


def test_the_count_link_opens_exactly_the_children_it_counts(cast, to_complete, client_for):
    client = client_for(cast["township_supervisor"])
    response = client.get(reverse("children:child_list"), {"completeness": "incomplete"})
    shown = {row["child"].name for row in response.context["rows"]}
    assert shown == {"甲", "乙", "丙"}
    assert incomplete_counts(cast["township_supervisor"], on=TODAY)["incomplete"] == len(shown)


def test_children_whose_parents_work_is_unknown_are_counted_apart(cast, to_complete, client_for):
    Child.objects.update(review_state=ReviewState.APPROVED)
    page = client_for(cast["village_director"]).get(reverse("web:home")).content.decode()
    assert 'data-testid="work-unknown"' in page
    assert "有 1 名父母外出务工情况待补充" in page


# --- completing one after another ---------------------------------------------------------


def test_completing_files_one_after_another(places, cast, client_for):
    first = make_incomplete(places.village, "阿一")
    second = make_incomplete(places.village, "阿二", work_unknown=True)
    client = client_for(cast["village_director"])

    response = client.get(reverse("children:complete"))
    assert response["Location"] == reverse("children:child_complete", args=[first.pk])
    response = client.get(response["Location"])
    form = response.context["form"]
    # Only what the file lacks is asked.
    assert {"schooling", "school", "grade", "class_name", "assessment"} == set(form.fields)
    assert response.context["remaining"] == 2
    assert "还剩 2 名" in response.content.decode()

    response = client.post(
        reverse("children:child_complete", args=[first.pk]),
        {
            "schooling": "primary",
            "school": places.school.pk,
            "grade": "三年级",
            "assessment": "good",
        },
    )
    assert response["Location"] == f"{reverse('children:complete')}?after={first.pk}"
    first.refresh_from_db()
    assert not first.incomplete
    assert (first.schooling, first.school, first.grade, first.assessment) == (
        "primary",
        places.school,
        "三年级",
        "good",
    )
    assert first.review_state == ReviewState.PENDING  # a village director's entry

    response = client.get(response["Location"])
    assert response["Location"] == reverse("children:child_complete", args=[second.pk])
    response = client.get(response["Location"])
    assert response.context["remaining"] == 1
    assert {"father_away", "mother_away", "schooling", "assessment"} <= set(
        response.context["form"].fields
    )
    # Answered in part: saved, and the rest stays to complete.
    response = client.post(
        reverse("children:child_complete", args=[second.pk]),
        {
            "schooling": "not_in_school",
            "father_away": "yes",
            "father_work_province": "广东",
            "father_work_city": "东莞",
            "mother_away": "no",
        },
        follow=True,
    )
    second.refresh_from_db()
    assert second.missing_fields == ["assessment"]
    assert second.father.work_place == "广东东莞"
    assert not second.mother.away_for_work
    assert second.parent_away
    assert not second.parents_away_2016
    page = response.content.decode()
    assert "以下项目待补充：监护情况评估。" in page
    # Past the last one: the one skipped is still to complete.
    assert 'data-testid="complete-skipped"' in page
    response = client.get(reverse("children:complete"))
    assert response["Location"] == reverse("children:child_complete", args=[second.pk])
    client.post(reverse("children:child_complete", args=[second.pk]), {"assessment": "ordinary"})
    page = client.get(reverse("children:complete")).content.decode()
    assert 'data-testid="complete-done"' in page


def test_a_parent_without_a_record_is_named_or_said_to_be_absent(places, cast, client_for):
    child = make_incomplete(places.village, "阿三", work_unknown=True)
    child.mother = None
    child.save()
    client = client_for(cast["village_director"])
    url = reverse("children:child_complete", args=[child.pk])
    fields = client.get(url).context["form"].fields
    assert "mother_name" in fields
    assert "father_name" not in fields
    response = client.post(url, {"father_away": "yes", "mother_away": "yes"})
    assert response.status_code == 200
    assert "请填写母亲的姓名。" in response.content.decode()
    client.post(url, {"father_away": "yes", "mother_away": "none"})
    child.refresh_from_db()
    assert child.mother is None
    assert child.missing_fields == ["assessment", "schooling"]
    # A father away and no mother to guard: left behind by the 2016 definition.
    assert child.parents_away_2016


def test_skipping_goes_to_the_next_and_the_filter_is_kept(places, cast, client_for):
    here = make_incomplete(places.village, "丁一")
    there = make_incomplete(places.sibling_village, "丁二")
    client = client_for(cast["township_supervisor"])
    start = client.get(reverse("children:complete"), {"village": places.sibling_village.code})
    url = reverse("children:child_complete", args=[there.pk])
    assert start["Location"] == f"{url}?village={places.sibling_village.code}"
    page = client.get(start["Location"])
    assert page.context["remaining"] == 1
    skip = page.context["skip_url"]
    assert f"village={places.sibling_village.code}" in skip
    assert f"after={there.pk}" in skip
    done = client.get(skip).content.decode()
    assert 'data-testid="complete-skipped"' in done  # 丁二 is still to complete
    everything = client.get(reverse("children:complete"))
    assert everything["Location"] == reverse("children:child_complete", args=[here.pk])


def test_the_completion_form_is_logged_as_an_opening_of_the_file(places, cast, client_for):
    child = make_incomplete(places.village, "阿四")
    client_for(cast["village_director"]).get(reverse("children:child_complete", args=[child.pk]))
    entry = AccessEvent.objects.get(target=f"child:{child.pk}")
    assert (entry.action, entry.field) == ("view", "complete")


def test_a_file_outside_ones_reach_is_404_to_complete_and_is_left_alone(
    places, cast, to_complete, client_for
):
    client = client_for(cast["village_director"])
    outside = to_complete["sibling"]
    url = reverse("children:child_complete", args=[outside.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"schooling": "primary", "assessment": "good"}).status_code == 404
    outside.refresh_from_db()
    assert (outside.schooling, outside.assessment) == ("", "")
    # Nor does one mark the place in the flow: the flow starts from the user's first.
    response = client.get(reverse("children:complete"), {"after": outside.pk})
    first = children_incomplete(cast["village_director"]).first()
    assert first is not None
    assert response["Location"] == reverse("children:child_complete", args=[first.pk])
    for role in ("teacher", "counsellor", "volunteer", "auditor", "league"):
        other = client_for(cast[role])
        assert other.get(reverse("children:complete")).status_code == 404
        assert other.get(reverse("children:child_complete", args=[first.pk])).status_code == 404


def test_the_flow_survives_what_a_url_may_carry(places, cast, client_for):
    make_incomplete(places.village, "阿五")
    client = client_for(cast["village_director"])
    for after in ("x", "-1", "0", "1' OR '1'='1", "99999999999999999999"):
        assert client.get(reverse("children:complete"), {"after": after}).status_code == 302


def test_an_id_number_typed_for_a_new_parent_is_not_asked_here(places, cast, client_for):
    """The completion form asks no ID number or phone: nothing secret is typed into it."""
    child = make_incomplete(places.village, "阿六", work_unknown=True)
    child.father = None
    child.save()
    page = client_for(cast["village_director"]).get(
        reverse("children:child_complete", args=[child.pk])
    )
    assert not {"id_number", "phone", "father_id_number"} & set(page.context["form"].fields)
    assert make_id_number(sequence=11) not in page.content.decode()
