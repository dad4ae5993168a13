"""Passwords over time: no reuse of the last five, expiry for privileged roles, an
administrator's lock, unlock and reset, and rate limits on login."""

import itertools
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from conftest import logged_in_client, make_user
from guanai.accounts.models import LoginEvent, Membership
from guanai.accounts.services import password_change
from guanai.accounts.tests.helpers import (
    HOME,
    INITIAL_PASSWORD,
    LOGIN,
    MY_PASSWORD,
    PASSWORD,
    change_password,
    log_in,
    role,
    user_created,
)
from guanai.core.errors import ApplicationError


def test_none_of_the_last_five_passwords_may_return(alice):
    passwords = [PASSWORD] + [f"Xinmima#{n}a" for n in range(1, 6)]
    for old, new in itertools.pairwise(passwords):
        password_change(user=alice, old_password=old, new_password=new)
    current = passwords[-1]
    for reused in passwords[1:-1]:
        with pytest.raises(ApplicationError, match="最近5次"):
            password_change(user=alice, old_password=current, new_password=reused)
    # The sixth back is forgotten.
    password_change(user=alice, old_password=current, new_password=PASSWORD)
    assert alice.password_history.count() == 5


def test_a_new_users_initial_password_counts_as_used(cast, places):
    user = user_created(
        cast["county_admin"], "xinren", "village_director", area=places.village
    ).user
    password_change(user=user, old_password=INITIAL_PASSWORD, new_password="Xinmima#2026")
    with pytest.raises(ApplicationError, match="最近5次"):
        password_change(user=user, old_password="Xinmima#2026", new_password=INITIAL_PASSWORD)


def test_an_initial_password_must_be_changed_before_anything_else(alice):
    alice.must_change_password = True
    alice.save()
    client = Client()
    assert log_in(client, alice.username)["Location"] == MY_PASSWORD
    for url in [HOME, reverse("areas:area_list"), reverse("accounts:my_account")]:
        assert client.get(url)["Location"] == MY_PASSWORD
    assert "初始密码" in client.get(MY_PASSWORD).content.decode()
    response = change_password(client, old=PASSWORD, new="Xinmima#2026")
    assert response.status_code == 302
    assert client.get(HOME).status_code == 200
    assert LoginEvent.objects.filter(user=alice, kind="password_changed").exists()


def test_a_privileged_password_expires_after_ninety_days(county_admin):
    county_admin.password_changed_at = timezone.now() - timedelta(days=91)
    county_admin.save()
    client = logged_in_client(county_admin)
    assert client.get(HOME)["Location"] == MY_PASSWORD
    assert "90天" in client.get(MY_PASSWORD).content.decode()

    county_admin.password_changed_at = timezone.now() - timedelta(days=89)
    county_admin.save()
    assert client.get(HOME).status_code == 200


def test_a_village_directors_password_does_not_expire(alice):
    alice.password_changed_at = timezone.now() - timedelta(days=400)
    alice.save()
    client = Client()
    log_in(client, alice.username)
    assert client.get(HOME).status_code == 200


def test_a_locked_account_is_out_at_once_and_back_when_unlocked(cast, alice):
    admin = logged_in_client(cast["county_admin"])
    session = Client()
    log_in(session, alice.username)
    assert session.get(HOME).status_code == 200

    assert admin.post(reverse("accounts:user_lock", args=[alice.pk])).status_code == 302
    alice.refresh_from_db()
    assert not alice.is_active
    assert session.get(HOME)["Location"].startswith(LOGIN)  # the open session is gone
    refused = log_in(Client(), alice.username)
    assert refused.status_code == 200  # the login form again, not a way in
    page = admin.get(reverse("accounts:user_detail", args=[alice.pk])).content.decode()
    assert "管理员停用账户" in page

    admin.post(reverse("accounts:user_unlock", args=[alice.pk]))
    assert log_in(Client(), alice.username)["Location"] == HOME
    lock = LoginEvent.objects.get(user=alice, kind="admin_lock")
    assert lock.by == cast["county_admin"]


