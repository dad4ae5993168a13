"""Scoped reads of users and memberships, for the people who manage accounts.

Two circles. A manager sees the users holding a role where they manage users, with those
roles (the user list), and revokes such roles ranking below their own there; a user whose
every role was revoked is seen where they held one. They manage an account as a whole (its
page and login log, granting it roles, locking, unlocking, resetting its password or
second factor) only when every role it holds, and every role it held in the last
REVOKED_ROLE_HOLD, is one they manage: a county admin does not take over a fellow county
admin whose county role was just revoked, nor the county admin of another county who
volunteers in theirs. An account left without any role is managed only by whoever could
manage every role it ever held. Outside either circle: 404.

Only memberships held now give any of this (Membership.objects); the revoked ones are the
account's history (Membership.all_objects), read here for REVOKED_ROLE_HOLD, for the
accounts left without a role, for what was given under a role since revoked
(roles_revoked_since), and to be shown (membership_history_of).
"""

from datetime import datetime

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from guanai.accounts.models import EnrolmentCode, LoginEvent, Membership, Role, User
from guanai.accounts.scope import managed_role_q, membership_in_scope_q, scope_for
from guanai.areas.models import AreaLevel


def memberships_in_scope_of(manager: User) -> QuerySet[Membership]:
    """Memberships where the manager manages users, whatever their rank (to be seen)."""
    scope = scope_for(manager)
    if not scope.manages_users:
        return Membership.objects.none()
    q = membership_in_scope_q(scope)
    memberships = Membership.objects.select_related("role", "area", "school__area", "user")
    return memberships if q is None else memberships.filter(q)


def memberships_managed_by(manager: User) -> QuerySet[Membership]:
    """Memberships the manager may revoke: where they manage users, ranking below them."""
    if not scope_for(manager).manages_users:
        return Membership.objects.none()
    return memberships_in_scope_of(manager).filter(managed_role_q(scope_for(manager)))


def users_in_scope_of(manager: User) -> QuerySet[User]:
    """Users holding at least one membership where the manager manages users; and users
    holding none any more who held one there (their page and history stay in reach, and
    they can be given a role again)."""
    scope = scope_for(manager)
    if not scope.manages_users:
        return User.objects.none()
    place_q = membership_in_scope_q(scope)
    if place_q is None:
        return User.objects.all()
    inside = memberships_in_scope_of(manager).filter(user=OuterRef("pk"))
    held_inside = Membership.all_objects.filter(place_q, user=OuterRef("pk"))
    holds_any = Membership.objects.filter(user=OuterRef("pk"))
    return User.objects.filter(Exists(inside) | (Exists(held_inside) & ~Exists(holds_any)))


def users_managed_by(manager: User) -> QuerySet[User]:
    """The accounts the manager manages as a whole (see the module's docstring); never
    their own."""
    scope = scope_for(manager)
    managed = managed_role_q(scope)
    held_beyond = Membership.objects.filter(user=OuterRef("pk")).exclude(managed)
    held_lately_beyond = Membership.all_objects.filter(
        user=OuterRef("pk"), revoked_at__gte=timezone.now() - settings.REVOKED_ROLE_HOLD
    ).exclude(managed)
    # An account holding no role any more is managed only by whoever could manage every
    # role it ever held: not by the admin of a county where it was once a volunteer, when
    # it was a county admin elsewhere.
    holds_any = Membership.objects.filter(user=OuterRef("pk"))
    held_ever_beyond = Membership.all_objects.filter(user=OuterRef("pk")).exclude(managed)
    return (
        users_in_scope_of(manager)
        .exclude(pk=manager.pk)
        .exclude(Exists(held_beyond))
        .exclude(Exists(held_lately_beyond))
        .exclude(~Exists(holds_any) & Exists(held_ever_beyond))
    )


def roles_revoked_since(user: User, since: datetime) -> bool:
    """Whether any role of the user was revoked after `since`: what they were given then
    (an export's file) may hold more than they may see now."""
    return Membership.all_objects.filter(user=user, revoked_at__gt=since).exists()


def user_get_for_manager(*, manager: User, user_id: int) -> User:
    return get_object_or_404(users_managed_by(manager), pk=user_id)


def membership_get_for_manager(*, manager: User, membership_id: int) -> Membership:
    return get_object_or_404(memberships_managed_by(manager), pk=membership_id)


def roles_grantable_by(manager: User) -> QuerySet[Role]:
    return Role.objects.filter(rank__lt=scope_for(manager).top_manage_rank)


def membership_history_of(user: User) -> QuerySet[Membership]:
    """Every role the user holds and held, newest first, with who granted and revoked it.
    Shown with the account's page, to whoever may see the page: no scope of its own."""
    return (
        Membership.all_objects.filter(user=user)
        .select_related("role", "area", "school", "granted_by", "revoked_by")
        .order_by("-granted_at", "-pk")
    )


# The county's log of role changes.
ROLE_EVENT_KINDS = (
    LoginEvent.Kind.ACCOUNT_CREATED,
    LoginEvent.Kind.ROLE_GRANTED,
    LoginEvent.Kind.ROLE_REVOKED,
)


def role_events_in_scope_of(manager: User) -> QuerySet[LoginEvent]:
    """Accounts created, roles granted and revoked where the manager manages users,
    whatever the role's rank (as the user list shows them), newest first; all of them for
    the system admin."""
    scope = scope_for(manager)
    if not scope.manages_users:
        return LoginEvent.objects.none()
    events = (
        LoginEvent.objects.filter(kind__in=ROLE_EVENT_KINDS)
        .select_related("user", "by", "role", "area", "school")
        .order_by("-at", "-pk")
    )
    # A role event has a membership's fields (role, area, school), and its filter.
    q = membership_in_scope_q(scope)
    return events if q is None else events.filter(q)


def login_events_of(user: User, limit: int = 20) -> QuerySet[LoginEvent]:
    return LoginEvent.objects.filter(user=user).select_related("by", "role", "area", "school")[
        :limit
    ]


def enrolment_codes_usable() -> QuerySet[EnrolmentCode]:
    """Enrolment codes neither expired nor void after too many wrong tries."""
    return EnrolmentCode.objects.filter(
        expires_at__gt=timezone.now(), failures__lt=settings.ENROLMENT_CODE_MAX_FAILURES
    )


def village_directors_for(user: User) -> QuerySet[User]:
    """The child directors (儿童主任) of the villages the user is bound to: whom a volunteer
    of the village turns to. Names only; nothing of anyone's account."""
    villages = [
        m.area.code
        for m in scope_for(user).memberships
        if m.area is not None and m.area.level == AreaLevel.VILLAGE
    ]
    directing = Membership.objects.filter(role__code="village_director", area__in=villages)
    return (
        User.objects.filter(is_active=True, memberships_incl_revoked__in=directing)
        .exclude(pk=user.pk)
        .distinct()
        .order_by("full_name", "pk")
    )
