"""The helper register and pairing (结对帮扶): who sees which helpers, background checks,
the check a pairing needs, and a volunteer's login seeing a child only while paired."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_user
from guanai.care.models import BackgroundCheck, Helper, Pairing
from guanai.care.plans import add_months
from guanai.care.selectors import checks_valid_until_on_or_before
from guanai.care.services import helper_save
from guanai.core.errors import ApplicationError


def make_helper(
    area, *, name="刘芳", kind="temporary_mother", checked_on=None, result="clear", **kw
):
    helper = Helper.objects.create(kind=kind, name=name, area=area, **kw)
    if checked_on is not None:
        BackgroundCheck.objects.create(helper=helper, checked_on=checked_on, result=result)
    return helper


def today():
    return timezone.localdate()


def pair_data(child, **overrides):
    data = {
        "child": child.pk,
        "started_on": today().isoformat(),
        "call_every_months": "1",
        "meet_every_months": "3",
    }
    return {**data, **overrides}


# --- the register and its scope ------------------------------------------------------------


def test_the_list_shows_the_helpers_of_the_users_areas_only(places, cast, client_for):
    make_helper(places.village, name="长滩刘芳", phone="13812345678")
    make_helper(places.other_township_village, name="嘉川王丽")
    make_helper(places.other_county_village, name="青川赵敏")
    url = reverse("care:helper_list")

    county = client_for(cast["county_admin"]).get(url).content.decode()
    assert "长滩刘芳" in county
    assert "嘉川王丽" in county
    assert "青川赵敏" not in county
    assert "138****5678" in county
    assert "13812345678" not in county

    director = client_for(cast["village_director"]).get(url).content.decode()
    assert "长滩刘芳" in director
    assert "嘉川王丽" not in director

    everyone = client_for(cast["system_admin"]).get(url).content.decode()
    assert "青川赵敏" in everyone


@pytest.mark.parametrize("role", ["teacher", "volunteer", "auditor", "county_education"])
def test_roles_that_keep_no_register_get_404(places, cast, client_for, role):
    helper = make_helper(places.village)
    client = client_for(cast[role])
    assert client.get(reverse("care:helper_list")).status_code == 404
    assert client.get(reverse("care:helper_new")).status_code == 404
    assert client.get(reverse("care:helper_detail", args=[helper.pk])).status_code == 404


@pytest.mark.parametrize(
    "role", ["county_admin", "league", "township_supervisor", "village_director"]
)
def test_a_helper_of_another_county_is_404(places, cast, kids, client_for, role):
    helper = make_helper(places.other_county_village, checked_on=today())
    pairing = Pairing.objects.create(helper=helper, child=kids.other_county, started_on=today())
    client = client_for(cast[role])
    for name in ("care:helper_detail", "care:helper_edit", "care:pairing_new"):
        assert client.get(reverse(name, args=[helper.pk])).status_code == 404
    checked = client.post(
        reverse("care:check_new", args=[helper.pk]),
        {"checked_on": today().isoformat(), "result": "not_clear"},
    )
    assert checked.status_code == 404
    ended = client.post(
        reverse("care:pairing_end", args=[pairing.pk]),
        {"ended_on": today().isoformat(), "end_reason": "other"},
    )
    assert ended.status_code == 404
    pairing.refresh_from_db()
    assert pairing.ended_on is None
    assert helper.checks.count() == 1


def test_the_list_filters_by_kind_and_name(places, cast, client_for):
    make_helper(places.village, name="刘芳", kind="temporary_mother")
    make_helper(places.village, name="王建国", kind="elder")
    client = client_for(cast["village_director"])
    by_kind = client.get(reverse("care:helper_list"), {"kind": "elder"}).content.decode()
    assert "王建国" in by_kind
    assert "刘芳" not in by_kind
    by_name = client.get(reverse("care:helper_list"), {"q": "建国"}).content.decode()
    assert "王建国" in by_name
    assert "刘芳" not in by_name


def test_the_check_due_filter_lists_checks_running_out_or_out(places, cast, client_for):
    now = today()
    make_helper(places.village, name="甲已过期", checked_on=add_months(now, -13))
    make_helper(
        places.village, name="乙快到期", checked_on=add_months(now, -12) + timedelta(days=10)
    )
    make_helper(places.village, name="丙有效", checked_on=now - timedelta(days=30))
    make_helper(places.village, name="丁未审查")
    make_helper(places.village, name="戊组织", kind="organisation")
    page = client_for(cast["village_director"]).get(reverse("care:helper_list"), {"check": "due"})
    html = page.content.decode()
    assert "甲已过期" in html
    assert "乙快到期" in html
    assert "丙有效" not in html
    assert "丁未审查" not in html
    assert "戊组织" not in html
    assert 'data-testid="check-expired"' in html
    assert 'data-testid="check-due"' in html


def test_a_check_is_due_on_the_last_warning_day_and_not_the_day_after(places, cast, client_for):
    # The check runs out exactly 30 days from today: due; one day later: still valid.
    edge = checks_valid_until_on_or_before(today() + timedelta(days=30))
    make_helper(places.village, name="边界到期", checked_on=edge)
    make_helper(places.village, name="边界有效", checked_on=edge + timedelta(days=1))
    html = (
        client_for(cast["village_director"])
        .get(reverse("care:helper_list"), {"check": "due"})
        .content.decode()
    )
    assert "边界到期" in html
    assert "边界有效" not in html


def test_the_list_shows_each_rows_check_state_and_pairings(places, cast, kids, client_for):
    helper = make_helper(places.village, name="刘芳", checked_on=today())
    Pairing.objects.create(helper=helper, child=kids.village, started_on=today())
    make_helper(places.village, name="王丽")
    html = client_for(cast["village_director"]).get(reverse("care:helper_list")).content.decode()
    valid_until = add_months(today(), 12).isoformat()
    assert f"有效期至 {valid_until}" in html
    assert 'data-testid="check-none"' in html
    assert "结对 1 名" in html


def test_the_list_takes_a_fixed_number_of_queries(
    places, cast, kids, client_for, django_assert_max_num_queries
):
    for n in range(12):
        helper = make_helper(places.village, name=f"帮扶人{n}", checked_on=today())
        Pairing.objects.create(helper=helper, child=kids.village, started_on=today())
    client = client_for(cast["village_director"])
    with django_assert_max_num_queries(14):
        assert client.get(reverse("care:helper_list")).status_code == 200


# --- registering -------------------------------------------------------------------------


def test_a_director_registers_a_helper_in_their_village(places, cast, client_for):
    client = client_for(cast["village_director"])
    assert client.get(reverse("care:helper_new")).status_code == 200
    response = client.post(
        reverse("care:helper_new"),
        {
            "kind": "temporary_mother",
            "name": "刘芳",
            "phone": "13812345678",
            "organisation": "县妇联",
            "area": places.village.code,
            "active": "on",
        },
    )
    helper = Helper.objects.get(name="刘芳")
    assert response.status_code == 302
    assert response["Location"] == reverse("care:helper_detail", args=[helper.pk])
    assert helper.phone == "13812345678"
    assert helper.area_id == places.village.code


def test_a_helper_cannot_be_registered_outside_the_users_areas(places, cast, client_for):
    client = client_for(cast["village_director"])
    response = client.post(
        reverse("care:helper_new"),
        {"kind": "volunteer", "name": "外村人", "area": places.sibling_village.code},
    )
    assert response.status_code == 200
    assert "请选择您负责的县、乡镇或村（社区）。" in response.content.decode()
    assert not Helper.objects.filter(name="外村人").exists()


def test_the_edit_form_never_shows_the_phone_and_blank_keeps_it(places, cast, client_for):
    helper = make_helper(places.village, phone="13812345678")
    client = client_for(cast["village_director"])
    page = client.get(reverse("care:helper_edit", args=[helper.pk])).content.decode()
    assert "13812345678" not in page
    assert "138****5678" in page
    client.post(
        reverse("care:helper_edit", args=[helper.pk]),
        {"kind": "proxy_parent", "name": "刘芳", "phone": "", "area": places.village.code},
    )
    helper.refresh_from_db()
    assert helper.kind == "proxy_parent"
    assert helper.phone == "13812345678"
    assert helper.active is False  # the box was left unticked


def test_a_login_linked_must_be_a_volunteer_of_the_users_areas(places, cast, client_for):
    helper = make_helper(places.village)
    client = client_for(cast["village_director"])
    base = {"kind": "volunteer", "name": "刘芳", "area": places.village.code, "active": "on"}
    refused = client.post(
        reverse("care:helper_edit", args=[helper.pk]), {**base, "user": cast["teacher"].pk}
    )
    assert refused.status_code == 200
    assert "登录账号须是本地区的志愿者账号，且未关联其他帮扶人。" in refused.content.decode()
    helper.refresh_from_db()
    assert helper.user_id is None
    client.post(
        reverse("care:helper_edit", args=[helper.pk]), {**base, "user": cast["volunteer"].pk}
    )
    helper.refresh_from_db()
    assert helper.user_id == cast["volunteer"].pk


def test_the_service_refuses_a_login_that_is_not_a_volunteer_of_the_users_areas(places, cast):
    outsider = make_user("qingchuan_volunteer", role="volunteer", area=places.other_county_village)
    values = {"kind": "volunteer", "name": "刘芳", "area": places.village}
    for login in (cast["teacher"], outsider):
        with pytest.raises(ApplicationError) as refused:
            helper_save(user=cast["village_director"], values={**values, "user": login})
        assert refused.value.field == "user"
    taken = make_helper(places.village, user=cast["volunteer"])
    with pytest.raises(ApplicationError):
        helper_save(user=cast["village_director"], values={**values, "user": cast["volunteer"]})
    kept = helper_save(
        user=cast["village_director"],
        values={**values, "user": cast["volunteer"]},
        helper_id=taken.pk,
    )
    assert kept.user_id == cast["volunteer"].pk


# --- background checks and pairing --------------------------------------------------------


def test_recording_a_check_then_pairing(places, cast, kids, client_for):
    helper = make_helper(places.village)
    client = client_for(cast["village_director"])
    recorded = client.post(
        reverse("care:check_new", args=[helper.pk]),
        {"checked_on": today().isoformat(), "result": "clear", "authority": "旺苍县公安局"},
    )
    assert recorded.status_code == 302
    assert helper.checks.get().authority == "旺苍县公安局"
    found = client.get(reverse("care:pairing_new", args=[helper.pk]), {"q": "张"})
    assert "张小明" in found.content.decode()
    paired = client.post(reverse("care:pairing_new", args=[helper.pk]), pair_data(kids.village))
    assert paired.status_code == 302
    pairing = Pairing.objects.get(helper=helper)
    assert pairing.child_id == kids.village.pk
    assert pairing.meet_every_months == 3
    detail = client.get(reverse("care:helper_detail", args=[helper.pk])).content.decode()
    assert reverse("children:child_detail", args=[kids.village.pk]) in detail


def test_a_check_in_the_future_is_refused_on_the_form(places, cast, client_for):
    helper = make_helper(places.village)
    response = client_for(cast["village_director"]).post(
        reverse("care:check_new", args=[helper.pk]),
        {"checked_on": (today() + timedelta(days=1)).isoformat(), "result": "clear"},
    )
    assert response.status_code == 200
    assert "查询日期不能晚于今天。" in response.content.decode()
    assert not helper.checks.exists()


def test_the_pairing_search_finds_only_children_the_user_sees(places, cast, kids, client_for):
    helper = make_helper(places.village, checked_on=today())
    client = client_for(cast["village_director"])
    html = client.get(reverse("care:pairing_new", args=[helper.pk]), {"q": "李"}).content.decode()
    assert "李四" not in html  # 四新村's child
    outside = client.post(
        reverse("care:pairing_new", args=[helper.pk]), pair_data(kids.sibling_village)
    )
    assert outside.status_code == 404
    assert not Pairing.objects.exists()


@pytest.mark.parametrize(
    ("checked", "result", "message"),
    [
        (None, None, "没有背景审查记录（或审查发现不良记录），不能结对"),
        (400, "clear", "已超过 12 个月，请重新审查后再结对"),
        (10, "not_clear", "没有背景审查记录（或审查发现不良记录），不能结对"),
    ],
    ids=["no check", "older than 12 months", "latest not clear"],
)
def test_the_background_check_rule_refuses_a_pairing(
    places, cast, kids, client_for, checked, result, message
):
    helper = make_helper(places.village)
    if checked is not None:
        # A clear check long ago, then the one of the case: the latest is what counts.
        BackgroundCheck.objects.create(
            helper=helper, checked_on=today() - timedelta(days=500), result="clear"
        )
        BackgroundCheck.objects.create(
            helper=helper, checked_on=today() - timedelta(days=checked), result=result
        )
    response = client_for(cast["village_director"]).post(
        reverse("care:pairing_new", args=[helper.pk]), pair_data(kids.village)
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "未成年人保护法第六十二条" in html
    assert "张小明" in html  # the chosen child stays chosen
    assert not Pairing.objects.exists()


def test_a_check_of_exactly_12_months_still_allows_a_pairing_today(places, cast, kids, client_for):
    helper = make_helper(places.village, checked_on=add_months(today(), -12))
    response = client_for(cast["village_director"]).post(
        reverse("care:pairing_new", args=[helper.pk]), pair_data(kids.village)
    )
    assert response.status_code == 302
    assert Pairing.objects.filter(helper=helper).exists()


def test_an_organisation_is_paired_without_a_check(places, cast, kids, client_for):
    helper = make_helper(places.village, name="县团委", kind="organisation")
    response = client_for(cast["village_director"]).post(
        reverse("care:pairing_new", args=[helper.pk]), pair_data(kids.village)
    )
    assert response.status_code == 302
    assert Pairing.objects.get(helper=helper).child_id == kids.village.pk


def test_a_record_found_ends_every_pairing(places, cast, kids, client_for):
    helper = make_helper(places.village, checked_on=today() - timedelta(days=30))
    pairing = Pairing.objects.create(
        helper=helper, child=kids.village, started_on=today() - timedelta(days=20)
    )
    client_for(cast["village_director"]).post(
        reverse("care:check_new", args=[helper.pk]),
        {"checked_on": today().isoformat(), "result": "not_clear"},
    )
    pairing.refresh_from_db()
    assert pairing.ended_on == today()
    assert pairing.end_reason == "check_failed"


# --- ending a pairing, and the volunteer's access -------------------------------------------


def test_ending_a_pairing_ends_the_volunteers_access_to_the_child(places, cast, kids, client_for):
    volunteer = cast["volunteer"]
    helper = make_helper(places.village, checked_on=today(), user=volunteer)
    director = client_for(cast["village_director"])
    director.post(
        reverse("care:pairing_new", args=[helper.pk]),
        pair_data(kids.village, started_on=(today() - timedelta(days=5)).isoformat()),
    )
    pairing = Pairing.objects.get(helper=helper)
    child_url = reverse("children:child_detail", args=[kids.village.pk])
    assert client_for(volunteer).get(child_url).status_code == 200

    ended = director.post(
        reverse("care:pairing_end", args=[pairing.pk]),
        {"ended_on": today().isoformat(), "end_reason": "finished"},
    )
    assert ended.status_code == 302
    pairing.refresh_from_db()
    assert pairing.ended_on == today()
    assert pairing.end_reason == "finished"
    assert client_for(volunteer).get(child_url).status_code == 404


def test_an_end_before_the_start_is_refused_on_the_form(places, cast, kids, client_for):
    helper = make_helper(places.village, checked_on=today())
    pairing = Pairing.objects.create(helper=helper, child=kids.village, started_on=today())
    response = client_for(cast["village_director"]).post(
        reverse("care:pairing_end", args=[pairing.pk]),
        {"ended_on": (today() - timedelta(days=1)).isoformat(), "end_reason": "finished"},
    )
    assert response.status_code == 200
    assert "结束日期应在开始日期和今天之间。" in response.content.decode()
    pairing.refresh_from_db()
    assert pairing.ended_on is None


def test_a_child_the_viewer_cannot_see_is_not_named(places, cast, kids, client_for):
    # A helper of 长滩村 paired (by the township) with a child of 四新村: 长滩村's director
    # sees that their helper has a pairing outside their reach, not whose.
    helper = make_helper(places.village, checked_on=today())
    Pairing.objects.create(helper=helper, child=kids.sibling_village, started_on=today())
    html = (
        client_for(cast["village_director"])
        .get(reverse("care:helper_detail", args=[helper.pk]))
        .content.decode()
    )
    assert "李四" not in html
    assert "四新村" not in html
    assert 'data-testid="child-elsewhere"' in html
    assert reverse("children:child_detail", args=[kids.sibling_village.pk]) not in html


# --- escaping and the menu -----------------------------------------------------------------


def test_a_helpers_name_is_escaped_on_the_list_and_the_file(places, cast, client_for):
    helper = make_helper(places.village, name="<script>alert(1)</script>")
    client = client_for(cast["village_director"])
    for url in (reverse("care:helper_list"), reverse("care:helper_detail", args=[helper.pk])):
        html = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_menu_shows_the_register_to_its_keepers_only(places, cast, client_for):
    url = reverse("care:helper_list")
    assert f'href="{url}"' in client_for(cast["league"]).get("/").content.decode()
    assert f'href="{url}"' not in client_for(cast["teacher"]).get("/").content.decode()


def test_checks_running_out_by_a_day_cover_29_february():
    # A check of 29 February 2024 runs out on 28 February 2025.
    assert checks_valid_until_on_or_before(date(2025, 2, 28)) == date(2024, 2, 29)
    assert checks_valid_until_on_or_before(date(2025, 3, 1)) == date(2024, 3, 1)


def test_a_check_that_found_a_record_tells_the_state_whatever_came_after(places, cast, client_for):
    """A record found bars the helper for good (art. 62): a clear check dated later does
    not make them valid again, on the list, the helper's page or for a pairing."""
    helper = make_helper(
        places.village, checked_on=today() - timedelta(days=60), result="not_clear"
    )
    BackgroundCheck.objects.create(helper=helper, checked_on=today(), result="clear")
    client = client_for(cast["village_director"])
    listed = client.get(reverse("care:helper_list") + "?check=missing").content.decode()
    assert "刘芳" in listed
    page = client.get(reverse("care:helper_detail", args=[helper.pk])).content.decode()
    assert "有不良记录" in page
    assert "有效期至" not in page
