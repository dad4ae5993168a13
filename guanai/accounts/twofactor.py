"""Two-factor login: a TOTP authenticator app (微信/支付宝 小程序, Google/Microsoft
Authenticator...) plus one-time recovery codes, through django-otp.

Required for privileged roles (system and county level), optional for everyone else.
A session counts as verified once django_otp.login() was called in it.
"""

import base64
from dataclasses import dataclass

import segno
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_otp import devices_for_user, user_has_device, verify_token
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from guanai.accounts.models import LoginEvent, User
from guanai.accounts.scope import scope_for
from guanai.accounts.selectors import user_get_for_manager
from guanai.accounts.services import account_event_record, check_manages_account, password_expired
from guanai.core.errors import ApplicationError

_TOTP_NAME = "authenticator"
_RECOVERY_NAME = "recovery"


def two_factor_required(user: User) -> bool:
    return scope_for(user).privileged


def two_factor_enabled(user: User) -> bool:
    return user_has_device(user, confirmed=True)


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    secret: str  # base32, in groups of four, for typing into the app by hand
    qr_svg_uri: str


def enrolment_start(*, user: User) -> Enrolment:
    """The pending (unconfirmed) authenticator of this user, made on first call."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_TOTP_NAME, confirmed=False)
    secret = base64.b32encode(device.bin_key).decode()
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    qr = segno.make(device.config_url, error="m")
    return Enrolment(device, grouped, qr.svg_data_uri(scale=5, border=2))


def _device_accepting(user: User, token: str) -> Device | None:
    """The user's authenticator or recovery codes, if one accepts the token.

    django-otp slows down repeated failures on each device (a growing delay): a device
    still waiting is not asked.
    """
    for device in devices_for_user(user, confirmed=True):
        if device.verify_is_allowed()[0]:
            verified = verify_token(user, device.persistent_id, _digits(token))
            if verified is not None:
                return verified
    return None


def _current_factor_check(user: User, token: str) -> None:
    """Changing two-factor login needs the factor in hand now (a code from the current
    app, or a recovery code), not just a session someone left open."""
    if _device_accepting(user, token) is not None:
        return
    raise ApplicationError(
        _("请输入当前验证器上的动态码（或一个恢复码），以确认是您本人操作。"),
        field="current_token",
    )


@transaction.atomic
def enrolment_confirm(
    *, request: HttpRequest, user: User, token: str, current_token: str = ""
) -> list[str]:
    """Check the first code from the app; the new authenticator replaces any old one (given
    a code of the old one), the session counts as verified, and fresh recovery codes are
    returned (shown once)."""
    if two_factor_enabled(user):
        _current_factor_check(user, current_token)
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token(_digits(token)):
        raise ApplicationError(
            _("动态码不正确。请确认手机时间准确，并输入验证器中当前显示的6位数字。"),
            field="token",
        )
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _recovery_codes_new(user)
    otp_login(request, device)
    account_event_record(request=request, user=user, kind=LoginEvent.Kind.OTP_ENROLLED)
    return codes


def _digits(token: str) -> str:
    return "".join(token.split())


def _recovery_codes_new(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=_RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _i in range(settings.RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def recovery_codes_renew(*, user: User, current_token: str) -> list[str]:
    if not two_factor_enabled(user):
        raise ApplicationError(_("尚未启用二次验证。"))
    _current_factor_check(user, current_token)
    return _recovery_codes_new(user)


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def second_factor_verify(*, request: HttpRequest, user: User, token: str) -> Device:
    """Accept a code from the authenticator or an unused recovery code; every failure is
    in the login log for the user to see."""
    verified = _device_accepting(user, token)
    if verified is not None:
        otp_login(request, verified)
        kind = (
            LoginEvent.Kind.RECOVERY_USED
            if isinstance(verified, StaticDevice)
            else LoginEvent.Kind.OTP_SUCCESS
        )
        account_event_record(request=request, user=user, kind=kind)
        return verified
    account_event_record(request=request, user=user, kind=LoginEvent.Kind.OTP_FAILURE)
    raise ApplicationError(
        _("动态码或恢复码不正确；多次输入错误后须等待更长时间才能再试。"), field="token"
    )


@transaction.atomic
def two_factor_disable(*, request: HttpRequest, user: User, current_token: str) -> None:
    """Only for users whose roles do not require it."""
    if two_factor_required(user):
        raise ApplicationError(_("您的角色必须使用二次验证，不能关闭。"))
    _current_factor_check(user, current_token)
    _devices_delete(user)
    account_event_record(request=request, user=user, kind=LoginEvent.Kind.OTP_REMOVED)


@transaction.atomic
def two_factor_reset(*, reset_by: User, user_id: int, request: HttpRequest | None = None) -> User:
    """For a lost phone: the user enrols again at their next login (if their role requires)."""
    user = user_get_for_manager(manager=reset_by, user_id=user_id)
    check_manages_account(reset_by, user)
    _devices_delete(user)
    account_event_record(request=request, user=user, kind=LoginEvent.Kind.OTP_RESET, by=reset_by)
    return user


def _devices_delete(user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def login_step_due(user: User) -> str | None:
    """The view a freshly logged-in user must go through next, if any, in order: the
    second factor (if they have one), a new password (initial or expired), enrolment in
    two-factor login (if their role requires it)."""
    # OTPMiddleware gives request.user is_verified(); a user just logged in by this very
    # request has not been through it, and is not verified.
    is_verified = getattr(user, "is_verified", None)
    verified = is_verified is not None and is_verified()
    has_device = verified or two_factor_enabled(user)
    if has_device and not verified:
        return "accounts:two_factor_verify"
    if user.must_change_password or password_expired(user):
        return "accounts:my_password"
    if not has_device and two_factor_required(user):
        return "accounts:two_factor_setup"
    return None
