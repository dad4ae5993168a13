"""Scoped reads of children: every view, export, report and task reads children here."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.core.paginator import Page, Paginator
from django.db.models import (
    BigIntegerField,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.functional import cached_property

from guanai.accounts.models import User
from guanai.accounts.scope import ChildAccess, child_q, prefix_q, scope_for
from guanai.areas.codes import code_range, prefix_at
from guanai.areas.models import Area, AreaLevel, School
from guanai.children.choices import (
    FamilySlot,
    GuardianshipType,
    ReviewState,
    RiskLevel,
    Status,
    Subject,
)
from guanai.children.idnumber import id_index, normalize_id_number
from guanai.children.models import Child, ChildChange, Grandparent, Person


def children_visible_to(user: User, *, access: ChildAccess = ChildAccess.VIEW) -> QuerySet[Child]:
    """The children on which the user holds `access` (seeing them, by default).

    Anonymised children (guanai.retention) are nobody's to see or change any more; only
    statistics, which count from Child directly, still count them.
    """
    q = child_q(scope_for(user), access)
    children = Child.objects.filter(anonymised_at__isnull=True)
    return children if q is None else children.filter(q)


def villages_editable_by(user: User) -> QuerySet[Area]:
    """Villages where the user may register children: their areas, or their school's."""
    scope = scope_for(user)
    villages = Area.objects.filter(level=AreaLevel.VILLAGE)
    if scope.everything:
        return villages
    grants = [g for g in scope.child_grants if ChildAccess.EDIT in g.access]
    prefixes = {g.area_prefix for g in grants if g.area_prefix}
    if any(g.school_id for g in grants):
        prefixes |= scope.school_area_prefixes
    return villages.filter(prefix_q("code", frozenset(prefixes)))


def assigned_only_schools(user: User) -> list[School]:
    """The schools of a teacher or counsellor who sees only the pupils assigned to them;
    empty for anyone who sees children otherwise. Their empty list and home say why."""
    scope = scope_for(user)
    grants = [g for g in scope.child_grants if ChildAccess.VIEW in g.access]
    if not grants or any(g.assigned_to is None for g in grants):
        return []
    schools = {m.school.pk: m.school for m in scope.memberships if m.school is not None}
    return [schools[g.school_id] for g in grants if g.school_id in schools]


def child_access_required(user: User, access: ChildAccess) -> None:
    """404 for users who hold this access over no child at all."""
    if access not in scope_for(user).child_access():
        raise Http404


def child_get_for_user(
    *, user: User, child_id: int, access: ChildAccess = ChildAccess.VIEW
) -> Child:
    """The child if the user holds `access` on them; 404 otherwise (no oracle)."""
    child = (
        children_visible_to(user, access=access)
        .select_related(
            "village__parent",
            "hukou_area",
            "school",
            "father",
            "mother",
            "guardian",
            "responsible_teacher",
            "director",
            "reviewed_by",
        )
        .prefetch_related(
            Prefetch("grandparent_links", queryset=Grandparent.objects.select_related("person"))
        )
        .filter(pk=child_id)
        .first()
    )
    if child is None:
        raise Http404
    return child


# --- de-duplication: the only reads that cross the user's scope ---------------------------
# An ID number is registered once in the whole system, and a parent is one record for all
# their children. Callers tell the user no more than that such a record exists elsewhere.


def children_with_id_numbers(indexes: Iterable[str]) -> QuerySet[Child]:
    """Children anywhere holding one of these ID-number blind indexes."""
    return Child.objects.filter(id_number_index__in=list(indexes))


def persons_with_id_numbers(indexes: Iterable[str]) -> QuerySet[Person]:
    """Family members anywhere holding one of these ID-number blind indexes."""
    return Person.objects.filter(id_number_index__in=list(indexes))


def children_of_persons(persons: Iterable[Person] | QuerySet[Person]) -> QuerySet[Child]:
    """Every child these people are a parent, guardian or grandparent of, anywhere."""
    persons = list(persons) if not isinstance(persons, QuerySet) else persons
    return Child.objects.filter(
        Q(father__in=persons)
        | Q(mother__in=persons)
        | Q(guardian__in=persons)
        | Q(grandparent_links__person__in=persons)
    ).distinct()


