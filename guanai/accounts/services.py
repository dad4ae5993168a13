"""Writes for users, memberships and the login audit log."""

import secrets
from dataclasses import dataclass

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import user_has_device

from guanai.accounts.models import (
    EnrolmentCode,
    LoginEvent,
    Membership,
    PasswordHistory,
    Role,
    ScopeKind,
    User,
)
from guanai.accounts.scope import scope_for
from guanai.accounts.selectors import (
    enrolment_codes_usable,
    membership_get_for_manager,
    user_get_for_manager,
)
from guanai.areas.models import Area, AreaLevel, School
from guanai.core.errors import ApplicationError, NotInScope
from guanai.core.http import client_address


def login_event_record(
    *,
    request: HttpRequest | None,
    username: str,
    user: User | None,
    kind: str,
    by: User | None = None,
    membership: Membership | None = None,
) -> LoginEvent:
    agent = request.META.get("HTTP_USER_AGENT", "") if request is not None else ""
    return LoginEvent.objects.create(
        user=user,
        username=username,
        kind=kind,
        by=by,
        ip_address=client_address(request) if request is not None else None,
        user_agent=agent[:300],
        role=membership.role if membership else None,
        area=membership.area if membership else None,
        school=membership.school if membership else None,
    )


def account_event_record(
    *,
    request: HttpRequest | None,
    user: User,
    kind: str,
    by: User | None = None,
    membership: Membership | None = None,
) -> LoginEvent:
    """An event of a known account: its second factor, password, lock (with who did it), a
    role granted or revoked (with its place: a revocation still counts for a while when
    deciding who manages the account, selectors.users_managed_by)."""
    return login_event_record(
        request=request,
        username=user.username,
        user=user,
        kind=kind,
        by=by,
        membership=membership,
    )


@dataclass(frozen=True)
class Handover:
    """An account an administrator created or changed, and the one-time enrolment code to
    hand its holder (with the initial password, if any): empty unless its roles require
    two-factor login and it has no authenticator. Shown once; only its hash is kept."""

    user: User
    enrolment_code: str = ""


# Letters and digits nobody confuses when reading them out (no 0/O, 1/I/L).
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_CODE_LENGTH = 12  # 59 bits


