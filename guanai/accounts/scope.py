"""What a user may see and change: the security boundary for every read.

A user's scope is the union of the memberships they hold now (`Membership.objects`: a
revoked one is only history and gives nothing). Area-bound memberships give a
subtree of areas, expressed as code prefixes (the 12-digit statistical codes
share the prefix of every area above them), so "inside my scope" is a prefix test
on an indexed column. School-bound memberships give single schools.

Every selector in the project builds its queryset from `scope_for(user)`; nothing
queries scoped entities without it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from django.db.models import Q

from guanai.accounts.models import Membership, ScopeKind, User
from guanai.areas.codes import code_range, prefix_at


class ChildAccess(StrEnum):
    """What a membership lets its holder do with the children in its place."""

    VIEW = "view"  # see the child's file (contact details masked)
    EDIT = "edit"  # register, change and exit children
    REVEAL = "reveal"  # reveal a full ID number, with a reason, logged
    REVIEW = "review"  # approve or return entries (审核)
    COUNT = "count"  # count them in statistics, without seeing anyone
    # A helper's view of the children paired with them (guanai.care): name, age, school,
    # the guardian's phone and their own records; never ID numbers or counselling.
    PAIRED = "paired"


_V, _E, _R, _A = ChildAccess.VIEW, ChildAccess.EDIT, ChildAccess.REVEAL, ChildAccess.REVIEW
_C, _P = ChildAccess.COUNT, ChildAccess.PAIRED

# Per role (DESIGN.md §1). The auditor sees aggregates only; the league works without
# ID numbers; teachers and counsellors see the students assigned to them; volunteers see
# the children paired with them (guanai.care's pairings: ChildAccess.PAIRED) and nothing else.
CHILD_ACCESS: dict[str, frozenset[ChildAccess]] = {
    "system_admin": frozenset({_V, _E, _A, _C}),
    "county_admin": frozenset({_V, _E, _R, _A, _C}),
    "county_education": frozenset({_V, _C}),
    "league": frozenset({_V, _C}),
    "auditor": frozenset({_C}),
    "township_supervisor": frozenset({_V, _E, _R, _A, _C}),
    "school_admin": frozenset({_V, _E, _R, _C}),
    "village_director": frozenset({_V, _E, _R, _C}),
    "teacher": frozenset({_V}),
    "counsellor": frozenset({_V}),
    "volunteer": frozenset({_P}),
}

# Roles bound to a school that see only the students assigned to them.
ASSIGNED_ONLY_ROLES = frozenset({"teacher", "counsellor"})
# Roles that see only the children paired with them.
PAIRED_ONLY_ROLES = frozenset({"volunteer"})

# Children reached through a relation another app keeps, by the user's id: "assigned" (a
# mentor's or counsellor's assignments, beside the responsible teacher the file names) and
# "paired" (a helper's current pairings). guanai.care registers both; without it, no child.
RelationQ = Callable[[int], Q]
_RELATIONS: dict[str, RelationQ] = {}


def relation_register(name: str, children_q: RelationQ) -> None:
    _RELATIONS[name] = children_q


def _relation_q(name: str, user_id: int) -> Q:
    children_q = _RELATIONS.get(name)
    return Q(pk__in=[]) if children_q is None else children_q(user_id)


@dataclass(frozen=True)
class ChildGrant:
    """Some accesses over the children of one place: all, an area subtree, a school,
    or the students of a school assigned to the user."""

    access: frozenset[ChildAccess]
    everywhere: bool = False
    area_prefix: str = ""
    school_id: int | None = None
    assigned_to: int | None = None
    # The children of the area paired with this user (a helper's login).
    paired_with: int | None = None


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    # Area subtrees bound directly to the user (village, township, county, ...).
    area_prefixes: frozenset[str] = field(default_factory=frozenset)
    # Schools bound directly to the user (school admin, teacher, counsellor).
    school_ids: frozenset[int] = field(default_factory=frozenset)
    # The townships those schools stand in: visible as places, with their villages.
    school_area_prefixes: frozenset[str] = field(default_factory=frozenset)
    # Area subtrees in which the user manages users, with the rank of the role they do it
    # with there; and that rank everywhere (the system admin), -1 for none.
    manage_ranks: tuple[tuple[str, int], ...] = ()
    global_manage_rank: int = -1
    school_manage_prefixes: frozenset[str] = field(default_factory=frozenset)
    memberships: tuple[Membership, ...] = ()
    child_grants: tuple[ChildGrant, ...] = ()
    # Holds a system or county-level role: two-factor login and password expiry apply.
    privileged: bool = False

    @property
    def is_empty(self) -> bool:
        return not (self.everything or self.area_prefixes or self.school_ids)

    @property
    def manages_users(self) -> bool:
        return self.global_manage_rank >= 0 or bool(self.manage_ranks)

    @property
    def administered_prefixes(self) -> frozenset[str]:
        """The areas the user administers (manages its users: a county admin's county).
        Their administrator also oversees there the import batches, the access log and the
        retention periods."""
        return frozenset(prefix for prefix, _rank in self.manage_ranks)

    @property
    def administers(self) -> bool:
        """The system admin, or an administrator somewhere (a county admin): who oversees
        import batches, the access log, ID numbers held for verification and retention."""
        return self.everything or bool(self.administered_prefixes)

    @property
    def editing_prefix(self) -> str:
        """Where the user registers children: the area of their first membership that may,
        or its school's area. That area's administrator oversees what they submit: their
        import batches and the ID numbers held for the county to verify."""
        for grant in self.child_grants:
            if ChildAccess.EDIT in grant.access:
                if grant.area_prefix:
                    return grant.area_prefix
                for membership in self.memberships:
                    if membership.school is not None and membership.school.pk == grant.school_id:
                        return str(membership.school.area.prefix)
        return ""

    @property
    def manages_schools(self) -> bool:
        return self.everything or bool(self.school_manage_prefixes)

    def covers_area(self, code: str) -> bool:
        """Is the area with this code inside the user's visible areas?"""
        return self.everything or any(
            code.startswith(p) for p in self.area_prefixes | self.school_area_prefixes
        )

    def child_access(self) -> frozenset[ChildAccess]:
        """Every access the user holds over some children (for menus; not a check)."""
        return frozenset(a for grant in self.child_grants for a in grant.access)

    def manage_rank(self, code: str | None) -> int:
        """The rank with which the user manages users at the area with this code (None: a
        role bound to no place), -1 where they do not. They grant, revoke and act on roles
        ranking strictly below it: nobody on their own rank or above."""
        local = [rank for p, rank in self.manage_ranks if code is not None and code.startswith(p)]
        return max([self.global_manage_rank, *local])

    @property
    def top_manage_rank(self) -> int:
        """The highest rank with which the user manages users anywhere; -1 if nowhere."""
        return max([self.global_manage_rank, *(rank for _p, rank in self.manage_ranks)])


def prefix_q(lookup: str, prefixes: frozenset[str]) -> Q:
    """Codes under any of the prefixes, as ranges over the 12-digit codes.

    A range uses the index on both SQLite and PostgreSQL whatever the collation,
    where LIKE 'prefix%' may not.
    """
    q = Q(pk__in=[])
    for prefix in sorted(prefixes):
        if len(prefix) == 12:  # a village: an equality, which planners rank above a range
            q |= Q(**{lookup: prefix})
        else:
            low, high = code_range(prefix)
            q |= Q(**{f"{lookup}__gte": low, f"{lookup}__lte": high})
    return q


def scope_for(user: User) -> Scope:
    """The user's scope, computed once per user object (so once per request)."""
    cached: Scope | None = getattr(user, "_guanai_scope", None)
    if cached is not None:
        return cached
    scope = _compute_scope(user)
    user._guanai_scope = scope  # type: ignore[attr-defined]
    return scope


def _compute_scope(user: User) -> Scope:
    if not user.is_authenticated or not user.is_active:
        return Scope()
    memberships = tuple(
        Membership.objects.filter(user=user).select_related("role", "area", "school__area")
    )
    everything = False
    area_prefixes: set[str] = set()
    school_ids: set[int] = set()
    school_area_prefixes: set[str] = set()
    manage_ranks: dict[str, int] = {}
    global_manage_rank = -1
    school_manage_prefixes: set[str] = set()
    child_grants: list[ChildGrant] = []
    for membership in memberships:
        role = membership.role
        access = CHILD_ACCESS.get(role.code, frozenset())
        if role.scope_kind == ScopeKind.GLOBAL:
            everything = True
            if access:
                child_grants.append(ChildGrant(access, everywhere=True))
            if role.manages_users:
                global_manage_rank = max(global_manage_rank, role.rank)
        elif role.scope_kind == ScopeKind.AREA and membership.area is not None:
            prefix = membership.area.prefix
            area_prefixes.add(prefix)
            if access and role.code in PAIRED_ONLY_ROLES:
                child_grants.append(ChildGrant(access, area_prefix=prefix, paired_with=user.pk))
            elif access:
                child_grants.append(ChildGrant(access, area_prefix=prefix))
            if role.manages_users:
                manage_ranks[prefix] = max(manage_ranks.get(prefix, -1), role.rank)
            if role.manages_schools:
                school_manage_prefixes.add(prefix)
        elif role.scope_kind == ScopeKind.SCHOOL and membership.school is not None:
            school_ids.add(membership.school.pk)
            school_area_prefixes.add(membership.school.area.prefix)
            if access and role.code in ASSIGNED_ONLY_ROLES:
                child_grants.append(
                    ChildGrant(access, assigned_to=user.pk, school_id=membership.school.pk)
                )
            elif access:
                child_grants.append(ChildGrant(access, school_id=membership.school.pk))
    return Scope(
        everything=everything,
        area_prefixes=frozenset(area_prefixes),
        school_ids=frozenset(school_ids),
        school_area_prefixes=frozenset(school_area_prefixes),
        manage_ranks=tuple(sorted(manage_ranks.items())),
        global_manage_rank=global_manage_rank,
        school_manage_prefixes=frozenset(school_manage_prefixes),
        memberships=memberships,
        child_grants=tuple(child_grants),
        privileged=any(m.role.privileged for m in memberships),
    )


def area_q(scope: Scope, lookup: str = "code") -> Q | None:
    """Filter for areas the scope may see; None means no filter (everything)."""
    if scope.everything:
        return None
    return prefix_q(lookup, scope.area_prefixes | scope.school_area_prefixes)


def school_q(scope: Scope) -> Q | None:
    """Filter for schools the scope may see; None means no filter (everything).

    Schools stand in townships; someone bound to a village sees the schools of its
    township, where the village's children go.
    """
    if scope.everything:
        return None
    prefixes = frozenset(prefix_at(p, "township") for p in scope.area_prefixes)
    return prefix_q("area__code", prefixes) | Q(pk__in=sorted(scope.school_ids))


def managed_school_q(scope: Scope) -> Q | None:
    if scope.everything:
        return None
    return prefix_q("area__code", scope.school_manage_prefixes)


def _place_q(prefixes: frozenset[str]) -> Q:
    return prefix_q("area__code", prefixes) | prefix_q("school__area__code", prefixes)


def membership_in_scope_q(scope: Scope) -> Q | None:
    """Filter for memberships that lie where the scope manages users, whatever their rank;
    None means all. Role events of the login log (account created, role granted or revoked)
    have the same fields, and the same filter."""
    if scope.global_manage_rank >= 0:
        return None
    return _place_q(frozenset(p for p, _rank in scope.manage_ranks))


def managed_role_q(scope: Scope) -> Q:
    """Filter for the memberships the scope manages: where it manages users, ranking below
    the role it does it with there."""
    q = Q(pk__in=[])
    if scope.global_manage_rank >= 0:
        q |= Q(role__rank__lt=scope.global_manage_rank)
    for prefix, rank in scope.manage_ranks:
        q |= _place_q(frozenset({prefix})) & Q(role__rank__lt=rank)
    return q


def child_q(scope: Scope, access: ChildAccess) -> Q | None:
    """Filter for the children on which the scope grants `access`; None means all.

    A child belongs to the village they live in and, while at school, to their school.
    """
    q = Q(pk__in=[])
    for grant in scope.child_grants:
        if access not in grant.access:
            continue
        if grant.everywhere:
            return None
        if grant.paired_with is not None:
            # Paired now, and living where the helper's role is: ending the pairing, or the
            # role, ends the access.
            q |= prefix_q("village_id", frozenset({grant.area_prefix})) & _relation_q(
                "paired", grant.paired_with
            )
        elif grant.area_prefix:
            q |= prefix_q("village_id", frozenset({grant.area_prefix}))
        elif grant.assigned_to is not None:
            # Assigned, and at the school where the user teaches: a teacher cannot be
            # given a child of another school by whoever fills in the form.
            assigned = Q(responsible_teacher_id=grant.assigned_to) | _relation_q(
                "assigned", grant.assigned_to
            )
            q |= assigned & Q(school_id=grant.school_id)
        elif grant.school_id is not None:
            q |= Q(school_id=grant.school_id)
    return q