def person_editable_by(user: User, person: Person) -> bool:
    """May the user change this family member, or attach them to a child by ID number?

    Only if they are family of at least one child and every child of theirs is the user's
    to edit: a parent's record is shared by siblings, and may be by children of other
    places. A family member of no child is nobody's: the link that held them was replaced
    or removed, and nothing records whose they were. They are deleted at once when that
    happens (family.persons_orphaned_delete), so one is met here only if it survived
    somehow; the daily retention run deletes it, and the number can then be entered anew.
    """
    children = children_of_persons([person])
    editable = children_visible_to(user, access=ChildAccess.EDIT).values("pk")
    return children.exists() and not children.exclude(pk__in=editable).exists()


# A child's family, as children_of_persons joins it.
FAMILY_JOINED = (*FamilySlot.values, Subject.GRANDPARENT.value)


@dataclass(frozen=True)
class Holder:
    """A record outside a user's reach that holds an ID number (`held_as`, a Subject: the
    child's own, or a family member's and their place in that child's family); and where
    that child is held, to say whom to ask (never shown with the child)."""

    child_id: int | None
    held_as: str
    village_id: str
    school_id: int | None = None


def id_numbers_held_out_of_reach(user: User, indexes: Iterable[str]) -> dict[str, Holder]:
    """Which of these ID-number indexes a record the user may not edit holds, as a child's
    own number or a family member's, whichever the number was typed for: a child the user
    may not edit, or a family member of one. The user is told only the one neutral answer
    (children.errors.IdentityConflictError), whatever and wherever the record is."""
    wanted = sorted({index for index in indexes if index})
    if not wanted:
        return {}
    editable = children_visible_to(user, access=ChildAccess.EDIT).values("pk")
    found: dict[str, Holder] = {}
    for pk, index, village, school in (
        children_with_id_numbers(wanted)
        .exclude(pk__in=editable)
        .order_by("pk")
        .values_list("pk", "id_number_index", "village_id", "school_id")
    ):
        found.setdefault(index, Holder(pk, Subject.CHILD.value, village, school))
    persons = dict(persons_with_id_numbers(wanted).values_list("pk", "id_number_index"))
    if persons:
        family = (
            children_of_persons(persons_with_id_numbers(wanted))
            .exclude(pk__in=editable)
            .order_by("pk")
            .values_list(
                "pk",
                "village_id",
                "school_id",
                "father_id",
                "mother_id",
                "guardian_id",
                "grandparent_links__person_id",
            )
        )
        for pk, village, school, *members in family:
            for held_as, person_id in zip(FAMILY_JOINED, members, strict=True):
                if person_id in persons:
                    found.setdefault(persons[person_id], Holder(pk, held_as, village, school))
    return found


# --- reads for the system's own bookkeeping -------------------------------------------------
# Unscoped, and never for showing a child: which county a record belongs to, the family a
# removal takes along, the children a retention run is due to anonymise.


def children_in_areas(prefixes: frozenset[str]) -> QuerySet[Child]:
    """Every child living under these area prefixes, anonymised ones included."""
    return Child.objects.filter(prefix_q("village_id", prefixes))


def children_not_anonymised() -> QuerySet[Child]:
    """Every child whose file is still whole, in or out of the roster (retention's run)."""
    return Child.objects.filter(anonymised_at__isnull=True)


def persons_orphaned() -> QuerySet[Person]:
    """Family members whom no child refers to (none should outlive their last link)."""
    return Person.objects.filter(
        ~Exists(Child.objects.filter(father=OuterRef("pk"))),
        ~Exists(Child.objects.filter(mother=OuterRef("pk"))),
        ~Exists(Child.objects.filter(guardian=OuterRef("pk"))),
        ~Exists(Grandparent.objects.filter(person=OuterRef("pk"))),
    )


def child_ids_existing(child_ids: Iterable[int]) -> set[int]:
    """Those of these children still on file (removed ones: an import undone)."""
    return set(Child.objects.filter(pk__in=list(child_ids)).values_list("pk", flat=True))


