"""Passwords are hashed with Argon2id at OWASP's minimum; older hashes are upgraded at login."""

from datetime import timedelta

import pytest
from django.contrib.auth.hashers import (
    Argon2PasswordHasher,
    check_password,
    get_hasher,
    identify_hasher,
)
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from guanai.accounts.hashers import Argon2idHasher
from guanai.accounts.models import User

PASSWORD = "Shiqiao#2026"
LOGIN = reverse("accounts:login")


def parameters(encoded: str) -> tuple[str, int, int, int]:
    decoded = identify_hasher(encoded).decode(encoded)
    return decoded["variety"], decoded["memory_cost"], decoded["time_cost"], decoded["parallelism"]


@pytest.fixture
def old_hash_user(cast) -> User:
    """A director whose password was hashed under Django's default Argon2 parameters
    (100 MiB, 8 lanes), as every account made before this change was."""
    user = cast["village_director"]
    user.password = Argon2PasswordHasher().encode(PASSWORD, Argon2PasswordHasher().salt())
    user.password_changed_at = timezone.now() - timedelta(days=10)
    user.save()
    return user


def log_in(username: str, password: str):
    return Client().post(LOGIN, {"username": username, "password": password})


def test_new_passwords_are_argon2id_at_owasps_minimum(cast):
    user = cast["teacher"]
    user.set_password(PASSWORD)
    user.save()
    assert isinstance(identify_hasher(user.password), Argon2idHasher)
    # 19 MiB (in KiB), 2 passes, 1 lane: OWASP Password Storage Cheat Sheet.
    assert parameters(user.password) == ("argon2id", 19 * 1024, 2, 1)
    assert isinstance(get_hasher("default"), Argon2idHasher)


def test_an_old_parameter_hash_still_logs_in_and_is_upgraded_then(old_hash_user):
    before = User.objects.get(pk=old_hash_user.pk)
    assert parameters(before.password) == ("argon2id", 102400, 2, 8)
    assert get_hasher("default").must_update(before.password)

    assert log_in(before.username, PASSWORD).status_code == 302

    after = User.objects.get(pk=old_hash_user.pk)
    assert parameters(after.password) == ("argon2id", 19 * 1024, 2, 1)
    assert not get_hasher("default").must_update(after.password)
    assert check_password(PASSWORD, after.password)
    # Hashing again is not a password change: the password's age stays.
    assert after.password_changed_at == before.password_changed_at
    assert log_in(before.username, PASSWORD).status_code == 302


def test_a_failed_login_leaves_an_old_hash_as_it_was(old_hash_user):
    stored = old_hash_user.password
    assert log_in(old_hash_user.username, "Wrong#2026").status_code == 200
    assert User.objects.get(pk=old_hash_user.pk).password == stored


def test_a_locked_account_is_not_upgraded_even_with_the_right_password(old_hash_user):
    stored = old_hash_user.password
    for _ in range(5):
        log_in(old_hash_user.username, "Wrong#2026")
    assert log_in(old_hash_user.username, PASSWORD).status_code == 429
    assert User.objects.get(pk=old_hash_user.pk).password == stored
