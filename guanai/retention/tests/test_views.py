from datetime import date, datetime, time

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_child, make_id_number
from guanai.children.models import Child
from guanai.retention.models import RetentionPolicy
from guanai.retention.selectors import months_before
from guanai.retention.services import anonymise_expired


def exited_long_ago(village, **fields) -> Child:
    """Left the roster 40 months ago, the exit recorded that day and approved."""
    on = months_before(timezone.localdate(), 40)
    return make_child(
        village,
        status="exited",
        exit_reason="moved",
        exited_on=on,
        exit_recorded_at=timezone.make_aware(datetime.combine(on, time(10))),
        **fields,
    )


def test_an_anonymised_child_is_out_of_lists_and_search_but_counted(places, cast, kids, client_for):
    number = make_id_number(sequence=61)
    # An active child anonymised a year after turning 18: counted among active children.
    adult = make_child(places.village, name="张成年", birth_date=date(2000, 5, 1), id_number=number)
    leaver = exited_long_ago(places.village, name="张离开")
    client = client_for(cast["county_admin"])
    total = client.get(reverse("web:home")).context["child_counts"]["total"]

    assert anonymise_expired().anonymised == 2

    url = reverse("children:child_list")

    def names(**params):
        return {row["child"].name for row in client.get(url, params).context["rows"]}

    assert names() == {"张小明", "李四", "王五"}
    assert names(status="all") == {"张小明", "李四", "王五"}
    assert names(q="zhang") == {"张小明"}
    assert names(q="zcn", status="all") == set()
    assert names(q="已匿名", status="all") == set()
    for child in (adult, leaver):
        assert client.get(reverse("children:child_detail", args=[child.pk])).status_code == 404
    # By ID number: no longer found.
    response = client.post(reverse("children:child_find"), {"id_number": number})
    assert response["Location"] == url
    assert client.get(reverse("web:home")).context["child_counts"]["total"] == total


@pytest.mark.parametrize("role", ["county_admin", "system_admin"])
def test_the_county_admin_sets_their_county_s_periods(role, places, cast, client_for):
    client = client_for(cast[role])
    url = reverse("retention:policy_edit", args=[places.county.code])
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["form"].initial == {
        "months_after_exit": 36,
        "months_after_adulthood": 12,
    }

    response = client.post(url, {"months_after_exit": "24", "months_after_adulthood": "6"})

    assert response.status_code == 302
    policy = RetentionPolicy.objects.get(county=places.county)
    assert (policy.months_after_exit, policy.months_after_adulthood) == (24, 6)
    assert policy.updated_by == cast[role]
    assert client.get(url).context["form"].initial["months_after_exit"] == 24


def test_periods_out_of_range_are_refused(places, cast, client_for):
    client = client_for(cast["county_admin"])
    url = reverse("retention:policy_edit", args=[places.county.code])
    response = client.post(url, {"months_after_exit": "0", "months_after_adulthood": "999"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"months_after_exit", "months_after_adulthood"}
    assert not RetentionPolicy.objects.exists()


@pytest.mark.parametrize(
    "role", ["county_education", "league", "auditor", "township_supervisor", "village_director"]
)
def test_no_one_else_sees_or_sets_the_periods(role, places, cast, client_for):
    client = client_for(cast[role])
    url = reverse("retention:policy_edit", args=[places.county.code])
    assert client.get(url).status_code == 404
    response = client.post(url, {"months_after_exit": "1", "months_after_adulthood": "1"})
    assert response.status_code == 404
    assert not RetentionPolicy.objects.exists()
    assert client.get(reverse("retention:policy_list")).status_code == 404


def test_a_county_admin_cannot_set_another_county_s_periods(places, cast, client_for):
    client = client_for(cast["county_admin"])
    url = reverse("retention:policy_edit", args=[places.other_county.code])
    response = client.post(url, {"months_after_exit": "1", "months_after_adulthood": "1"})
    assert response.status_code == 404
    assert not RetentionPolicy.objects.exists()


@pytest.mark.parametrize("role", ["county_admin", "system_admin"])
def test_only_counties_have_periods(role, places, cast, client_for):
    client = client_for(cast[role])
    for area in (places.township, places.village, places.city):
        url = reverse("retention:policy_edit", args=[area.code])
        assert client.get(url).status_code == 404


def test_the_list_shows_the_counties_the_user_sets(places, cast, client_for):
    RetentionPolicy.objects.create(
        county=places.other_county, months_after_exit=60, months_after_adulthood=24
    )

    def counties(user, **params):
        response = client_for(user).get(reverse("retention:policy_list"), params)
        assert response.status_code == 200
        return {county.code: policy for county, policy in response.context["rows"]}

    assert counties(cast["county_admin"]) == {places.county.code: None}
    everything = counties(cast["system_admin"])
    assert set(everything) == {places.county.code, places.other_county.code}
    assert everything[places.other_county.code].months_after_exit == 60
    assert set(counties(cast["system_admin"], q="青川")) == {places.other_county.code}


def test_the_page_says_how_many_are_due_and_how_many_were_anonymised(
    places, cast, kids, client_for
):
    exited_long_ago(places.village, name="张离开")
    exited_long_ago(places.other_township_village, name="李离开")
    exited_long_ago(places.other_county_village, name="王离开")
    client = client_for(cast["county_admin"])
    url = reverse("retention:policy_edit", args=[places.county.code])

    response = client.get(url)
    assert (response.context["due"], response.context["anonymised"]) == (2, 0)
    assert "登记移出满 30 天后" in response.content.decode()

    anonymise_expired()

    response = client.get(url)
    assert (response.context["due"], response.context["anonymised"]) == (0, 2)
    assert response.context["last_anonymised_at"] is not None


def test_the_menu_leads_county_admins_to_the_periods(places, cast, client_for):
    def menu(role):
        response = client_for(cast[role]).get(reverse("web:home"))
        return [item.url for item in response.context["nav_items"]]

    assert reverse("retention:policy_list") in menu("county_admin")
    assert reverse("retention:policy_list") in menu("system_admin")
    assert reverse("retention:policy_list") not in menu("township_supervisor")