def family_of(child_ids: Iterable[int]) -> set[int]:
    """The ids of these children's parents, guardians and grandparents."""
    child_ids = list(child_ids)
    family: set[int] = set()
    for row in Child.objects.filter(pk__in=child_ids).values_list(
        "father_id", "mother_id", "guardian_id"
    ):
        family.update(pk for pk in row if pk)
    family.update(
        Grandparent.objects.filter(child_id__in=child_ids).values_list("person_id", flat=True)
    )
    return family


def child_may(user: User, child: Child, access: ChildAccess) -> bool:
    """Does the user hold `access` on this child they can already see?"""
    return children_visible_to(user, access=access).filter(pk=child.pk).exists()


def child_history(child: Child) -> QuerySet[ChildChange]:
    return ChildChange.objects.filter(child=child).select_related("by")


# --- review (审核) ------------------------------------------------------------------------

# History entries that submit a record for review, and those that decide on it.
SUBMISSION_KINDS = (
    ChildChange.Kind.CREATED,
    ChildChange.Kind.UPDATED,
    ChildChange.Kind.EXITED,
    ChildChange.Kind.RESTORED,
)
DECISION_KINDS = (ChildChange.Kind.APPROVED, ChildChange.Kind.RETURNED)


def review_queue(user: User, *, village: str = "", school: int | None = None) -> QuerySet[Child]:
    """Entries waiting for this user's review, oldest first; of one village or school."""
    children = children_visible_to(user, access=ChildAccess.REVIEW).filter(
        review_state=ReviewState.PENDING
    )
    if village:
        children = children.filter(village_id=village)
    if school:
        children = children.filter(school_id=school)
    return children.select_related("village__parent", "school", "guardian", "created_by").order_by(
        "updated_at", "id"
    )


def review_queue_places(user: User) -> tuple[list[tuple[Area, int]], list[tuple[School, int]]]:
    """The villages and the schools that have entries waiting for this user, with how many:
    the queue's filters offer only places where there is work."""
    queue = children_visible_to(user, access=ChildAccess.REVIEW).filter(
        review_state=ReviewState.PENDING
    )
    by_village = dict(
        queue.order_by()
        .values_list("village_id")
        .annotate(n=Count("id"))
        .values_list("village_id", "n")
    )
    by_school = dict(
        queue.exclude(school=None)
        .order_by()
        .values_list("school_id")
        .annotate(n=Count("id"))
        .values_list("school_id", "n")
    )
    villages = Area.objects.filter(code__in=list(by_village)).select_related("parent")
    schools = School.objects.filter(pk__in=list(by_school))
    return (
        [(v, by_village[v.code]) for v in villages.order_by("code")],
        [(s, by_school[s.pk]) for s in schools.order_by("area_id", "name")],
    )


@dataclass
class Submission:
    """A record waiting for review as the reviewer sees it: what was submitted since the
    last decision on it (history entries, newest first), by whom, and the latest history
    entry the page shows (`seen`), so that a decision applies to what was looked at."""

    child: Child
    entries: list[ChildChange]
    submitters: list[User]
    seen: int


def submissions_of(children: Iterable[Child]) -> list[Submission]:
    """The pending submissions of these children (a page of the queue), in one query."""
    children = list(children)
    history: dict[int, list[ChildChange]] = {child.pk: [] for child in children}
    for change in (
        ChildChange.objects.filter(child_id__in=list(history))
        .select_related("by")
        .order_by("child_id", "-at", "-id")
    ):
        history[change.child_id].append(change)
    submissions = []
    for child in children:
        entries = history[child.pk]
        waiting: list[ChildChange] = []
        for change in entries:
            if change.kind in DECISION_KINDS:
                break
            if change.kind in SUBMISSION_KINDS:
                waiting.append(change)
        submitters: list[User] = []
        for change in waiting:
            if change.by is not None and change.by not in submitters:
                submitters.append(change.by)
        if not submitters and child.created_by is not None:
            submitters.append(child.created_by)
        seen = max((change.pk for change in entries), default=0)
        submissions.append(Submission(child, waiting, submitters, seen))
    return submissions


