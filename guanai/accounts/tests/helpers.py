"""What the accounts tests share: the login steps as a person takes them (the form, the
authenticator app's code), and accounts and roles changed as an administrator changes them."""

from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from guanai.accounts.models import Membership, Role, User
from guanai.accounts.services import Handover, membership_grant, membership_revoke, user_create
from guanai.areas.models import Area, School

PASSWORD = "Shiqiao#2026"
INITIAL_PASSWORD = "Chuqi#Mima2026"
LOGIN = reverse("accounts:login")
HOME = reverse("web:home")
MY_PASSWORD = reverse("accounts:my_password")
SETUP = reverse("accounts:two_factor_setup")
VERIFY = reverse("accounts:two_factor_verify")


def role(code: str) -> Role:
    return Role.objects.get(code=code)


def with_password(user: User, password: str = PASSWORD) -> User:
    """The user, with a password to type at the login form (the cast's have none)."""
    user.set_password(password)
    user.save()
    return user


def log_in(client: Client, username: str, password: str = PASSWORD, **data: str) -> HttpResponse:
    """The login form, filled in and sent (`data`: its other fields, such as `next`)."""
    return client.post(LOGIN, {"username": username, "password": password, **data})


def change_password(client: Client, *, old: str, new: str) -> HttpResponse:
    """The form to change one's own password, the new one typed twice."""
    return client.post(
        MY_PASSWORD, {"old_password": old, "new_password": new, "new_password_again": new}
    )


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The authenticator app's code (a later one, for a second login within 30 seconds:
    a code once accepted is not accepted again)."""
    generator = TOTP(device.bin_key, device.step, device.t0, device.digits)
    generator.time = timezone.now().timestamp() + steps_ahead * device.step
    return f"{generator.token():0{device.digits}d}"


def user_created(
    by: User,
    username: str,
    role_code: str,
    *,
    area: Area | None = None,
    school: School | None = None,
    password: str = INITIAL_PASSWORD,
) -> Handover:
    """An account with its first role and initial password, made by an administrator
    through the service."""
    return user_create(
        created_by=by,
        username=username,
        full_name="新用户",
        password=password,
        role=role(role_code),
        area=area,
        school=school,
    )


def post_new_user(client: Client, username: str, role_code: str, *, area: Area) -> HttpResponse:
    """The administrator's form for a new account, filled in and sent."""
    return client.post(
        reverse("accounts:user_new"),
        {
            "username": username,
            "full_name": "新用户",
            "password": INITIAL_PASSWORD,
            "role": role(role_code).pk,
            "area": area.code,
        },
    )


def grant(
    by: User, user: User, role_code: str, *, area: Area | None = None, school: School | None = None
) -> Handover:
    return membership_grant(
        granted_by=by, user_id=user.pk, role=role(role_code), area=area, school=school
    )


def revoke(by: User, membership: Membership) -> None:
    membership_revoke(revoked_by=by, user_id=membership.user_id, membership_id=membership.pk)
