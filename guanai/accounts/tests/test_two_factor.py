"""Two-factor login: required for privileged roles, enrolment with a QR code, recovery
codes, throttled guessing, and an administrator's reset for a lost phone."""

import re
from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import make_user
from guanai.accounts.models import LoginEvent, User
from guanai.accounts.services import enrolment_code_issue
from guanai.accounts.tests.helpers import HOME, SETUP, VERIFY, code_for, log_in, with_password
from guanai.accounts.twofactor import enrolment_code_required


def handed_over(user: User) -> dict[str, str]:
    """The enrolment code an administrator hands a privileged account (test_enrolment_code)."""
    if not enrolment_code_required(user):
        return {}
    return {"enrolment_code": enrolment_code_issue(user=user, issued_by=None)}


def enrol(client: Client, user: User) -> list[str]:
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(SETUP, {"token": code_for(device), **handed_over(user)})
    assert response.status_code == 302
    return recovery_codes_on(client.get(response["Location"]).content.decode())


def recovery_codes_on(page: str) -> list[str]:
    return re.findall(r'<li class="col">(\w+)</li>', page)


def enrolled_client(user: User) -> tuple[Client, list[str]]:
    """Logged in with the password, and enrolled with the first code: the client, and the
    recovery codes it was shown."""
    client = Client()
    log_in(client, user.username)
    return client, enrol(client, user)


def test_a_county_admin_must_enrol_before_anything_else(county_admin):
    client = Client()
    response = log_in(client, county_admin.username)
    assert response["Location"] == SETUP
    # Every other page sends them back to enrolment.
    assert client.get(reverse("children:child_list"))["Location"] == SETUP
    page = client.get(SETUP).content.decode()
    assert 'src="data:image/svg+xml' in page
    secret = TOTPDevice.objects.get(user=county_admin).bin_key
    assert re.search(r"[A-Z2-7]{4}( [A-Z2-7]{4}){7}", page)  # the key, to type by hand
    assert len(secret) == 20


def test_a_wrong_first_code_does_not_enrol(county_admin):
    client = Client()
    log_in(client, county_admin.username)
    client.get(SETUP)
    response = client.post(SETUP, {"token": "000000", **handed_over(county_admin)})
    assert "动态码不正确" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=county_admin, confirmed=True).exists()
    assert client.get(HOME)["Location"] == SETUP


def test_enrolment_shows_ten_recovery_codes_once_and_opens_the_system(county_admin):
    client, codes = enrolled_client(county_admin)
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert client.get(HOME).status_code == 200
    # Shown once: the page does not show them again.
    assert client.get(reverse("accounts:recovery_codes"))["Location"] == reverse(
        "accounts:my_account"
    )
    assert LoginEvent.objects.filter(user=county_admin, kind="otp_enrolled").exists()


def test_an_enrolled_user_gives_the_code_after_the_password(county_admin):
    client, _codes = enrolled_client(county_admin)
    device = TOTPDevice.objects.get(user=county_admin)
    client.post(reverse("accounts:logout"))

    client = Client()
    children = reverse("children:child_list")
    response = log_in(client, county_admin.username, next=children)
    assert response["Location"].startswith(VERIFY)
    assert client.get(HOME)["Location"] == VERIFY
    wrong = client.post(VERIFY, {"token": "123456"})
    assert "不正确" in wrong.content.decode()
    assert LoginEvent.objects.filter(user=county_admin, kind="otp_failure").exists()
    # django-otp throttles guesses: straight after a failure even the right code waits.
    refused = client.post(VERIFY, {"token": code_for(device, 1)})
    assert refused.status_code == 200
    device.refresh_from_db()
    device.throttling_failure_timestamp = timezone.now() - timedelta(minutes=5)
    device.save()
    response = client.post(VERIFY, {"token": code_for(device, 1), "next": children})
    assert response["Location"] == children
    assert client.get(children).status_code == 200


def test_a_recovery_code_works_once(county_admin):
    client, codes = enrolled_client(county_admin)
    client.post(reverse("accounts:logout"))

    client = Client()
    log_in(client, county_admin.username)
    assert client.post(VERIFY, {"token": codes[0]})["Location"] == HOME
    assert LoginEvent.objects.filter(user=county_admin, kind="recovery_used").exists()
    client.post(reverse("accounts:logout"))

    client = Client()
    log_in(client, county_admin.username)
    assert client.post(VERIFY, {"token": codes[0]}).status_code == 200
    assert client.get(HOME)["Location"] == VERIFY
    assert StaticToken.objects.filter(device__user=county_admin).count() == 9