def child_latest_change_id(child: Child) -> int:
    """The id of the child's latest history entry (0 for none): what a reviewer saw."""
    latest = ChildChange.objects.filter(child=child).order_by("-id").values_list("id", flat=True)
    return latest.first() or 0


def _submitter_q() -> Coalesce:
    """Who submitted the record last: the author of its latest submission entry, else
    whoever registered it (records written before history was kept)."""
    latest = (
        ChildChange.objects.filter(child=OuterRef("pk"), kind__in=SUBMISSION_KINDS)
        .order_by("-at", "-id")
        .values("by")[:1]
    )
    return Coalesce(Subquery(latest), F("created_by"), output_field=BigIntegerField())


def child_submitter(child: Child) -> User | None:
    """The user a return goes back to (the record's last submitter), if known."""
    pk = (
        Child.objects.filter(pk=child.pk)
        .annotate(submitter=_submitter_q())
        .values_list("submitter", flat=True)
    )
    submitter = pk.first()
    return User.objects.filter(pk=submitter).first() if submitter else None


def children_returned_to(user: User) -> QuerySet[Child]:
    """Records the reviewer returned to this user, waiting for them to act: those they
    submitted last and may still edit. Editing one submits it again, and it leaves."""
    return (
        children_visible_to(user, access=ChildAccess.EDIT)
        .filter(review_state=ReviewState.RETURNED)
        .annotate(submitter=_submitter_q())
        .filter(submitter=user.pk)
        .select_related("village", "reviewed_by")
        .order_by("-reviewed_at", "-id")
    )


# --- ages and definitions --------------------------------------------------------------------


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def under_age_q(age: int, on: date) -> Q:
    """Children who have not yet had their `age`th birthday on `on`."""
    return Q(birth_date__gt=years_before(on, age))


def left_behind_q(definition: str, on: date) -> Q:
    """2016: under 16, rural registration, both parents away or one away and the other
    unable to guard. Broad (many schools): under 18, at least one parent away."""
    if definition == "2016":
        return Q(hukou_rural=True, parents_away_2016=True) & under_age_q(16, on)
    return Q(parent_away=True) & under_age_q(18, on)


def is_left_behind(child: Child, definition: str, on: date) -> bool:
    if definition == "2016":
        return child.hukou_rural and child.parents_away_2016 and child.age_on(on) < 16
    return child.parent_away and child.age_on(on) < 18


# Age bands of the seeds' statistics (0–5, 6–13, 14–16) and the rest up to 18.
AGE_BANDS = {"0-5": (0, 5), "6-13": (6, 13), "14-16": (14, 16), "17-18": (17, 18)}


def age_band_q(band: str, on: date) -> Q:
    low, high = AGE_BANDS[band]
    # Age in [low, high]: had the low-th birthday, not yet the (high+1)-th.
    return Q(birth_date__lte=years_before(on, low)) & under_age_q(high + 1, on)


# --- files still to complete (待补充, children.completeness) ---------------------------------

# A file that still lacks some official field: the condition of the partial index
# child_incomplete, so the database reads that small index alone.
INCOMPLETE = ~Q(missing_fields="")


def children_incomplete(user: User) -> QuerySet[Child]:
    """The children on the roll whose file the user may complete, in the order the
    completion flow (补充资料) takes them: village by village, by name."""
    return (
        children_visible_to(user, access=ChildAccess.EDIT)
        .filter(INCOMPLETE, status=Status.ACTIVE)
        .order_by("village_id", "name", "id")
    )


def children_incomplete_after(children: QuerySet[Child], child: Child) -> QuerySet[Child]:
    """Those of these children that come after `child` in the completion order."""
    return children.filter(
        Q(village_id__gt=child.village_id)
        | Q(village_id=child.village_id, name__gt=child.name)
        | Q(village_id=child.village_id, name=child.name, pk__gt=child.pk)
    )


