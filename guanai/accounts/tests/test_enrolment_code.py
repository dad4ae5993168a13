"""A privileged account enrols its authenticator only with the one-time code its administrator
was shown (after resetting its two-factor login, or creating it), not with its password alone."""

import io
import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import make_user
from guanai.accounts.models import LoginEvent, User
from guanai.accounts.tests.helpers import (
    HOME,
    INITIAL_PASSWORD,
    PASSWORD,
    SETUP,
    change_password,
    code_for,
    log_in,
    post_new_user,
    with_password,
)


@pytest.fixture
def league(places) -> User:
    """The league's officer of 旺苍县, with an authenticator on a phone now lost."""
    user = with_password(make_user("tuanwei", role="league", area=places.county))
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


def shown_code(admin: Client, response) -> str:
    """The enrolment code on the page the administrator is sent to, shown once."""
    assert response.status_code == 302
    page = admin.get(response["Location"])
    assert page["Cache-Control"] == "no-store"
    found = re.search(r'data-testid="enrolment-code">([^<]+)<', page.content.decode())
    assert found, "no enrolment code shown"
    code = found.group(1).strip()
    assert code not in admin.get(response["Location"]).content.decode()
    return code


def reset(admin: Client, user: User) -> str:
    return shown_code(admin, admin.post(reverse("accounts:user_two_factor_reset", args=[user.pk])))


def at_enrolment(user: User, password: str = PASSWORD) -> tuple[Client, TOTPDevice]:
    """Logged in with the password, at the enrolment page, with the key it shows."""
    client = Client()
    assert log_in(client, user.username, password)["Location"].startswith(SETUP)
    assert client.get(SETUP).status_code == 200
    return client, TOTPDevice.objects.filter(user=user, confirmed=False).latest("pk")


def enrolled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def test_enrolment_after_a_reset_needs_the_code_the_administrator_was_shown(
    cast, league, client_for
):
    code = reset(client_for(cast["county_admin"]), league)
    assert not enrolled(league)
    # Whoever knows the password, without the code.
    client, device = at_enrolment(league)
    page = client.get(SETUP).content.decode()
    assert 'name="enrolment_code"' in page
    refused = client.post(SETUP, {"token": code_for(device)})
    assert refused.status_code == 200
    wrong = client.post(SETUP, {"token": code_for(device), "enrolment_code": "ABCD-EFGH-JKLM"})
    assert "绑定码" in wrong.content.decode()
    assert not enrolled(league)
    assert client.get(HOME)["Location"] == SETUP
    assert LoginEvent.objects.filter(user=league, kind="enrol_code_failure").count() == 1
    # The owner, with the code handed over (typed in lower case, with spaces).
    response = client.post(
        SETUP, {"token": code_for(device), "enrolment_code": code.lower().replace("-", " ")}
    )
    assert response.status_code == 302
    assert enrolled(league)
    assert client.get(HOME).status_code == 200


def test_an_enrolment_code_is_used_once(cast, league, client_for):
    admin = client_for(cast["county_admin"])
    first = reset(admin, league)
    client, device = at_enrolment(league)
    assert client.post(SETUP, {"token": code_for(device), "enrolment_code": first}).status_code == (
        302
    )
    second = reset(admin, league)
    assert second != first
    client, device = at_enrolment(league)
    assert client.post(SETUP, {"token": code_for(device), "enrolment_code": first}).status_code == (
        200
    )
    assert not enrolled(league)
    assert client.post(
        SETUP, {"token": code_for(device), "enrolment_code": second}
    ).status_code == (302)


def test_an_enrolment_code_expires_after_72_hours(cast, league, client_for):
    admin = client_for(cast["county_admin"])
    code = reset(admin, league)
    account = reverse("accounts:user_detail", args=[league.pk])
    assert "绑定码有效至" in admin.get(account).content.decode()
    stored = apps.get_model("accounts", "EnrolmentCode").objects.get(user=league)
    assert stored.expires_at - stored.issued_at == timedelta(hours=72)
    assert code.replace("-", "") not in stored.code_hash  # kept hashed
    # Three days and a minute later.
    stored.issued_at -= timedelta(hours=72, minutes=1)
    stored.expires_at -= timedelta(hours=72, minutes=1)
    stored.save()
    client, device = at_enrolment(league)
    response = client.post(SETUP, {"token": code_for(device), "enrolment_code": code})
    assert response.status_code == 200
    assert "已失效" in response.content.decode()
    assert not enrolled(league)
    assert "无有效绑定码" in admin.get(account).content.decode()


def test_five_wrong_enrolment_codes_void_the_code(cast, league, client_for):
    code = reset(client_for(cast["county_admin"]), league)
    client, device = at_enrolment(league)
    for n in range(5):
        client.post(SETUP, {"token": code_for(device), "enrolment_code": f"WRONG-CODE-000{n}"})
    response = client.post(SETUP, {"token": code_for(device), "enrolment_code": code})
    assert response.status_code == 200
    assert not enrolled(league)
    assert LoginEvent.objects.filter(user=league, kind="enrol_code_failure").count() == 6


def test_a_key_shown_to_someone_else_never_becomes_the_owners_authenticator(
    cast, league, client_for
):
    """Someone who knows the password opens the enrolment page before the owner does and
    copies its key: the owner's page shows another key."""
    code = reset(client_for(cast["county_admin"]), league)
    _intruder, seen = at_enrolment(league)
    owner, device = at_enrolment(league)
    assert device.pk != seen.pk
    assert owner.post(SETUP, {"token": code_for(device), "enrolment_code": code}).status_code == (
        302
    )
    assert list(TOTPDevice.objects.filter(user=league).values_list("pk", flat=True)) == [device.pk]


def test_a_new_league_officer_gets_a_code_with_the_initial_password(cast, places, client_for):
    admin = client_for(cast["county_admin"])
    response = post_new_user(admin, "new_league", "league", area=places.county)
    code = shown_code(admin, response)
    user = User.objects.get(username="new_league")
    client = Client()
    log_in(client, "new_league", INITIAL_PASSWORD)
    change_password(client, old=INITIAL_PASSWORD, new=PASSWORD)
    assert client.get(HOME)["Location"] == SETUP
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert client.post(SETUP, {"token": code_for(device)}).status_code == 200
    assert client.post(SETUP, {"token": code_for(device), "enrolment_code": code}).status_code == (
        302
    )
    assert enrolled(user)


def test_a_village_director_enrols_optional_two_factor_login_without_a_code(alice):
    client = Client()
    log_in(client, alice.username)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=alice, confirmed=False)
    assert client.post(SETUP, {"token": code_for(device)}).status_code == 302
    assert enrolled(alice)


def test_a_system_admin_who_lost_their_phone_gets_a_code_at_the_console(cast):
    """No one in the system ranks above a system admin, so the server's console resets them."""
    admin = with_password(cast["system_admin"])
    TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    with pytest.raises(CommandError, match="--reset"):
        call_command("enrolment_code", admin.username, stdout=io.StringIO())
    out = io.StringIO()
    call_command("enrolment_code", admin.username, "--reset", stdout=out)
    code = re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", out.getvalue()).group(0)
    assert not enrolled(admin)
    client, device = at_enrolment(admin)
    assert client.post(SETUP, {"token": code_for(device), "enrolment_code": code}).status_code == (
        302
    )
    assert enrolled(admin)
