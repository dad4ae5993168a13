"""Scoped reads of users and memberships, for the people who manage accounts."""

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from guanai.accounts.models import LoginEvent, Membership, Role, User
from guanai.accounts.scope import managed_membership_q, scope_for


def memberships_managed_by(manager: User) -> QuerySet[Membership]:
    scope = scope_for(manager)
    if not scope.manages_users:
        return Membership.objects.none()
    q = managed_membership_q(scope)
    memberships = Membership.objects.select_related("role", "area", "school__area", "user")
    return memberships if q is None else memberships.filter(q)


def users_managed_by(manager: User) -> QuerySet[User]:
    """Users holding at least one membership where the manager manages users."""
    scope = scope_for(manager)
    if not scope.manages_users:
        return User.objects.none()
    if scope.everything:
        return User.objects.all()
    inside = memberships_managed_by(manager).filter(user=OuterRef("pk"))
    return User.objects.filter(Exists(inside))


def user_get_for_manager(*, manager: User, user_id: int) -> User:
    user = users_managed_by(manager).filter(pk=user_id).first()
    if user is None:
        raise Http404
    return user


def membership_get_for_manager(*, manager: User, membership_id: int) -> Membership:
    membership = memberships_managed_by(manager).filter(pk=membership_id).first()
    if membership is None:
        raise Http404
    return membership


def roles_grantable_by(manager: User) -> QuerySet[Role]:
    scope = scope_for(manager)
    if scope.everything:
        return Role.objects.all()
    top = max((rank for _prefix, rank in scope.manage_ranks), default=-1)
    return Role.objects.filter(rank__lte=top)


def login_events_of(user: User, limit: int = 20) -> QuerySet[LoginEvent]:
    return LoginEvent.objects.filter(user=user).select_related("by")[:limit]
