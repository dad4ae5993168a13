"""The demo county as `make run` builds it, seen through each demo login."""

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from guanai.accounts.models import User
from guanai.areas.models import Area, School
from guanai.demo.services import DEMO_PASSWORD, demo_code


@pytest.fixture
def demo(db):
    # Children are tested in test_demo_children.py; the default 43 600 would take a while.
    call_command("load_demo", children=0)


def login(username: str) -> Client:
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": username, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302, username
    if response["Location"] == reverse("accounts:two_factor_verify"):
        # System and county logins: the demo authenticator's code.
        response = client.post(response["Location"], {"token": demo_code()})
        assert response["Location"] == reverse("web:home"), username
    return client


def test_the_demo_county_admin_needs_the_demo_code(demo):
    client = Client()
    client.post(reverse("accounts:login"), {"username": "county_admin", "password": DEMO_PASSWORD})
    assert client.get(reverse("web:home"))["Location"] == reverse("accounts:two_factor_verify")
    client.post(reverse("accounts:two_factor_verify"), {"token": demo_code()})
    assert client.get(reverse("web:home")).status_code == 200


def test_every_role_has_a_demo_login_with_the_stated_password(demo):
    codes = set(User.objects.values_list("username", flat=True))
    assert {
        "county_admin",
        "township_supervisor",
        "village_director",
        "school_admin",
        "teacher",
        "volunteer",
        "system_admin",
        "counsellor",
        "league",
        "auditor",
        "county_education",
    } <= codes
    for username in ["county_admin", "village_director", "teacher"]:
        login(username)


def test_the_seeds_schools_exist(demo):
    names = set(School.objects.values_list("name", flat=True))
    assert {"东河小学", "嘉川小学", "普济九江小学", "陈家岭小学", "旺苍县实验学校"} <= names


def test_a_county_admin_sees_all_23_townships(demo):
    client = login("county_admin")
    page = client.get(reverse("web:home")).content.decode()
    assert 'data-testid="township-count">23<' in page
    assert 'data-testid="village-count">257<' in page
    county = client.get(reverse("areas:area_detail", args=["510821000000"]))
    assert 'data-testid="child-count">23<' in county.content.decode()


def test_a_township_supervisor_sees_the_township_villages_only(demo):
    client = login("township_supervisor")
    response = client.get(reverse("areas:area_list"))
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    villages = Area.objects.filter(parent_id="510821100000").count()
    assert page.count('href="/areas/510821100') == villages
    assert client.get(reverse("areas:area_detail", args=["510821000000"])).status_code == 404
    assert client.get(reverse("areas:area_detail", args=["510821101000"])).status_code == 404


def test_a_village_director_sees_only_the_village(demo):
    client = login("village_director")
    response = client.get(reverse("areas:area_list"))
    assert response["Location"] == reverse("areas:area_detail", args=["510821100203"])
    assert client.get(response["Location"]).status_code == 200
    assert client.get(reverse("areas:area_detail", args=["510821100204"])).status_code == 404
    assert client.get(reverse("areas:area_detail", args=["510821100000"])).status_code == 404


def test_loading_the_demo_twice_changes_nothing(demo):
    counts = (Area.objects.count(), School.objects.count(), User.objects.count())
    call_command("load_demo", children=0)
    assert (Area.objects.count(), School.objects.count(), User.objects.count()) == counts
