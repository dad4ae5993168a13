"""The password hasher: Argon2id at OWASP's recommended minimum.

Django's Argon2PasswordHasher uses 100 MiB and 8 lanes: on the 2-core machines a county
runs Guanai on, one login took 0.3–2.5 s of server time, by the machine's load, and two
logins at once held 200 MiB. OWASP's Password Storage Cheat Sheet gives as minimum for
Argon2id 19 MiB, 2 passes, 1 lane: the check takes 30–90 ms here (bench/login_bench.py).
Passwords are at least 8 characters of three kinds and a username is locked after 5
failures (django-axes), so the work factor guards stolen hashes, not the login form.

The algorithm name stays "argon2": hashes made with Django's parameters are still read,
and `must_update` (the parameters differ) has Django's ModelBackend hash the password
again at the account's next successful login.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB: 19 MiB
    parallelism = 1
