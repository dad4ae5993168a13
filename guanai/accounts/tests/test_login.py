"""Login, lockout, idle timeout, password rules and the login audit log."""

import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.hashers import identify_hasher
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from guanai.accounts.models import LoginEvent, User
from guanai.accounts.tests.helpers import (
    HOME,
    LOGIN,
    PASSWORD,
    change_password,
    with_password,
)


def attempt(client: Client, username: str, password: str):
    """A login from an address of its own, to find in the log."""
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR="10.1.2.3")


def test_the_login_page_is_chinese_and_served_to_anyone(db):
    response = Client().get(LOGIN)
    assert response.status_code == 200
    assert "登录" in response.content.decode()


def test_a_good_password_logs_in_and_is_audited(alice):
    client = Client()
    response = attempt(client, alice.username, PASSWORD)
    assert response.status_code == 302
    assert client.get(HOME).status_code == 200
    event = LoginEvent.objects.get()
    assert (event.user, event.kind, event.ip_address) == (alice, "success", "10.1.2.3")


def test_a_wrong_password_is_refused_with_a_chinese_message_and_audited(alice):
    response = attempt(Client(), alice.username, "wrong")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    event = LoginEvent.objects.get()
    assert (event.user, event.kind, event.username) == (alice, "failure", alice.username)


def test_an_unknown_username_is_audited_without_a_user(db):
    attempt(Client(), "nobody", "whatever")
    event = LoginEvent.objects.get()
    assert (event.user, event.kind, event.username) == (None, "failure", "nobody")


def test_five_failures_lock_the_account_even_for_the_right_password(alice):
    client = Client()
    for _ in range(5):
        attempt(client, alice.username, "wrong")
    response = attempt(Client(), alice.username, PASSWORD)
    assert response.status_code == 429
    assert "锁定" in response.content.decode()
    assert LoginEvent.objects.filter(kind="locked", user=alice).exists()


def test_four_failures_do_not_lock(alice):
    for _ in range(4):
        attempt(Client(), alice.username, "wrong")
    assert attempt(Client(), alice.username, PASSWORD).status_code == 302


def test_the_lock_lifts_after_fifteen_minutes(alice):
    for _ in range(5):
        attempt(Client(), alice.username, "wrong")
    assert attempt(Client(), alice.username, PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert attempt(Client(), alice.username, PASSWORD).status_code == 302


def test_a_lock_on_one_account_leaves_others_alone(alice, cast):
    bob = with_password(cast["township_supervisor"])
    for _ in range(5):
        attempt(Client(), alice.username, "wrong")
    assert attempt(Client(), bob.username, PASSWORD).status_code == 302


def _age_session(client: Client, seconds: float) -> None:
    session = client.session
    session["guanai_last_seen"] = time.time() - seconds
    session.save()


def test_fifteen_idle_minutes_log_the_user_out(alice):
    client = Client()
    attempt(client, alice.username, PASSWORD)
    assert client.get(HOME).status_code == 200
    _age_session(client, 15 * 60 + 5)
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert client.get(HOME).status_code == 302  # still logged out
    assert LoginEvent.objects.filter(kind="timeout", user=alice).exists()


def test_fourteen_idle_minutes_keep_the_session(alice):
    client = Client()
    attempt(client, alice.username, PASSWORD)
    _age_session(client, 14 * 60)
    assert client.get(HOME).status_code == 200


def test_htmx_requests_after_the_timeout_redirect_the_whole_page(alice):
    client = Client()
    attempt(client, alice.username, PASSWORD)
    _age_session(client, 16 * 60)
    response = client.get(reverse("areas:school_list"), headers={"HX-Request": "true"})
    assert response["HX-Redirect"].startswith(LOGIN)


def test_logout_is_a_post_and_is_audited(alice):
    client = Client()
    attempt(client, alice.username, PASSWORD)
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(HOME).status_code == 302
    assert LoginEvent.objects.filter(kind="logout", user=alice).exists()


def test_passwords_are_hashed_with_argon2(alice):
    assert identify_hasher(User.objects.get(pk=alice.pk).password).algorithm == "argon2"


@pytest.mark.parametrize(
    ("password", "fault"),
    [
        ("Ab1#xyz", "太短"),  # seven characters
        ("abcdefgh12", "至少3类"),  # two classes
        ("ABCDEFGHIJ", "至少3类"),  # one class
        ("Zhangsan#2026", "用户名"),  # contains the username
        ("Password1", "常见"),  # a common password... and only two classes apart from case
    ],
)
def test_weak_passwords_are_refused(password, fault):
    user = User(username="zhangsan")
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        validate_password(password, user)
    assert any(fault in message for message in error.value.messages), error.value.messages


@pytest.mark.parametrize("password", ["Shiqiao#2026", "guanai-2026X", "Cun.Zhu.Ren.8"])
def test_strong_passwords_pass(password):
    validate_password(password, User(username="zhangsan"))


def test_users_see_their_recent_logins(alice):
    client = Client()
    attempt(client, "village_director", "wrong")
    attempt(client, alice.username, PASSWORD)
    page = client.get(reverse("accounts:my_account")).content.decode()
    assert "登录成功" in page
    assert "登录失败" in page
    assert "10.1.2.3" in page


def test_changing_the_password_checks_the_old_one_and_the_rules(alice):
    client = Client()
    attempt(client, alice.username, PASSWORD)
    response = change_password(client, old="nope", new="Xin#Mima2027")
    assert "原密码不正确" in response.content.decode()
    response = change_password(client, old=PASSWORD, new="weakweak")
    assert "至少3类" in response.content.decode()
    response = change_password(client, old=PASSWORD, new="Xin#Mima2027")
    assert response.status_code == 302
    assert User.objects.get(pk=alice.pk).check_password("Xin#Mima2027")
    assert client.get(HOME).status_code == 200  # still logged in
