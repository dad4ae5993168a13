"""Who manages an account: nobody grants or revokes a role of their own rank or above, an
account is managed only by someone above every role it holds (and held in the last day),
and whoever is not gets a 404 for the account's page, log and acts."""

import re
from datetime import timedelta

import pytest
from django.db.models import F
from django.http import Http404
from django.urls import reverse

from conftest import make_user
from guanai.accounts.models import LoginEvent, Membership, User
from guanai.accounts.tests.helpers import grant, revoke, role, user_created
from guanai.core.errors import ApplicationError

RESET_PASSWORD = "Chongzhi#2026"
ACCOUNT_ACTIONS = (
    "accounts:user_lock",
    "accounts:user_unlock",
    "accounts:user_password_reset",
    "accounts:user_two_factor_reset",
)


def revoke_url(user: User, membership: Membership) -> str:
    return reverse("accounts:membership_delete", args=[user.pk, membership.pk])


def untouched(user: User) -> bool:
    """No administrator's act reached the account (granting and revoking roles aside)."""
    user.refresh_from_db()
    acts = LoginEvent.objects.filter(user=user).exclude(kind__in=["role_granted", "role_revoked"])
    return user.is_active and not user.must_change_password and not acts.exists()


@pytest.fixture
def peer(places) -> User:
    """A second county admin of 旺苍县, who also directs a village there."""
    user = make_user("peer_admin", role="county_admin", area=places.county)
    Membership.objects.create(user=user, role=role("village_director"), area=places.village)
    return user


def test_a_county_admin_cannot_revoke_a_fellow_county_admins_role(cast, peer, client_for):
    county_role = peer.memberships.get(role__code="county_admin")
    client = client_for(cast["county_admin"])
    assert client.post(revoke_url(peer, county_role)).status_code == 404
    with pytest.raises((Http404, ApplicationError)):
        revoke(cast["county_admin"], county_role)
    assert Membership.objects.filter(pk=county_role.pk).exists()


def test_a_county_admin_cannot_grant_or_give_a_new_user_the_county_admin_role(
    cast, places, client_for
):
    director = make_user("shiqiao", role="village_director", area=places.other_township_village)
    with pytest.raises(ApplicationError):
        grant(cast["county_admin"], director, "county_admin", area=places.county)
    with pytest.raises(ApplicationError):
        user_created(cast["county_admin"], "second_admin", "county_admin", area=places.county)
    client = client_for(cast["county_admin"])
    response = client.post(
        reverse("accounts:user_detail", args=[director.pk]),
        {"role": role("county_admin").pk, "area": places.county.code},
    )
    assert response.status_code == 200  # the form again, with the refusal
    assert not director.memberships.filter(role__code="county_admin").exists()
    assert not User.objects.filter(username="second_admin").exists()
    page = client.get(reverse("accounts:user_new")).content.decode()
    offered = re.search(r'<select name="role".*?</select>', page, re.DOTALL).group(0)
    assert f'<option value="{role("county_admin").pk}"' not in offered
    assert f'<option value="{role("county_education").pk}"' in offered


def test_the_system_admin_manages_everyone_below_but_not_a_fellow_system_admin(
    cast, places, client_for
):
    other = make_user("second_system_admin", role="system_admin")
    client = client_for(cast["system_admin"])
    assert client.get(reverse("accounts:user_detail", args=[other.pk])).status_code == 404
    assert client.post(revoke_url(other, other.memberships.get())).status_code == 404
    assert client.post(reverse("accounts:user_lock", args=[other.pk])).status_code == 404
    assert untouched(other)
    # A county admin is below them.
    response = client.post(reverse("accounts:user_lock", args=[cast["county_admin"].pk]))
    assert response.status_code == 302
    cast["county_admin"].refresh_from_db()
    assert not cast["county_admin"].is_active


def test_granting_and_revoking_a_role_is_written_in_the_accounts_log(cast, places, client_for):
    teacher = make_user("teacher_two", role="teacher", school=places.school)
    client = client_for(cast["county_admin"])
    client.post(
        reverse("accounts:user_detail", args=[teacher.pk]),
        {"role": role("counsellor").pk, "school": places.school.pk},
    )
    granted = teacher.memberships.get(role__code="counsellor")
    client.post(revoke_url(teacher, granted))
    events = LoginEvent.objects.filter(user=teacher).order_by("at", "pk")
    assert [(e.kind, e.role.code, e.school, e.by) for e in events] == [
        ("role_granted", "counsellor", places.school, cast["county_admin"]),
        ("role_revoked", "counsellor", places.school, cast["county_admin"]),
    ]
    page = client.get(reverse("accounts:user_detail", args=[teacher.pk])).content.decode()
    assert "撤销角色" in page


