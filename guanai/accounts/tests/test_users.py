"""Who may create users and grant roles, and where."""

import pytest
from django.urls import reverse

from conftest import make_user
from guanai.accounts.models import Membership, User
from guanai.accounts.tests.helpers import grant, post_new_user, role, user_created
from guanai.core.errors import ApplicationError, NotInScope


def test_a_county_admin_creates_a_village_director_in_the_county(cast, places, client_for):
    admin = client_for(cast["county_admin"])
    response = post_new_user(
        admin, "shiqiao_director", "village_director", area=places.other_township_village
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
    admin = client_for(cast["county_admin"])
    response = post_new_user(
        admin, "outsider", "village_director", area=places.other_county_village
    )
    assert response.status_code == 200
    assert "不在您的管辖范围内" in response.content.decode()
    assert not User.objects.filter(username="outsider").exists()


def test_a_county_admin_cannot_grant_a_role_above_their_own(cast, places):
    target = make_user("someone", role="village_director", area=places.village)
    with pytest.raises(ApplicationError):
        grant(cast["county_admin"], target, "system_admin")
    assert not target.memberships.filter(role__code="system_admin").exists()


def test_the_system_admin_role_is_not_offered_to_a_county_admin(cast, client_for):
    page = client_for(cast["county_admin"]).get(reverse("accounts:user_new")).content.decode()
    assert role("county_education").name in page
    assert role("system_admin").name not in page


@pytest.mark.parametrize(
    ("role_code", "place", "message"),
    [("township_supervisor", "village", "乡镇"), ("teacher", "township", "学校")],
    ids=["a township role at a village", "a school role at a township"],
)
def test_roles_must_be_bound_at_their_level(role_code, place, message, cast, places):
    with pytest.raises(ApplicationError) as error:
        user_created(cast["county_admin"], "misplaced", role_code, area=getattr(places, place))
    assert message in error.value.message
    assert not User.objects.filter(username="misplaced").exists()


def test_a_weak_initial_password_is_refused(cast, places):
    with pytest.raises(ApplicationError) as error:
        user_created(
            cast["county_admin"],
            "weak",
            "village_director",
            area=places.village,
            password="12345678",
        )
    assert error.value.field == "password"
    assert not User.objects.filter(username="weak").exists()


def test_a_township_supervisor_cannot_manage_users(cast, places):
    with pytest.raises(NotInScope):
        user_created(cast["township_supervisor"], "x1", "volunteer", area=places.village)
    assert not User.objects.filter(username="x1").exists()


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
        user_created(
            cast["county_admin"],
            "qingchuan_director",
            "village_director",
            area=places.other_county_village,
        )
