"""Scoped reads of the care work. Every view reads here; each read starts from the
children the user may see (guanai.children.selectors) or the helpers of their areas."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Case, Count, DateField, F, OuterRef, Q, QuerySet, Subquery, When
from django.db.models.functions import Coalesce, Substr, TruncDate
from django.http import Http404
from django.utils import timezone

from guanai.accounts.models import Membership, User
from guanai.accounts.scope import ChildAccess, prefix_q, scope_for
from guanai.areas.codes import code_of, code_range, prefix_at
from guanai.areas.models import Area
from guanai.care.choices import AssignmentKind, CheckResult, HelperKind, RecordKind
from guanai.care.models import (
    Assignment,
    BackgroundCheck,
    CareRecord,
    CareState,
    ContactPlan,
    Helper,
    Pairing,
)
from guanai.care.plans import DEFAULTS, WEEK, Period, Plan, add_months, status
from guanai.children.choices import Status
from guanai.children.models import Child
from guanai.children.selectors import children_visible_to

# A record may be corrected or deleted by its author for this long; then it is locked.
CORRECTION_DAYS = 7
# A background check counts for this many months (未成年人保护法 art. 62: every year).
CHECK_VALID_MONTHS = 12
# The helper list warns this many days before a check runs out.
CHECK_WARNING_DAYS = 30

# Roles that keep the helper register of their areas and pair helpers with children.
HELPER_ROLES = frozenset(
    {"system_admin", "county_admin", "league", "township_supervisor", "village_director"}
)
# Roles that name a child's responsible teacher, mentor and counsellors.
ASSIGNING_ROLES = frozenset(
    {"system_admin", "county_admin", "county_education", "township_supervisor", "school_admin"}
)
# Roles that oversee the care of the children of their areas or schools (overdue counts).
SUPERVISING_ROLES = frozenset(
    {
        "system_admin",
        "county_admin",
        "county_education",
        "league",
        "township_supervisor",
        "school_admin",
    }
)


def holds_role(user: User, roles: Iterable[str]) -> bool:
    wanted = frozenset(roles)
    return any(m.role.code in wanted for m in scope_for(user).memberships)


def role_prefixes(user: User, roles: Iterable[str]) -> frozenset[str] | None:
    """The area prefixes where the user holds one of these roles (empty: nowhere); None
    for everywhere (a role bound to no place, the system admin's)."""
    wanted = frozenset(roles)
    prefixes: set[str] = set()
    for m in scope_for(user).memberships:
        if m.role.code not in wanted:
            continue
        if m.role.scope_kind == "global":
            return None
        if m.area is not None:
            prefixes.add(m.area.prefix)
    return frozenset(prefixes)


def administered_county(user: User) -> Area:
    """The county whose contact plan the user sets: the county admin's; 404 for anyone
    else."""
    for m in scope_for(user).memberships:
        if m.role.code == "county_admin" and m.area is not None:
            return m.area
    raise Http404


# --- the children a user cares for ---------------------------------------------------------


def child_for_care(user: User, child_id: int) -> Child:
    """A child the user may see, or one paired with them (a helper's login); 404 otherwise."""
    for access in (ChildAccess.VIEW, ChildAccess.PAIRED):
        child = (
            children_visible_to(user, access=access)
            .select_related(
                "village__parent", "school", "guardian", "responsible_teacher", "director"
            )
            .filter(pk=child_id)
            .first()
        )
        if child is not None:
            return child
    raise Http404


def sees_whole_file(user: User, child: Child) -> bool:
    """Does the user see the child's file, or only what a paired helper sees?"""
    return children_visible_to(user).filter(pk=child.pk).exists()


def director_villages(user: User) -> list[str]:
    """The villages where the user is the child director (儿童主任)."""
    return [
        m.area.code
        for m in scope_for(user).memberships
        if m.role.code == "village_director" and m.area is not None
    ]


def my_children(user: User) -> QuerySet[Child]:
    """The active children the user answers for: as the director named on the file, or as
    their village's director when the file names none; as responsible teacher, mentor or
    counsellor. Only among the children they may see."""
    q = Q(director_id=user.pk) | Q(responsible_teacher_id=user.pk)
    q |= Q(pk__in=Assignment.objects.filter(user=user, ended_on=None).values("child_id"))
    villages = director_villages(user)
    if villages:
        q |= Q(village_id__in=villages, director_id=None)
    return children_visible_to(user).filter(q, status=Status.ACTIVE)


def paired_children(user: User, *, on: date | None = None) -> QuerySet[Pairing]:
    """The user's current pairings (a helper's login), with their children."""
    on = on or timezone.localdate()
    return (
        current_pairings(on)
        .filter(helper__user=user, child__in=children_visible_to(user, access=ChildAccess.PAIRED))
        .select_related("child__school", "child__guardian", "child__village", "helper")
        .order_by("child__name")
    )


def current_pairings(on: date) -> QuerySet[Pairing]:
    return Pairing.objects.filter(started_on__lte=on).filter(Q(ended_on=None) | Q(ended_on__gt=on))


def paired_children_q(user_id: int) -> Q:
    """accounts.scope's "paired" relation: the children paired with the user today, while
    the helper is on the register with a background check in force (art. 62: a check at
    most 12 months old, and never one that found a record)."""
    today = timezone.localdate()
    pairings = (
        current_pairings(today)
        .filter(helper__user_id=user_id, helper__active=True)
        .filter(helper__in=helpers_checked(today))
    )
    return Q(pk__in=pairings.values("child_id"))


def helpers_checked(on: date) -> QuerySet[Helper]:
    """Helpers whose background check is in force on this day: a clear check within the
    last 12 months, and no check that ever found a record."""
    since = add_months(on, -CHECK_VALID_MONTHS)
    clear = BackgroundCheck.objects.filter(
        result=CheckResult.CLEAR, checked_on__gte=since, checked_on__lte=on
    )
    found = BackgroundCheck.objects.filter(result=CheckResult.NOT_CLEAR)
    return Helper.objects.filter(pk__in=clear.values("helper_id")).exclude(
        pk__in=found.values("helper_id")
    )


def assigned_children_q(user_id: int) -> Q:
    """accounts.scope's "assigned" relation: the children the user is mentor or counsellor
    of."""
    return Q(pk__in=Assignment.objects.filter(user_id=user_id, ended_on=None).values("child_id"))


def assigns_for(user: User, child: Child) -> bool:
    """Does the user hold a role that names teachers and counsellors where the child is
    (their county or township, their school; the system admin anywhere)?"""
    for m in scope_for(user).memberships:
        if m.role.code not in ASSIGNING_ROLES:
            continue
        if m.role.scope_kind == "global":
            return True
        if m.area is not None and child.village_id.startswith(m.area.prefix):
            return True
        if m.school_id is not None and m.school_id == child.school_id:
            return True
    return False


# --- counselling notes ---------------------------------------------------------------------


def notes_visible(user: User, child: Child) -> bool:
    """May the user read the notes of the child's counselling sessions? Only the
    counsellors assigned to the child who still counsel at the child's school, and the
    county admin of the child's county; everyone else sees that a session happened, when
    and by whom."""
    return _administers_county(user, child.village_id) or _counsels(user, child)


def _administers_county(user: User, village: str) -> bool:
    counties = role_prefixes(user, ("county_admin",)) or frozenset()
    return any(village.startswith(county) for county in counties)


def _counsels(user: User, child: Child) -> bool:
    return Assignment.objects.filter(
        child=child, user=user, kind=AssignmentKind.COUNSELLOR, ended_on=None
    ).exists() and any(
        m.role.code == "counsellor" and m.school_id is not None and m.school_id == child.school_id
        for m in scope_for(user).memberships
    )


def notes_visible_q(user: User) -> Q:
    """notes_visible over care records: those of children the user is a current counsellor
    of at a school where they still counsel, or living in a county they administer."""
    scope = scope_for(user)
    schools = sorted(
        m.school_id for m in scope.memberships if m.role.code == "counsellor" and m.school_id
    )
    q = Q(
        child__in=Assignment.objects.filter(
            user=user, kind=AssignmentKind.COUNSELLOR, ended_on=None
        ).values("child_id"),
        child__school_id__in=schools,
    )
    counties = role_prefixes(user, ("county_admin",)) or frozenset()
    return q | prefix_q("child__village_id", counties) if counties else q


# --- records -------------------------------------------------------------------------------


def records_of(user: User, child: Child) -> QuerySet[CareRecord]:
    """The child's timeline as the user may see it: a paired helper sees their own records
    only. Counselling notes are in the rows; the views show them only where notes_visible."""
    records = CareRecord.objects.filter(child=child).select_related("by", "corrects")
    if not sees_whole_file(user, child):
        records = records.filter(created_by=user)
    return records.order_by("-occurred_on", "-created_at", "-pk")


def record_get_for_user(user: User, record_id: int) -> CareRecord:
    """A record of a child the user may see (a helper: one of their own); 404 otherwise."""
    record = CareRecord.objects.filter(pk=record_id).select_related("child").first()
    if record is None:
        raise Http404
    child = child_for_care(user, record.child_id)
    if not records_of(user, child).filter(pk=record.pk).exists():
        raise Http404
    record.child = child
    return record


def correctable(record: CareRecord, user: User, *, now: datetime | None = None) -> bool:
    """May the user still correct or delete the record (its author, within 7 days)?"""
    now = now or timezone.now()
    return record.created_by_id == user.pk and now < record.created_at + timedelta(
        days=CORRECTION_DAYS
    )


# --- contact plans and due dates -----------------------------------------------------------


def plan_for(county_code: str) -> Plan:
    """The contact plan of the county holding this code (the defaults if it set none)."""
    county = prefix_at(county_code, "county")
    return plans_for([county])[county]


def plans_for(counties: Iterable[str]) -> dict[str, Plan]:
    """The contact plans of these counties (by prefix), in one read; the defaults for a
    county that set none."""
    wanted = {prefix_at(c, "county") for c in counties}
    plans = dict.fromkeys(wanted, DEFAULTS)
    for row in ContactPlan.objects.filter(county_id__in=[code_of(c) for c in wanted]):
        plans[prefix_at(row.county_id, "county")] = Plan(
            visit={
                "high": Period(row.high_every, row.high_unit),
                "medium": Period(row.medium_every, row.medium_unit),
                "low": Period(row.low_every, row.low_unit),
            },
            parent_contact=Period(row.parent_contact_days, "day"),
        )
    return plans


def _bases(children: QuerySet[Child]) -> QuerySet[Child]:
    """The dates each child's plan counts from: the last home visit and the last parent
    contact, or the day the child was registered if there was none yet."""
    registered = TruncDate("created_at")
    return children.annotate(
        visit_base=Coalesce("care_state__last_visit_on", registered, output_field=DateField()),
        contact_base=Coalesce(
            "care_state__last_parent_contact_on", registered, output_field=DateField()
        ),
    )


def _plans(children: QuerySet[Child]) -> dict[str, Plan]:
    """The plans of the counties these children live in, by county prefix."""
    counties = (
        children.order_by()
        .annotate(county=Substr("village_id", 1, 6))
        .values_list("county", flat=True)
        .distinct()
    )
    return plans_for(counties)


@dataclass(frozen=True)
class DueQ:
    """Filters over _bases(children) for one day, under each county's plan."""

    visit_overdue: Q
    visit_week: Q
    contact_overdue: Q


def due_q(plans: dict[str, Plan], today: date) -> DueQ:
    visit_overdue = Q(pk__in=[])
    visit_week = Q(pk__in=[])
    contact_overdue = Q(pk__in=[])
    single = len(plans) == 1
    for county, plan in plans.items():
        where = (
            Q()
            if single
            else Q(village_id__gte=code_range(county)[0], village_id__lte=code_range(county)[1])
        )
        overdue = plan.overdue_cutoffs(today)
        week = plan.week_cutoffs(today)
        for risk, cutoff in overdue.items():
            visit_overdue |= where & Q(risk_level=risk, visit_base__lte=cutoff)
            visit_week |= where & Q(
                risk_level=risk, visit_base__gt=cutoff, visit_base__lte=week[risk]
            )
        contact_cutoff = plan.parent_contact.last_base_due_by(today - timedelta(days=1))
        contact_overdue |= where & Q(parent_away=True, contact_base__lte=contact_cutoff)
    return DueQ(visit_overdue, visit_week, contact_overdue)


@dataclass(frozen=True)
class Task:
    child: Child
    what: str  # "visit", "contact", "follow_up", "call", "meet"
    due_on: date
    record: CareRecord | None = None


def due_children(children: QuerySet[Child], today: date) -> tuple[QuerySet[Child], DueQ]:
    """The active children among these, with their plan's bases, and the filters."""
    active = _bases(children.filter(status=Status.ACTIVE))
    return active, due_q(_plans(active), today)


def visit_due_on(child: Child, plan: Plan) -> date:
    return plan.visit[child.risk_level].after(child.visit_base)  # type: ignore[attr-defined]


def contact_due_on(child: Child, plan: Plan) -> date:
    return plan.parent_contact.after(child.contact_base)  # type: ignore[attr-defined]


@dataclass
class MyTasks:
    visits_overdue: list[Task]
    visits_week: list[Task]
    follow_ups: list[Task]
    contacts_overdue: list[Task]
    pairing: list[Task]

    @property
    def count(self) -> int:
        return sum(
            len(x)
            for x in (
                self.visits_overdue,
                self.visits_week,
                self.follow_ups,
                self.contacts_overdue,
                self.pairing,
            )
        )


TASK_LIMIT = 200


def my_tasks(user: User, today: date | None = None) -> MyTasks:
    """What the user has to do, nearest first: children overdue for a visit, due within the
    week, follow-ups due within the week, children whose parents have not been in touch
    within the plan; for a helper, their pairings' calls and meetings."""
    today = today or timezone.localdate()
    children, q = due_children(my_children(user), today)
    plans = _plans(children)
    fields = ("pk", "name", "village_id", "risk_level", "school_id")

    def tasks(filter_q: Q, what: str, order: str, due: Callable[[Child, Plan], date]) -> list[Task]:
        rows = (
            children.filter(filter_q)
            .select_related("village")
            .only(*fields, "village__name")
            .order_by(order, "name")[:TASK_LIMIT]
        )
        return [
            Task(c, what, due(c, plans.get(prefix_at(c.village_id, "county"), DEFAULTS)))
            for c in rows
        ]

    overdue = tasks(q.visit_overdue, "visit", "visit_base", visit_due_on)
    week = tasks(q.visit_week, "visit", "visit_base", visit_due_on)
    contacts = tasks(q.contact_overdue, "contact", "contact_base", contact_due_on)
    # Sorted by due date: risk levels with different periods interleave.
    overdue.sort(key=lambda t: (t.due_on, t.child.name))
    week.sort(key=lambda t: (t.due_on, t.child.name))
    follow_ups = [
        Task(r.child, "follow_up", r.follow_up_by, r)  # type: ignore[arg-type]
        for r in follow_ups_due(user, today)
    ]
    return MyTasks(overdue, week, follow_ups, contacts, pairing_tasks(user, today))


def follow_ups_due(user: User, today: date) -> list[CareRecord]:
    """Open follow-ups due within the week (or overdue) on the user's children, or written
    by the user on a child they still see; a counselling session's only for who may read
    its notes (the task shows what to follow up). The user's children with one are found
    by their care state's next follow-up date, so only their records are read."""
    soon = today + timedelta(days=WEEK)
    open_ = (
        CareRecord.objects.filter(
            follow_up_done_on=None,
            corrections=None,
            follow_up_by__isnull=False,
            follow_up_by__lt=soon,
        )
        .filter(~Q(kind=RecordKind.COUNSELLING) | notes_visible_q(user))
        .filter(child__status=Status.ACTIVE)
        .select_related("child__village")
        .order_by("follow_up_by", "pk")
    )
    mine = my_children(user).filter(care_state__follow_up_by__lt=soon).values("pk")
    visible = Q(child__in=children_visible_to(user).values("pk")) | Q(
        child__in=children_visible_to(user, access=ChildAccess.PAIRED).values("pk")
    )
    found = {r.pk: r for r in open_.filter(child__in=mine)[:TASK_LIMIT]}
    for record in open_.filter(visible, created_by=user)[:TASK_LIMIT]:
        found.setdefault(record.pk, record)
    records = sorted(found.values(), key=lambda r: (r.follow_up_by, r.pk))
    return records[:TASK_LIMIT]


def pairing_tasks(user: User, today: date) -> list[Task]:
    """A helper's calls and meetings due within the week under their pairings' plans,
    counted from the last call (phone or video) or meeting (in person) they recorded, or
    from the pairing's start."""
    tasks: list[Task] = []
    for pairing in paired_children(user, on=today):
        records = CareRecord.objects.filter(
            corrections=None,
            child=pairing.child,
            created_by=user,
            occurred_on__gte=pairing.started_on,
        )
        last_call = (
            records.filter(method__in=("phone", "video"))
            .order_by("-occurred_on")
            .values_list("occurred_on", flat=True)
            .first()
        )
        last_meet = (
            records.filter(method="in_person")
            .order_by("-occurred_on")
            .values_list("occurred_on", flat=True)
            .first()
        )
        call_due = add_months(last_call or pairing.started_on, pairing.call_every_months)
        meet_due = add_months(last_meet or pairing.started_on, pairing.meet_every_months)
        for what, due in (("call", call_due), ("meet", meet_due)):
            if due < today + timedelta(days=WEEK):
                tasks.append(Task(pairing.child, what, due))
    tasks.sort(key=lambda t: (t.due_on, t.child.name))
    return tasks


# --- supervisors' counts -------------------------------------------------------------------


@dataclass
class PlaceCounts:
    key: str  # village code or school id
    active: int = 0
    visit_overdue: int = 0
    contact_overdue: int = 0
    follow_up_overdue: int = 0
    without_director: int = 0
    without_teacher: int = 0


def supervised_children(user: User) -> QuerySet[Child]:
    """The children whose care the user oversees: those they see, if they hold a
    supervising role; 404 otherwise."""
    if not holds_role(user, SUPERVISING_ROLES):
        raise Http404
    return children_visible_to(user)


# What the overview groups children by: their village, their township (a prefix of the
# village's code) or their school.
GROUPS = {
    "village": F("village_id"),
    "township": Substr("village_id", 1, 9),
    "school": F("school_id"),
}


def counts_by(children: QuerySet[Child], group: str, today: date) -> dict[str, PlaceCounts]:
    """Per village, township or school (`group`, a key of GROUPS): active children, and how
    many are overdue for a visit, a parent contact or a follow-up, and without a director
    (named on the file, or holding the role for their village) or a responsible teacher.
    One pass over the children."""
    active, q = due_children(children, today)
    directed = Membership.objects.filter(role__code="village_director").values("area_id")
    rows = (
        active.order_by()
        .annotate(place=GROUPS[group])
        .values("place")
        .annotate(
            active=Count("pk"),
            visit_overdue=Count("pk", filter=q.visit_overdue),
            contact_overdue=Count("pk", filter=q.contact_overdue),
            without_teacher=Count(
                "pk", filter=Q(school__isnull=False, responsible_teacher__isnull=True)
            ),
            without_director=Count(
                "pk", filter=Q(director__isnull=True) & ~Q(village_id__in=directed)
            ),
            # Children with a follow-up overdue; a counselling session's is its counsellor's
            # alone (My tasks), not counted here: which children have one would say more
            # than that a session took place.
            follow_up_overdue=Count("pk", filter=Q(care_state__shared_follow_up_by__lt=today)),
        )
    )
    return {
        str(r["place"]): PlaceCounts(
            key=str(r["place"]),
            active=r["active"],
            visit_overdue=r["visit_overdue"],
            contact_overdue=r["contact_overdue"],
            without_teacher=r["without_teacher"],
            without_director=r["without_director"],
            follow_up_overdue=r["follow_up_overdue"],
        )
        for r in rows
        if r["place"] is not None
    }


def due_list(children: QuerySet[Child], what: str, today: date) -> QuerySet[Child]:
    """The children of one list a supervisor opens from a count ("visit", "contact",
    "follow_up", "no_teacher", "no_director")."""
    active, q = due_children(children, today)
    if what == "visit":
        return active.filter(q.visit_overdue).order_by("visit_base", "name")
    if what == "contact":
        return active.filter(q.contact_overdue).order_by("contact_base", "name")
    if what == "follow_up":
        return active.filter(care_state__shared_follow_up_by__lt=today).order_by(
            "care_state__shared_follow_up_by", "name"
        )
    if what == "no_teacher":
        return active.filter(school__isnull=False, responsible_teacher__isnull=True).order_by(
            "name"
        )
    if what == "no_director":
        held = Membership.objects.filter(role__code="village_director").values("area_id")
        return active.filter(director__isnull=True).exclude(village_id__in=held).order_by("name")
    raise Http404


# --- helpers -------------------------------------------------------------------------------


def helpers_visible_to(user: User) -> QuerySet[Helper]:
    """The helpers registered in the user's areas, if they keep the register; 404 for
    anyone else."""
    if not holds_role(user, HELPER_ROLES):
        raise Http404
    where = helper_areas_q(user, "area_id")
    return Helper.objects.all() if where is None else Helper.objects.filter(where)


def helper_areas_q(user: User, lookup: str) -> Q | None:
    """The user's helper areas (where they keep the register) as a filter on `lookup`;
    None for everywhere."""
    prefixes = role_prefixes(user, HELPER_ROLES)
    return None if prefixes is None else prefix_q(lookup, prefixes)


def helper_logins_for(user: User, helper: Helper | None = None) -> QuerySet[User]:
    """The logins a helper of the user's areas may be linked to: active users holding the
    volunteer role in those areas, not linked to another helper."""
    memberships = Membership.objects.filter(role__code="volunteer")
    where = helper_areas_q(user, "area_id")
    if where is not None:
        memberships = memberships.filter(where)
    logins = User.objects.filter(is_active=True, pk__in=memberships.values("user_id"))
    taken = Helper.objects.filter(user__isnull=False)
    if helper is not None and helper.pk:
        taken = taken.exclude(pk=helper.pk)
    return logins.exclude(pk__in=taken.values("user_id")).order_by("full_name", "username")


def helper_get_for_user(user: User, helper_id: int) -> Helper:
    helper = helpers_visible_to(user).filter(pk=helper_id).select_related("area", "user").first()
    if helper is None:
        raise Http404
    return helper


def last_clear_check(helper: Helper) -> BackgroundCheck | None:
    """The helper's latest check, if no check of theirs ever found a record: a record of
    sexual harm, abuse, trafficking or violence bars them from work with children for
    good (未成年人保护法 art. 62), whatever a later check says."""
    checks = helper.checks.order_by("-checked_on", "-pk")
    if checks.filter(result=CheckResult.NOT_CLEAR).exists():
        return None
    return checks.first()


def check_valid_until(check: BackgroundCheck | None) -> date | None:
    return None if check is None else add_months(check.checked_on, CHECK_VALID_MONTHS)


def checks_valid_until_on_or_before(day: date) -> date:
    """The latest check date whose 12 months run out on or before `day` (a check of 29
    February runs out on 28 February)."""
    checked = add_months(day, -CHECK_VALID_MONTHS)
    while add_months(checked + timedelta(days=1), CHECK_VALID_MONTHS) <= day:
        checked += timedelta(days=1)
    return checked


def checks_telling(checks: QuerySet[BackgroundCheck]) -> QuerySet[BackgroundCheck]:
    """A helper's checks, the one that tells their state first: a check that found a record
    (it bars them for good, whatever came after), else the latest."""
    found_first = Case(When(result=CheckResult.NOT_CLEAR, then=0), default=1)
    return checks.order_by(found_first, "-checked_on", "-pk")


def helper_rows(helpers: QuerySet[Helper], today: date) -> QuerySet[Helper]:
    """The helpers as their list shows them: area, the latest check's date and result
    (last_checked_on, last_result) and the number of pairings not ended (current_pairings)."""
    latest = checks_telling(BackgroundCheck.objects.filter(helper=OuterRef("pk")))
    return helpers.select_related("area__parent").annotate(
        last_checked_on=Subquery(latest.values("checked_on")[:1]),
        last_result=Subquery(latest.values("result")[:1]),
        current_pairings=Count(
            "pairings", filter=Q(pairings__ended_on=None) | Q(pairings__ended_on__gt=today)
        ),
    )


def helpers_check_due(helpers: QuerySet[Helper], today: date) -> QuerySet[Helper]:
    """Among helper_rows, the people in the register whose clear check runs out within
    CHECK_WARNING_DAYS or has run out (审查到期)."""
    cutoff = checks_valid_until_on_or_before(today + timedelta(days=CHECK_WARNING_DAYS))
    return helpers.filter(
        Q(last_result=CheckResult.CLEAR, last_checked_on__lte=cutoff), active=True
    ).exclude(kind=HelperKind.ORGANISATION)


def helpers_check_missing(helpers: QuerySet[Helper]) -> QuerySet[Helper]:
    """Among helper_rows, the people in the register without a clear latest check."""
    return (
        helpers.filter(active=True)
        .filter(Q(last_result=None) | ~Q(last_result=CheckResult.CLEAR))
        .exclude(kind=HelperKind.ORGANISATION)
    )


def pairings_of(user: User, child: Child) -> QuerySet[Pairing]:
    """The child's pairings, current first (a helper sees their own only)."""
    pairings = Pairing.objects.filter(child=child).select_related("helper")
    if not sees_whole_file(user, child):
        pairings = pairings.filter(helper__user=user)
    return pairings.order_by("ended_on", "-started_on")


def pairing_get_for_user(user: User, pairing_id: int) -> Pairing:
    """A current pairing of a helper the user's register holds, with a child the user sees
    (who ends it must see both); 404 otherwise."""
    pairing = (
        Pairing.objects.filter(
            pk=pairing_id,
            ended_on=None,
            helper__in=helpers_visible_to(user),
            child__in=children_visible_to(user),
        )
        .select_related("helper", "child")
        .first()
    )
    if pairing is None:
        raise Http404
    return pairing


def assignment_get_for_user(user: User, assignment_id: int) -> Assignment:
    """A current assignment of a child the user sees; 404 otherwise."""
    assignment = (
        Assignment.objects.filter(
            pk=assignment_id, ended_on=None, child__in=children_visible_to(user)
        )
        .select_related("child")
        .first()
    )
    if assignment is None:
        raise Http404
    return assignment


def assignments_of(child: Child) -> QuerySet[Assignment]:
    return Assignment.objects.filter(child=child, ended_on=None).select_related("user")


def record_kinds_for(user: User, child: Child) -> list[tuple[str, str]]:
    """The kinds of record the user may write for the child: counselling only where they
    may read its notes."""
    kinds = [(k.value, str(k.label)) for k in RecordKind]
    if not notes_visible(user, child):
        kinds = [k for k in kinds if k[0] != RecordKind.COUNSELLING]
    return kinds


# Roles with children of their own to care for (My tasks): directors, teachers, mentors,
# counsellors, and helpers' logins.
CARING_ROLES = frozenset({"village_director", "teacher", "counsellor", "volunteer"})


def has_tasks(user: User) -> bool:
    """Does the user have a My tasks page (menu, home panel)? From their roles alone."""
    return holds_role(user, CARING_ROLES)


TIMELINE_LENGTH = 50


def timeline(user: User, child: Child, *, whole_file: bool, today: date) -> dict[str, Any]:
    """The care section of a child's file: the newest records the user may see, and for
    those who see the whole file the plan's due dates, who is responsible and the
    pairings. Counselling notes are never shown here (the record's own page shows them to
    whom they may, and logs it)."""
    records = list(records_of(user, child)[: TIMELINE_LENGTH + 1])
    context: dict[str, Any] = {
        "child": child,
        "records": records[:TIMELINE_LENGTH],
        "more": len(records) > TIMELINE_LENGTH,
        "shown_count": TIMELINE_LENGTH,
        "notes_shown": False,
        "today": today,
        "can_record": child.status == Status.ACTIVE,
        "pairings": list(pairings_of(user, child)),
        "due": None,
        "responsible": None,
    }
    if not whole_file:
        return context
    state = CareState.objects.filter(child=child).first()
    registered = timezone.localtime(child.created_at).date()
    plan = plan_for(child.village_id)
    last_visit = state.last_visit_on if state else None
    last_contact = state.last_parent_contact_on if state else None
    if child.status == Status.ACTIVE:
        period = plan.visit[child.risk_level]
        visit_on = period.after(last_visit or registered)
        contact_on = plan.parent_contact.after(last_contact or registered)
        context["due"] = {
            "visit_on": visit_on,
            "visit_overdue": status(visit_on, today) == "overdue",
            "visit_period": period.label(),
            "last_contact": last_contact,
            "contact_on": contact_on if child.parent_away else None,
            "contact_overdue": child.parent_away and status(contact_on, today) == "overdue",
        }
    directors = [child.director] if child.director else _village_directors(child.village_id)
    context["responsible"] = {
        "director": "、".join(d.full_name or d.username for d in directors) or None,
        "assignments": list(assignments_of(child)),
        "can_assign": holds_role(user, ASSIGNING_ROLES),
    }
    return context


def _village_directors(village: str) -> list[User]:
    ids = Membership.objects.filter(role__code="village_director", area_id=village).values(
        "user_id"
    )
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))