def test_a_peer_stripped_of_the_county_role_stays_out_of_reach_for_a_day(cast, peer, client_for):
    """The takeover: the system admin revokes a county admin's county role (they moved on);
    the other county admin would otherwise reset their password and phone, and re-grant."""
    county_role = peer.memberships.get(role__code="county_admin")
    system_admin = client_for(cast["system_admin"])
    assert system_admin.post(revoke_url(peer, county_role)).status_code == 302
    assert list(peer.memberships.values_list("role__code", flat=True)) == ["village_director"]

    admin = client_for(cast["county_admin"])
    for name in ACCOUNT_ACTIONS:
        response = admin.post(reverse(name, args=[peer.pk]), {"password": RESET_PASSWORD})
        assert response.status_code == 404, name
    assert admin.get(reverse("accounts:user_detail", args=[peer.pk])).status_code == 404
    assert untouched(peer)

    # A day later, the village director is the county admin's to manage.
    Membership.all_objects.filter(pk=county_role.pk).update(
        granted_at=F("granted_at") - timedelta(days=30),
        revoked_at=F("revoked_at") - timedelta(hours=24, minutes=1),
    )
    response = admin.post(
        reverse("accounts:user_password_reset", args=[peer.pk]), {"password": RESET_PASSWORD}
    )
    assert response.status_code == 302
    peer.refresh_from_db()
    assert peer.must_change_password


@pytest.fixture
def visitor(cast, places) -> tuple[User, Membership]:
    """The county admin of 青川县, who also volunteers in 长滩村 (旺苍县), and that
    volunteer membership."""
    user = make_user("qingchuan_admin", role="county_admin", area=places.other_county)
    volunteering = Membership.objects.create(
        user=user, role=role("volunteer"), area=places.village, granted_by=cast["system_admin"]
    )
    LoginEvent.objects.create(user=user, username=user.username, kind="success")
    return user, volunteering


def test_a_county_admin_of_another_county_volunteering_here_is_no_account_of_ours(
    cast, places, visitor, client_for
):
    user, _volunteering = visitor
    client = client_for(cast["county_admin"])
    # Their login history, their account's state, their other roles.
    assert client.get(reverse("accounts:user_detail", args=[user.pk])).status_code == 404
    granted_on_the_page = client.post(
        reverse("accounts:user_detail", args=[user.pk]),
        {"role": role("village_director").pk, "area": places.sibling_village.code},
    )
    assert granted_on_the_page.status_code == 404
    with pytest.raises(Http404):
        grant(cast["county_admin"], user, "village_director", area=places.sibling_village)
    for name in ACCOUNT_ACTIONS:
        response = client.post(reverse(name, args=[user.pk]), {"password": RESET_PASSWORD})
        assert response.status_code == 404, name
    assert list(user.memberships.values_list("role__code", flat=True)) == [
        "county_admin",
        "volunteer",
    ]
    user.refresh_from_db()
    assert user.is_active
    assert not user.must_change_password
    # Their own login, and nothing else.
    assert list(LoginEvent.objects.filter(user=user).values_list("kind", flat=True)) == ["success"]


def test_a_county_admin_sees_and_may_end_a_visitors_volunteering_in_the_county(
    cast, places, visitor, client_for
):
    user, volunteering = visitor
    client = client_for(cast["county_admin"])
    page = client.get(reverse("accounts:user_list")).content.decode()
    assert "qingchuan_admin" in page
    assert "志愿者 · 长滩村" in page
    assert "青川县" not in page  # their role at home is not ours to see
    assert f'href="{reverse("accounts:user_detail", args=[user.pk])}"' not in page
    assert revoke_url(user, volunteering) in page

    response = client.post(revoke_url(user, volunteering))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:user_list")
    assert list(user.memberships.values_list("role__code", flat=True)) == ["county_admin"]
    event = LoginEvent.objects.get(user=user, kind="role_revoked")
    assert (event.role.code, event.area, event.by) == (
        "volunteer",
        places.village,
        cast["county_admin"],
    )