def enrolment_code_normalised(code: str) -> str:
    """As typed: any case, with or without the dashes and spaces it is shown with."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


@transaction.atomic
def enrolment_code_issue(
    *, user: User, issued_by: User | None, request: HttpRequest | None = None
) -> str:
    """A new one-time enrolment code for the account, replacing any earlier one."""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _i in range(_CODE_LENGTH))
    now = timezone.now()
    EnrolmentCode.objects.update_or_create(
        user=user,
        defaults={
            "code_hash": make_password(raw),
            "issued_by": issued_by,
            "issued_at": now,
            "expires_at": now + settings.ENROLMENT_CODE_VALIDITY,
            "failures": 0,
        },
    )
    account_event_record(
        request=request, user=user, kind=LoginEvent.Kind.ENROLMENT_CODE_ISSUED, by=issued_by
    )
    return "-".join(raw[i : i + 4] for i in range(0, _CODE_LENGTH, 4))


def handover_prepare(
    *, user: User, by: User, request: HttpRequest | None, reset: bool = False
) -> Handover:
    """The account, with a new enrolment code if its roles require two-factor login and
    it must enrol an authenticator: after a `reset`, or when it has none and no code is
    waiting (a second role granted does not void the code handed over with the first)."""
    if not Membership.objects.filter(user=user, role__privileged=True).exists():
        return Handover(user)
    if not reset:
        waiting = enrolment_codes_usable().filter(user=user).exists()
        if waiting or user_has_device(user, confirmed=True):
            return Handover(user)
    return Handover(user, enrolment_code_issue(user=user, issued_by=by, request=request))


def _check_place(*, role: Role, area: Area | None, school: School | None) -> None:
    if role.scope_kind == ScopeKind.GLOBAL:
        if area is not None or school is not None:
            raise ApplicationError(_("%(role)s不绑定地区或学校。") % {"role": role.label})
    elif role.scope_kind == ScopeKind.AREA:
        if area is None or school is not None:
            raise ApplicationError(
                _("%(role)s须绑定一个地区。") % {"role": role.label}, field="area"
            )
        if role.area_level and area.level != role.area_level:
            raise ApplicationError(
                _("%(role)s须绑定到%(level)s级地区。")
                % {"role": role.label, "level": AreaLevel(role.area_level).label},
                field="area",
            )
    elif school is None or area is not None:
        raise ApplicationError(_("%(role)s须绑定一所学校。") % {"role": role.label}, field="school")


def _check_grantable(
    *, granter: User, role: Role, area: Area | None, school: School | None
) -> None:
    """The granter manages users at this place with a role ranking above this one: nobody
    grants or revokes a role of their own rank (a county admin another county admin's)."""
    place_code = school.area_id if school is not None else (area.code if area else None)
    manage_rank = scope_for(granter).manage_rank(place_code)
    if manage_rank < 0:
        raise NotInScope(_("该地区或学校不在您的管辖范围内。"), field="area")
    if role.rank >= manage_rank:
        raise ApplicationError(
            _("您只能授予或撤销比自己级别低的角色（%(role)s）。") % {"role": role.label},
            field="role",
        )


def _validated_password(password: str, user: User, *, field: str = "password") -> str:
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ApplicationError(" ".join(error.messages), field=field) from None
    return password


def _password_set(
    user: User, password: str, *, field: str = "password", check_history: bool = True
) -> None:
    """Set a new password: valid, none of the last few again, remembered for next time.

    An administrator's reset skips the history: its refusal would tell them which
    passwords the user had (often used elsewhere too); the user changes it at next login.
    """
    _validated_password(password, user, field=field)
    size = settings.PASSWORD_HISTORY_SIZE
    if user.pk is not None and check_history:
        recent = list(user.password_history.values_list("password", flat=True)[:size])
        if user.password and user.password not in recent:
            recent = [user.password, *recent][:size]
        if any(check_password(password, encoded) for encoded in recent):
            raise ApplicationError(
                _("新密码不能与最近%(n)d次使用过的密码相同。") % {"n": size}, field=field
            )
    user.set_password(password)
    user.password_changed_at = timezone.now()
    if user.pk is not None:
        user.save(update_fields=["password", "password_changed_at", "must_change_password"])
        _password_remember(user)


def _password_remember(user: User) -> None:
    PasswordHistory.objects.create(user=user, password=user.password)
    stale = user.password_history.values_list("pk", flat=True)[settings.PASSWORD_HISTORY_SIZE :]
    PasswordHistory.objects.filter(pk__in=list(stale)).delete()


def password_expired(user: User) -> bool:
    """Privileged roles (system and county level) must change their password regularly."""
    return (
        scope_for(user).privileged
        and timezone.now() - user.password_changed_at > settings.PASSWORD_MAX_AGE
    )


@transaction.atomic
def user_create(
    *,
    created_by: User,
    username: str,
    full_name: str,
    password: str,
    role: Role,
    area: Area | None = None,
    school: School | None = None,
    request: HttpRequest | None = None,
) -> Handover:
    """Create a user with their first membership; they change the password at first login,
    and enrol an authenticator with the code handed over with it if their role needs one."""
    username = username.strip()
    # Scope first: someone who may not create this user learns nothing about names.
    _check_place(role=role, area=area, school=school)
    _check_grantable(granter=created_by, role=role, area=area, school=school)
    if User.objects.filter(username__iexact=username).exists():
        raise ApplicationError(
            _("用户名“%(name)s”已被使用。") % {"name": username}, field="username"
        )
    user = User(username=username, full_name=full_name.strip(), must_change_password=True)
    _password_set(user, password)
    user.save()
    _password_remember(user)
    membership = Membership.objects.create(
        user=user, role=role, area=area, school=school, granted_by=created_by
    )
    # With the first role's place, by which the county's log of role changes finds it.
    for kind in (LoginEvent.Kind.ACCOUNT_CREATED, LoginEvent.Kind.ROLE_GRANTED):
        account_event_record(
            request=request, user=user, kind=kind, by=created_by, membership=membership
        )
    return handover_prepare(user=user, by=created_by, request=request)


@transaction.atomic
def membership_grant(
    *,
    granted_by: User,
    user_id: int,
    role: Role,
    area: Area | None = None,
    school: School | None = None,
    request: HttpRequest | None = None,
) -> Handover:
    """Grant a role to an account the granter manages; a role needing two-factor login, to
    an account without an authenticator, comes with an enrolment code to hand over. A role
    held before and revoked is granted anew: a membership of its own in the history."""
    user = user_get_for_manager(manager=granted_by, user_id=user_id)
    _check_place(role=role, area=area, school=school)
    _check_grantable(granter=granted_by, role=role, area=area, school=school)
    membership, created = Membership.objects.get_or_create(
        user=user, role=role, area=area, school=school, defaults={"granted_by": granted_by}
    )
    if not created:
        raise ApplicationError(_("该用户已有这一角色分配。"))
    account_event_record(
        request=request,
        user=user,
        kind=LoginEvent.Kind.ROLE_GRANTED,
        by=granted_by,
        membership=membership,
    )
    return handover_prepare(user=user, by=granted_by, request=request)


@transaction.atomic
def membership_revoke(
    *, revoked_by: User, user_id: int, membership_id: int, request: HttpRequest | None = None
) -> None:
    """Revoke a role the revoker manages, even of an account they do not manage as a whole
    (the county admin of another county volunteering in theirs). The membership stays in
    the account's history, ended now by the revoker."""
    # Only roles ranking below the revoker's there: not a fellow county admin's.
    membership = membership_get_for_manager(manager=revoked_by, membership_id=membership_id)
    if membership.user_id != user_id:
        raise Http404
    if membership.user_id == revoked_by.pk:
        raise ApplicationError(_("不能撤销自己的角色。"))
    # Only if still held: of two revocations at once, the second ends nothing and logs nothing.
    ended = Membership.objects.filter(pk=membership.pk).update(
        revoked_at=timezone.now(), revoked_by=revoked_by
    )
    if not ended:
        raise Http404
    account_event_record(
        request=request,
        user=membership.user,
        kind=LoginEvent.Kind.ROLE_REVOKED,
        by=revoked_by,
        membership=membership,
    )


@transaction.atomic
def password_change(
    *, user: User, old_password: str, new_password: str, request: HttpRequest | None = None
) -> None:
    if not user.check_password(old_password):
        raise ApplicationError(_("原密码不正确。"), field="old_password")
    if old_password == new_password:
        raise ApplicationError(_("新密码不能与原密码相同。"), field="new_password")
    user.must_change_password = False
    _password_set(user, new_password, field="new_password")
    account_event_record(request=request, user=user, kind=LoginEvent.Kind.PASSWORD_CHANGED)


@transaction.atomic
def user_lock(*, locked_by: User, user_id: int, request: HttpRequest | None = None) -> User:
    """Stop an account at once: its sessions end at their next request (the backend refuses
    inactive users). Like every act on an account as a whole, only by someone who manages
    every role it holds and held lately (selectors.users_managed_by): a county admin does
    not lock a system admin who also helps in a village, nor a fellow county admin."""
    user = user_get_for_manager(manager=locked_by, user_id=user_id)
    user.is_active = False
    user.save(update_fields=["is_active"])
    account_event_record(request=request, user=user, kind=LoginEvent.Kind.ADMIN_LOCK, by=locked_by)
    return user


@transaction.atomic
def user_unlock(*, unlocked_by: User, user_id: int, request: HttpRequest | None = None) -> User:
    """Start an account again, and lift a lockout after failed logins."""
    user = user_get_for_manager(manager=unlocked_by, user_id=user_id)
    user.is_active = True
    user.save(update_fields=["is_active"])
    axes_reset(username=user.username)
    account_event_record(
        request=request, user=user, kind=LoginEvent.Kind.ADMIN_UNLOCK, by=unlocked_by
    )
    return user


@transaction.atomic
def user_password_reset(
    *, reset_by: User, user_id: int, password: str, request: HttpRequest | None = None
) -> User:
    """A new initial password, which the user must change at their next login."""
    user = user_get_for_manager(manager=reset_by, user_id=user_id)
    user.must_change_password = True
    _password_set(user, password, check_history=False)
    axes_reset(username=user.username)
    account_event_record(
        request=request, user=user, kind=LoginEvent.Kind.PASSWORD_RESET, by=reset_by
    )
    return user
