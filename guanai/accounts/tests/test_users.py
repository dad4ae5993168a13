"""Who may create users and grant roles, and where."""

import pytest
from django.urls import reverse

from conftest import make_user
from guanai.accounts.models import Membership, Role, User
from guanai.accounts.services import membership_grant, user_create
from guanai.core.errors import ApplicationError, NotInScope

NEW_PASSWORD = "Chuqi#Mima2026"


def role(code: str) -> Role:
    return Role.objects.get(code=code)


def post_new_director(client, *, username: str, area_code: str):
    return client.post(
        reverse("accounts:user_new"),
        {
            "username": username,
            "full_name": "石桥村 李芳",
            "password": NEW_PASSWORD,
            "role": role("village_director").pk,
            "area": area_code,
        },
    )


def test_a_county_admin_creates_a_village_director_in_the_county(cast, places, client_for):
    response = post_new_director(
        client_for(cast["county_admin"]),
        username="shiqiao_director",
        area_code=places.other_township_village.code,
    )
    assert response.status_code == 302
    user = User.objects.get(username="shiqiao_director")
    assert user.must_change_password
    membership = user.memberships.get()
    assert (membership.role.code, membership.area, membership.granted_by) == (
        "village_director",
        places.other_township_village,
        cast["county_admin"],
    )


def test_a_county_admin_cannot_place_a_user_in_another_county(cast, places, client_for):
    response = post_new_director(
        client_for(cast["county_admin"]),
        username="outsider",
        area_code=places.other_county_village.code,
    )
    assert response.status_code == 200
    assert "不在您的管辖范围内" in response.content.decode()
    assert not User.objects.filter(username="outsider").exists()


def test_a_county_admin_cannot_grant_a_role_above_their_own(cast, places):
    target = make_user("someone", role="village_director", area=places.village)
    with pytest.raises(ApplicationError):
        membership_grant(
            granted_by=cast["county_admin"], user_id=target.pk, role=role("system_admin")
        )
    assert not target.memberships.filter(role__code="system_admin").exists()


def test_the_system_admin_role_is_not_offered_to_a_county_admin(cast, client_for):
    page = client_for(cast["county_admin"]).get(reverse("accounts:user_new")).content.decode()
    assert role("county_education").name in page
    assert role("system_admin").name not in page


def test_roles_must_be_bound_at_their_level(cast, places):
    with pytest.raises(ApplicationError) as error:
        user_create(
            created_by=cast["county_admin"],
            username="wrong_level",
            full_name="x",
            password=NEW_PASSWORD,
            role=role("township_supervisor"),
            area=places.village,
        )
    assert "乡镇" in error.value.message
    with pytest.raises(ApplicationError):
        user_create(
            created_by=cast["county_admin"],
            username="no_school",
            full_name="x",
            password=NEW_PASSWORD,
            role=role("teacher"),
            area=places.township,
        )
    assert not User.objects.filter(username__in=["wrong_level", "no_school"]).exists()


def test_a_weak_initial_password_is_refused(cast, places):
    with pytest.raises(ApplicationError) as error:
        user_create(
            created_by=cast["county_admin"],
            username="weak",
            full_name="x",
            password="12345678",
            role=role("village_director"),
            area=places.village,
        )
    assert error.value.field == "password"
    assert not User.objects.filter(username="weak").exists()


def test_a_township_supervisor_cannot_manage_users(cast, places):
    with pytest.raises(NotInScope):
        user_create(
            created_by=cast["township_supervisor"],
            username="x1",
            full_name="x",
            password=NEW_PASSWORD,
            role=role("volunteer"),
            area=places.village,
        )


def test_a_county_admin_grants_and_revokes_in_the_county(cast, places, client_for):
    target = make_user("teacher_two", role="teacher", school=places.school)
    client = client_for(cast["county_admin"])
    response = client.post(
        reverse("accounts:user_detail", args=[target.pk]),
        {"role": role("counsellor").pk, "school": places.school.pk},
    )
    assert response.status_code == 302
    granted = target.memberships.get(role__code="counsellor")
    client.post(reverse("accounts:membership_delete", args=[target.pk, granted.pk]))
    assert not Membership.objects.filter(pk=granted.pk).exists()


def test_the_user_list_shows_only_users_of_the_county(cast, places, client_for):
    make_user("qingchuan_director", role="village_director", area=places.other_county_village)
    page = client_for(cast["county_admin"]).get(reverse("accounts:user_list")).content.decode()
    assert "village_director" in page
    assert "qingchuan_director" not in page
    assert "system_admin" not in page


def test_the_user_list_runs_a_fixed_number_of_queries(
    cast, places, client_for, django_assert_max_num_queries
):
    client = client_for(cast["county_admin"])
    client.get(reverse("accounts:user_list"))
    for n in range(30):
        make_user(f"director_{n}", role="village_director", area=places.sibling_village)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("accounts:user_list")).status_code == 200


def test_a_user_outside_scope_learns_nothing_about_taken_usernames(cast, places):
    make_user("qingchuan_director", role="village_director", area=places.other_county_village)
    with pytest.raises(NotInScope):
        user_create(
            created_by=cast["county_admin"],
            username="qingchuan_director",
            full_name="x",
            password=NEW_PASSWORD,
            role=role("village_director"),
            area=places.other_county_village,
        )