def incomplete_counts(user: User, *, on: date) -> dict[str, int]:
    """The home page's 待补充 figures over the user's area.

    `incomplete`: children on the roll the user may complete (edit) whose file is 待补充.
    `work_unknown`: of the children the home page counts (approved, on the roll, under
    18), those whose parents' work is unknown: in neither left-behind count, since unknown
    is not "at home", and so counted apart."""
    scope = scope_for(user)
    access = scope.child_access()
    counts = {"incomplete": 0, "work_unknown": 0}
    if ChildAccess.EDIT in access:
        counts["incomplete"] = children_incomplete(user).count()
    q = child_q(scope, ChildAccess.COUNT)
    if ChildAccess.COUNT in access:
        counted = Child.objects.filter(
            INCOMPLETE,
            under_age_q(18, on),
            status=Status.ACTIVE,
            review_state=ReviewState.APPROVED,
            missing_fields__contains=",parents_work,",
        )
        counts["work_unknown"] = (counted if q is None else counted.filter(q)).count()
    return counts


# --- search and filters ------------------------------------------------------------------


_VOWELS = frozenset("aeiouv")


def looks_like_id_number(query: str) -> bool:
    id_number = normalize_id_number(query)
    return len(id_number) in (15, 18) and id_number[:-1].isdigit()


def _search_q(query: str) -> tuple[Q, str]:
    """The condition for a search, and the indexed column it ranges over ("" if several)."""
    if looks_like_id_number(query):
        return Q(id_number_index=id_index(query)), "id_number_index"
    lowered = query.lower().replace(" ", "")
    if lowered.isascii() and lowered.isalpha():
        upper = lowered[:-1] + chr(ord(lowered[-1]) + 1)
        initials = Q(name_initials__gte=lowered, name_initials__lt=upper)
        pinyin = Q(name_pinyin__gte=lowered, name_pinyin__lt=upper)
        if lowered[0] in _VOWELS:
            return initials | pinyin, ""
        if _VOWELS & set(lowered):
            return pinyin, "name_pinyin"
        return initials, "name_initials"
    return Q(name__gte=query, name__lt=query + "\U0010ffff", name__startswith=query), "name"


def child_search(children: QuerySet[Child], query: str) -> QuerySet[Child]:
    """By exact ID number (blind index), pinyin initials or full pinyin, or name prefix.

    Letters with a vowel are the start of the full pinyin ("zhangs"); without one,
    initials ("zs"); a name starting with a vowel sound (安, 欧阳) is found both ways.
    Every search is a range over the leading column of an index that also holds each
    column the list filters by, so over a province the database answers from the index.
    """
    query = query.strip()
    return children.filter(_search_q(query)[0]) if query else children


@dataclass(frozen=True)
class ChildFilter:
    township: str = ""
    village: str = ""
    school: int | None = None
    guardianship_type: str = ""
    risk_level: str = ""
    concern: str = ""
    status: str = Status.ACTIVE
    definition: str = ""
    age_band: str = ""
    review_state: str = ""
    # "incomplete": the files still 待补充; "complete": the others.
    completeness: str = ""
    q: str = ""


SORTS = {
    "village": ("village_id", "name", "id"),
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "birth_date": ("birth_date", "id"),
    "-birth_date": ("-birth_date", "-id"),
    "-updated_at": ("-updated_at", "-id"),
}


def child_filter(
    children: QuerySet[Child], f: ChildFilter, *, on: date, sort: str = "village"
) -> QuerySet[Child]:
    if f.village or f.township:
        low, high = code_range(prefix_at(f.township, "township"))
        # A relation takes no __range lookup: the two bounds, as accounts.scope.prefix_q.
        place = (
            Q(village_id=f.village) if f.village else Q(village_id__gte=low, village_id__lte=high)
        )
        # The place's range goes first: SQLite bounds the index scan by the first range
        # it meets on a column, and the place is narrower than the user's scope.
        children = Child.objects.filter(place) & children
    if f.school:
        children = children.filter(school_id=f.school)
    if f.guardianship_type:
        children = children.filter(guardianship_type=f.guardianship_type)
    if f.risk_level:
        children = children.filter(risk_level=f.risk_level)
    if f.concern:
        children = children.filter(concerns__contains=f",{f.concern},")
    if f.status:
        children = children.filter(status=f.status)
    if f.review_state:
        children = children.filter(review_state=f.review_state)
    if f.completeness == "incomplete":
        children = children.filter(INCOMPLETE)
    elif f.completeness == "complete":
        children = children.filter(missing_fields="")
    if f.definition:
        children = children.filter(left_behind_q(f.definition, on))
    if f.age_band in AGE_BANDS:
        children = children.filter(age_band_q(f.age_band, on))
    query = f.q.strip()
    if not query:
        return children.order_by(*SORTS.get(sort, SORTS["village"]))
    condition, key = _search_q(query)
    children = children.filter(condition)
    if sort == "village" and key in ("name_initials", "name_pinyin"):
        # Closest matches first ("zs" before "zsy"), then by village: the search
        # index's own order, so the page is read from it without sorting.
        return children.order_by(key, "village_id", "name", "id")
    return children.order_by(*SORTS.get(sort, SORTS["village"]))