def test_a_village_director_may_log_in_without_a_second_factor(alice):
    client = Client()
    assert log_in(client, alice.username)["Location"] == HOME
    assert client.get(HOME).status_code == 200
    assert "启用二次验证" in client.get(reverse("accounts:my_account")).content.decode()


def test_two_factor_is_optional_for_a_village_director_and_can_be_turned_off(alice):
    client, _codes = enrolled_client(alice)
    device = TOTPDevice.objects.get(user=alice, confirmed=True)
    # Not from a session left open: a current code is asked for.
    client.post(reverse("accounts:two_factor_disable"))
    assert TOTPDevice.objects.filter(user=alice).exists()
    response = client.post(
        reverse("accounts:two_factor_disable"), {"current_token": code_for(device, 1)}
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=alice).exists()


def test_a_county_admin_cannot_turn_it_off(county_admin):
    client, _codes = enrolled_client(county_admin)
    client.post(reverse("accounts:two_factor_disable"))
    assert TOTPDevice.objects.filter(user=county_admin, confirmed=True).exists()


def test_new_recovery_codes_replace_the_old(county_admin):
    client, old = enrolled_client(county_admin)
    refused = client.post(reverse("accounts:recovery_codes"), {"current_token": "000000"})
    assert refused["Location"] == reverse("accounts:my_account")
    assert StaticToken.objects.filter(device__user=county_admin, token=old[0]).exists()
    page = client.post(
        reverse("accounts:recovery_codes"), {"current_token": old[1]}
    ).content.decode()
    new = recovery_codes_on(page)
    assert len(new) == 10
    assert not set(old) & set(new)
    assert StaticToken.objects.filter(device__user=county_admin, token=old[0]).count() == 0


def test_an_admin_resets_a_lost_phone_and_the_user_enrols_again(county_admin, places):
    client, _codes = enrolled_client(county_admin)
    league = with_password(make_user("tuanwei", role="league", area=places.county))
    TOTPDevice.objects.create(user=league, name="phone", confirmed=True)

    response = client.post(reverse("accounts:user_two_factor_reset", args=[league.pk]))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=league).exists()
    event = LoginEvent.objects.get(user=league, kind="otp_reset")
    assert event.by == county_admin
    assert log_in(Client(), league.username)["Location"] == SETUP


def test_the_second_factor_is_asked_for_before_an_initial_password_is_changed(county_admin):
    client, _codes = enrolled_client(county_admin)
    client.post(reverse("accounts:logout"))
    county_admin.must_change_password = True
    county_admin.save()

    client = Client()
    assert log_in(client, county_admin.username)["Location"] == VERIFY
    # Not even the password page before the second factor.
    assert client.get(reverse("accounts:my_password"))["Location"] == VERIFY


def test_changing_phones_needs_a_code_of_the_old_one(county_admin):
    client, codes = enrolled_client(county_admin)
    old = TOTPDevice.objects.get(user=county_admin, confirmed=True)
    page = client.get(SETUP).content.decode()
    assert "current_token" in page
    new = TOTPDevice.objects.get(user=county_admin, confirmed=False)
    # Someone at a session left open, with their own phone but no current code.
    response = client.post(SETUP, {"token": code_for(new)})
    assert response.status_code == 200
    assert TOTPDevice.objects.filter(pk=old.pk, confirmed=True).exists()
    # That failure slows down the next guess at a current code, as at login.
    assert StaticDevice.objects.get(user=county_admin).throttling_failure_count == 1
    StaticDevice.objects.filter(user=county_admin).update(
        throttling_failure_timestamp=timezone.now() - timedelta(minutes=5)
    )
    # The owner, with a recovery code in place of the old phone.
    response = client.post(SETUP, {"token": code_for(new, 1), "current_token": codes[0]})
    assert response.status_code == 302
    assert list(TOTPDevice.objects.filter(user=county_admin).values_list("pk", flat=True)) == [
        new.pk
    ]
