"""Two-factor login: a TOTP authenticator app (微信/支付宝 小程序, Google/Microsoft
Authenticator...) plus one-time recovery codes, through django-otp.

Required for privileged roles (system and county level), optional for everyone else.
A session counts as verified once django_otp.login() was called in it.

A privileged account enrols its first authenticator only with the one-time enrolment code
its administrator was shown (services.enrolment_code_issue): whoever learns the password of
a new account, or of one whose second factor was reset, cannot bind their own phone to it.
"""

import base64
from dataclasses import dataclass
from datetime import timedelta

import segno
from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import devices_for_user, user_has_device, verify_token
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from guanai.accounts.models import EnrolmentCode, LoginEvent, User
from guanai.accounts.scope import scope_for
from guanai.accounts.selectors import enrolment_codes_usable, user_get_for_manager
from guanai.accounts.services import (
    Handover,
    account_event_record,
    enrolment_code_issue,
    enrolment_code_normalised,
    handover_prepare,
    password_expired,
)
from guanai.core.errors import ApplicationError

_TOTP_NAME = "authenticator"
_RECOVERY_NAME = "recovery"


def two_factor_required(user: User) -> bool:
    return scope_for(user).privileged


def two_factor_enabled(user: User) -> bool:
    return user_has_device(user, confirmed=True)


def enrolment_code_required(user: User) -> bool:
    """A first authenticator for a privileged account needs its enrolment code."""
    return two_factor_required(user) and not two_factor_enabled(user)


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    secret: str  # base32, in groups of four, for typing into the app by hand
    qr_svg_uri: str


def enrolment_start(*, user: User, device_id: int | None) -> Enrolment:
    """The authenticator this session is enrolling (`device_id`, kept in the session), made
    on first call. Each session gets a key of its own: a key shown to someone else who knew
    the password never becomes the owner's authenticator. Keys a day old and never
    confirmed go."""
    pending = TOTPDevice.objects.filter(user=user, confirmed=False)
    device = pending.filter(pk=device_id).first() if device_id is not None else None
    if device is None:
        day_ago = timezone.now() - timedelta(days=1)
        TOTPDevice.objects.filter(user=user, confirmed=False, created_at__lt=day_ago).delete()
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


def _enrolment_code_refused() -> ApplicationError:
    return ApplicationError(
        _(
            "绑定码不正确或已失效。绑定码由管理员提供，%(hours)d小时内有效，只能使用一次；"
            "请向管理员索取新的绑定码。"
        )
        % {"hours": int(settings.ENROLMENT_CODE_VALIDITY.total_seconds() // 3600)},
        field="enrolment_code",
    )


def _enrolment_code_check(*, request: HttpRequest, user: User, code: str) -> int:
    """The id of the account's enrolment code, if `code` is it and it is still valid. A
    wrong code is logged and counts against the code (void after a few), and both stay
    though the enrolment fails."""
    with transaction.atomic():
        waiting = enrolment_codes_usable().select_for_update().filter(user=user).first()
        if waiting is not None and check_password(
            enrolment_code_normalised(code), waiting.code_hash
        ):
            return waiting.pk
        if waiting is not None:
            EnrolmentCode.objects.filter(pk=waiting.pk).update(failures=F("failures") + 1)
        account_event_record(
            request=request, user=user, kind=LoginEvent.Kind.ENROLMENT_CODE_FAILURE
        )
    raise _enrolment_code_refused()


def enrolment_confirm(
    *,
    request: HttpRequest,
    user: User,
    device_id: int | None,
    token: str,
    current_token: str = "",
    enrolment_code: str = "",
) -> list[str]:
    """Check the first code from the session's new authenticator (`device_id`), given a
    code of the old one when replacing it, or the enrolment code when a privileged account
    enrols its first. The new one replaces any old one, the session counts as verified, and
    fresh recovery codes are returned (shown once)."""
    code_id = None
    if two_factor_enabled(user):
        _current_factor_check(user, current_token)
    elif two_factor_required(user):
        code_id = _enrolment_code_check(request=request, user=user, code=enrolment_code)
    return _enrolment_finish(
        request=request, user=user, device_id=device_id, token=token, code_id=code_id
    )


@transaction.atomic
def _enrolment_finish(
    *, request: HttpRequest, user: User, device_id: int | None, token: str, code_id: int | None
) -> list[str]:
    pending = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False)
    device = pending.filter(pk=device_id).first() if device_id is not None else None
    if device is None or not device.verify_token(_digits(token)):
        raise ApplicationError(
            _("动态码不正确。请确认手机时间准确，并输入验证器中当前显示的6位数字。"),
            field="token",
        )
    # Used once: another request may just have used it.
    if code_id is not None and not EnrolmentCode.objects.filter(pk=code_id).delete()[0]:
        raise _enrolment_code_refused()
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
def two_factor_reset(
    *, reset_by: User, user_id: int, request: HttpRequest | None = None
) -> Handover:
    """For a lost phone: the authenticator and recovery codes go. If their roles require
    two-factor login, the user enrols again at their next login with the enrolment code
    returned (a new one each time: also for an account whose code expired unused)."""
    user = user_get_for_manager(manager=reset_by, user_id=user_id)
    _devices_delete(user)
    account_event_record(request=request, user=user, kind=LoginEvent.Kind.OTP_RESET, by=reset_by)
    return handover_prepare(user=user, by=reset_by, request=request, reset=True)


@transaction.atomic
def enrolment_code_from_console(*, user: User, reset: bool) -> str:
    """An enrolment code issued at the server's console (manage.py enrolment_code), for the
    accounts nobody in the system ranks above: a system admin's, new or with a lost phone
    (`reset` removes the authenticator and recovery codes first)."""
    if reset:
        _devices_delete(user)
        account_event_record(request=None, user=user, kind=LoginEvent.Kind.OTP_RESET)
    elif two_factor_enabled(user):
        raise ApplicationError(_("该账户已绑定验证器；手机丢失时请加 --reset 重置。"))
    return enrolment_code_issue(user=user, issued_by=None)


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