def child_list_rows(children: QuerySet[Child]) -> QuerySet[Child]:
    """What the list shows, in a fixed number of queries whatever the page size."""
    return children.select_related("village__parent", "school", "guardian")


# Beyond this many matches the list says "10 000+" rather than count a province's
# children on every page; statistics count them exactly.
COUNT_CAP = 10_000


class ChildPaginator(Paginator):
    """Pages of the filtered children: a capped count, and rows fetched by id.

    The page's ids come from the narrow, indexed query (filters, sort, offset); only
    those rows are then read whole with what the list shows, so joining villages,
    schools and guardians never happens for rows that are not shown.
    """

    object_list: QuerySet[Child]

    @cached_property
    def count(self) -> int:
        return self.object_list[: COUNT_CAP + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP

    def page(self, number: int | str) -> Page:
        page = super().page(number)
        ids: list[int] = list(page.object_list.values_list("pk", flat=True))  # type: ignore[attr-defined]
        rows = {c.pk: c for c in child_list_rows(Child.objects.filter(pk__in=ids))}
        page.object_list = [rows[pk] for pk in ids]
        return page


# --- statistics ----------------------------------------------------------------------------


def child_counts(user: User, *, on: date, approved_only: bool = True) -> dict[str, int]:
    """Headline counts of active children in the user's area.

    Official figures count approved records only; entries waiting for review are
    counted apart. They count anonymised records too (retention keeps every figure), which
    no list shows: `anonymised` says how many. The children who need attention (no
    guardian, high risk) are counted whatever their review state, as the list shows them.
    """
    q = child_q(scope_for(user), ChildAccess.COUNT)
    children = Child.objects.filter(status=Status.ACTIVE)
    if q is not None:
        children = children.filter(q)
    approved = Q(review_state=ReviewState.APPROVED)
    named = Q(anonymised_at__isnull=True)

    def counted(extra: Q | None = None) -> Count:
        condition = approved if approved_only else Q(pk__isnull=False)
        return Count("id", filter=condition & extra if extra is not None else condition)

    return children.aggregate(
        total=counted(),
        left_behind_2016=counted(left_behind_q("2016", on)),
        left_behind_broad=counted(left_behind_q("broad", on)),
        anonymised=counted(~named),
        pending=Count("id", filter=Q(review_state=ReviewState.PENDING)),
        no_guardian=Count("id", filter=named & Q(guardianship_type=GuardianshipType.NONE)),
        high_risk=Count("id", filter=named & Q(risk_level=RiskLevel.HIGH)),
    )


def children_assigned_counts(user: User, *, on: date) -> dict[str, int]:
    """What a teacher or counsellor has: the active pupils they see (assigned to them),
    whatever their review state, counted as their list counts them."""
    return (
        children_visible_to(user)
        .filter(status=Status.ACTIVE)
        .aggregate(
            total=Count("id"),
            left_behind_2016=Count("id", filter=left_behind_q("2016", on)),
            left_behind_broad=Count("id", filter=left_behind_q("broad", on)),
            no_guardian=Count("id", filter=Q(guardianship_type=GuardianshipType.NONE)),
            high_risk=Count("id", filter=Q(risk_level=RiskLevel.HIGH)),
        )
    )
