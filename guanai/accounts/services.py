"""Writes for users, memberships and the login audit log."""

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from guanai.accounts.models import LoginEvent, Membership, PasswordHistory, Role, ScopeKind, User
from guanai.accounts.scope import scope_for
from guanai.accounts.selectors import membership_get_for_manager, user_get_for_manager
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
) -> LoginEvent:
    agent = request.META.get("HTTP_USER_AGENT", "") if request is not None else ""
    return LoginEvent.objects.create(
        user=user,
        username=username,
        kind=kind,
        by=by,
        ip_address=client_address(request) if request is not None else None,
        user_agent=agent[:300],
    )


def account_event_record(
    *, request: HttpRequest | None, user: User, kind: str, by: User | None = None
) -> LoginEvent:
    """An event of a known account: its second factor, password, lock (with who did it)."""
    return login_event_record(request=request, username=user.username, user=user, kind=kind, by=by)


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
    """The granter manages users at this place and holds a role at least as high."""
    scope = scope_for(granter)
    if scope.everything:
        return
    place_code = school.area_id if school is not None else (area.code if area else None)
    top_rank = scope.grantable_rank(place_code) if place_code else -1
    if top_rank < 0:
        raise NotInScope(_("该地区或学校不在您的管辖范围内。"), field="area")
    if role.rank > top_rank:
        raise ApplicationError(
            _("您不能授予比自己更高级别的角色（%(role)s）。") % {"role": role.label},
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
) -> User:
    """Create a user with their first membership; they change the password at first login."""
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
    Membership.objects.create(user=user, role=role, area=area, school=school, granted_by=created_by)
    return user


@transaction.atomic
def membership_grant(
    *,
    granted_by: User,
    user_id: int,
    role: Role,
    area: Area | None = None,
    school: School | None = None,
) -> Membership:
    user = user_get_for_manager(manager=granted_by, user_id=user_id)
    _check_place(role=role, area=area, school=school)
    _check_grantable(granter=granted_by, role=role, area=area, school=school)
    membership, created = Membership.objects.get_or_create(
        user=user, role=role, area=area, school=school, defaults={"granted_by": granted_by}
    )
    if not created:
        raise ApplicationError(_("该用户已有这一角色分配。"))
    return membership


@transaction.atomic
def membership_revoke(*, revoked_by: User, user_id: int, membership_id: int) -> None:
    membership = membership_get_for_manager(manager=revoked_by, membership_id=membership_id)
    if membership.user_id != user_id:
        raise Http404
    _check_grantable(
        granter=revoked_by, role=membership.role, area=membership.area, school=membership.school
    )
    if membership.user_id == revoked_by.pk:
        raise ApplicationError(_("不能撤销自己的角色。"))
    membership.delete()


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


def check_manages_account(manager: User, subject: User) -> None:
    """Acting on an account as a whole (lock, unlock, resets) needs authority *above* every
    role it holds: a county admin may not lock a system administrator who also helps in a
    village, nor take over a fellow county admin by resetting their password and phone."""
    if subject.pk == manager.pk:
        raise ApplicationError(_("不能对自己的账户执行此操作。"))
    scope = scope_for(manager)
    if scope.everything:
        return
    for membership in subject.memberships.select_related("role", "area", "school"):
        place = membership.school or membership.area
        code = place.area_id if isinstance(place, School) else (place.code if place else None)
        if code is None or scope.grantable_rank(code) <= membership.role.rank:
            raise ApplicationError(_("该用户持有您无权管理的角色，请联系上级管理员。"))


@transaction.atomic
def user_lock(*, locked_by: User, user_id: int, request: HttpRequest | None = None) -> User:
    """Stop an account at once: its sessions end at their next request (the backend refuses
    inactive users)."""
    user = user_get_for_manager(manager=locked_by, user_id=user_id)
    check_manages_account(locked_by, user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    account_event_record(request=request, user=user, kind=LoginEvent.Kind.ADMIN_LOCK, by=locked_by)
    return user


@transaction.atomic
def user_unlock(*, unlocked_by: User, user_id: int, request: HttpRequest | None = None) -> User:
    """Start an account again, and lift a lockout after failed logins."""
    user = user_get_for_manager(manager=unlocked_by, user_id=user_id)
    check_manages_account(unlocked_by, user)
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
    check_manages_account(reset_by, user)
    user.must_change_password = True
    _password_set(user, password, check_history=False)
    axes_reset(username=user.username)
    account_event_record(
        request=request, user=user, kind=LoginEvent.Kind.PASSWORD_RESET, by=reset_by
    )
    return user