def test_unlocking_lifts_a_lockout_after_failed_logins(cast, alice):
    for _ in range(5):
        log_in(Client(), alice.username, "wrong")
    assert log_in(Client(), alice.username).status_code == 429
    logged_in_client(cast["county_admin"]).post(reverse("accounts:user_unlock", args=[alice.pk]))
    assert not AccessAttempt.objects.filter(username=alice.username).exists()
    assert log_in(Client(), alice.username)["Location"] == HOME


def test_a_county_admin_cannot_lock_someone_holding_a_higher_role(cast, places, alice):
    Membership.objects.create(user=alice, role=role("system_admin"))
    admin = logged_in_client(cast["county_admin"])
    assert admin.post(reverse("accounts:user_lock", args=[alice.pk])).status_code == 404
    alice.refresh_from_db()
    assert alice.is_active


def test_nobody_locks_themself(cast):
    admin = cast["county_admin"]
    client = logged_in_client(admin)
    assert client.post(reverse("accounts:user_lock", args=[admin.pk])).status_code == 404
    admin.refresh_from_db()
    assert admin.is_active


def test_an_admin_reset_password_must_be_changed_at_next_login(cast, alice):
    admin = logged_in_client(cast["county_admin"])
    admin.post(
        reverse("accounts:user_password_reset", args=[alice.pk]), {"password": "Chongzhi#2026"}
    )
    alice.refresh_from_db()
    assert alice.must_change_password
    client = Client()
    assert log_in(client, alice.username, "Chongzhi#2026")["Location"] == MY_PASSWORD
    assert LoginEvent.objects.get(user=alice, kind="password_reset").by == cast["county_admin"]


def test_a_weak_reset_password_is_refused(cast, alice):
    admin = logged_in_client(cast["county_admin"])
    response = admin.post(
        reverse("accounts:user_password_reset", args=[alice.pk]), {"password": "123"}, follow=True
    )
    assert "太短" in response.content.decode()
    alice.refresh_from_db()
    assert not alice.must_change_password


@override_settings(RATE_LIMITS={"login": (3, 600)})
def test_logins_from_one_address_are_rate_limited(cast):
    names = ["a", "b", "c", "d"]
    statuses = [log_in(Client(), name, "wrong").status_code for name in names]
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3] == 429
    response = log_in(Client(), "e", "wrong")
    assert "操作太频繁" in response.content.decode()
    assert int(response["Retry-After"]) > 0
    # Another address is not held back.
    other = Client(REMOTE_ADDR="10.9.9.9").post(LOGIN, {"username": "a", "password": "x"})
    assert other.status_code == 200


@override_settings(RATE_LIMITS={"login": (3, 600)}, PROXY_COUNT=1)
def test_behind_a_proxy_logins_are_limited_per_client_not_per_proxy(cast):
    def from_client(address: str):
        return Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=address).post(
            LOGIN, {"username": "x", "password": "wrong"}
        )

    assert [from_client("1.1.1.1").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert from_client("2.2.2.2").status_code == 200
    event = LoginEvent.objects.filter(kind="failure").first()
    assert event.ip_address in {"1.1.1.1", "2.2.2.2"}


def test_a_county_admin_cannot_take_over_a_fellow_county_admin(cast, places):
    peer = make_user("peer_admin", role="county_admin", area=places.county)
    admin = logged_in_client(cast["county_admin"])
    for name in ("user_password_reset", "user_two_factor_reset", "user_lock"):
        response = admin.post(
            reverse(f"accounts:{name}", args=[peer.pk]), {"password": "Qiang#2026x"}
        )
        assert response.status_code == 404
    peer.refresh_from_db()
    assert peer.is_active
    assert not peer.must_change_password
    assert not LoginEvent.objects.filter(user=peer).exists()
    # The system administrator may.
    logged_in_client(cast["system_admin"]).post(reverse("accounts:user_lock", args=[peer.pk]))
    peer.refresh_from_db()
    assert not peer.is_active


def test_an_admin_reset_does_not_tell_which_passwords_the_user_had(cast, alice):
    admin = logged_in_client(cast["county_admin"])
    response = admin.post(
        reverse("accounts:user_password_reset", args=[alice.pk]),
        {"password": PASSWORD},
        follow=True,
    )
    assert "最近5次" not in response.content.decode()
    alice.refresh_from_db()
    assert alice.must_change_password
