"""Login server time with Django's default Argon2 parameters and with Guanai's, in one run.

    DATABASE_URL=sqlite:////tmp/bench.sqlite3 python bench/login_bench.py [--logins 15]

The database is migrated first if it is empty. Each login is a POST to the login page
through Django's whole stack in process (middleware, rate limit, django-axes, the
password check, the session, the login log), from an address of its own so the
per-address rate limit does not answer instead; "server time" is the time from request
to response. Measured side by side on the same user and password:
(1) Django's Argon2PasswordHasher (100 MiB, 2 passes, 8 lanes), the setting before;
(2) guanai.accounts.hashers.Argon2idHasher (19 MiB, 2 passes, 1 lane, OWASP's minimum);
(3) one login of a user still holding a hash of (1) under the setting (2): it is checked
with the old parameters and hashed again with the new ones (Django's must_update).
The password check alone is timed beside each. Ends with a RESULT line
(../shared/BENCHMARKS.md); the goal is a login under 300 ms of server time (the median, as
the other benchmarks judge; the slowest login is printed beside it).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanai.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import check_password, get_hasher  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402

from guanai.accounts.models import User  # noqa: E402

DJANGO_DEFAULT = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
USERNAME = "bench_login"
PASSWORD = "Bench#Login2026"  # noqa: S105
GOAL_MS = 300


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


class Logins:
    """Logins from distinct addresses, so the per-address rate limit never answers."""

    def __init__(self) -> None:
        self.sent = 0

    def once(self) -> float:
        self.sent += 1
        address = f"10.{self.sent // 65536 % 256}.{self.sent // 256 % 256}.{self.sent % 256}"
        start = time.perf_counter()
        response = Client().post(
            reverse("accounts:login"),
            {"username": USERNAME, "password": PASSWORD},
            REMOTE_ADDR=address,
        )
        elapsed = time.perf_counter() - start
        if response.status_code != 302:
            sys.exit(f"login answered {response.status_code}, not a redirect")
        return elapsed


def measure(logins: Logins, count: int) -> tuple[float, float, float]:
    """(p50 login, max login, p50 password check alone) in ms, for the current hashers."""
    user = User.objects.get(username=USERNAME)
    user.set_password(PASSWORD)
    user.save()
    logins.once()  # warm-up: templates, first queries
    times = [logins.once() for _ in range(count)]
    encoded = User.objects.get(username=USERNAME).password
    checks = []
    for _ in range(5):
        start = time.perf_counter()
        check_password(PASSWORD, encoded)
        checks.append(time.perf_counter() - start)
    return ms(statistics.median(times)), ms(max(times)), ms(statistics.median(checks))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=15)
    args = parser.parse_args()
    if "accounts_user" not in connection.introspection.table_names():
        call_command("migrate", verbosity=0)
    User.objects.filter(username=USERNAME).delete()
    User.objects.create(username=USERNAME, full_name="bench")
    logins = Logins()
    try:
        with override_settings(PASSWORD_HASHERS=DJANGO_DEFAULT):
            old_p50, old_max, old_check = measure(logins, args.logins)
            old_hash = User.objects.get(username=USERNAME).password
        new_p50, new_max, new_check = measure(logins, args.logins)

        User.objects.filter(username=USERNAME).update(password=old_hash)
        upgrade = ms(logins.once())
        upgraded = User.objects.get(username=USERNAME).password
        if get_hasher("default").must_update(upgraded):
            sys.exit("the old hash was not upgraded at login")
        after_upgrade = ms(logins.once())
    finally:
        User.objects.filter(username=USERNAME).delete()

    print(
        f"hashers: {settings.PASSWORD_HASHERS[0]}; {args.logins} logins each, cpus={os.cpu_count()}"
    )
    print(
        f"Django default Argon2 (100 MiB, 8 lanes): login p50 {old_p50} ms, max {old_max} ms, check {old_check} ms"
    )
    print(
        f"Guanai Argon2id (19 MiB, 2 passes, 1 lane): login p50 {new_p50} ms, max {new_max} ms, check {new_check} ms"
    )
    print(
        f"first login with an old hash (checked, then upgraded): {upgrade} ms; next login {after_upgrade} ms"
    )
    print(
        f"RESULT logins={args.logins} login_p50_ms_django_default={old_p50} "
        f"login_p50_ms_ours={new_p50} login_max_ms_ours={new_max} "
        f"check_ms_django_default={old_check} check_ms_ours={new_check} "
        f"speedup={old_p50 / new_p50:.1f} upgrade_login_ms={upgrade} "
        f"login_after_upgrade_ms={after_upgrade} goal_ms={GOAL_MS} "
        f"goal_met={'yes' if new_p50 < GOAL_MS else 'no'}"
    )


if __name__ == "__main__":
    main()
