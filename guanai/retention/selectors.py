"""Reads for retention: the counties a user sets the periods of, each county's periods, and
the children whose period has run out.

Finding the children due is a task of the system, not of a user: it reads every county's
children (children.selectors.children_not_anonymised) and hands the rows to
services.anonymise_expired only.
"""

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from guanai.accounts.models import User
from guanai.accounts.scope import Scope, prefix_q, scope_for
from guanai.areas.codes import prefix_at
from guanai.areas.models import Area, AreaLevel
from guanai.areas.selectors import is_area_code
from guanai.children.choices import ReviewState, Status
from guanai.children.models import Child
from guanai.children.selectors import children_in_areas, children_not_anonymised
from guanai.retention.models import (
    DEFAULT_MONTHS_AFTER_ADULTHOOD,
    DEFAULT_MONTHS_AFTER_EXIT,
    EXIT_WAIT_DAYS,
    RetentionPolicy,
)

ADULT_AGE = 18


def months_before(day: date, months: int) -> date:
    """The same day of the month `months` earlier (the month's last day if it is shorter)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


class Reason:
    EXIT = "exit"  # the period after leaving the roster ran out
    ADULTHOOD = "adulthood"  # the period after the 18th birthday ran out


@dataclass(frozen=True)
class Periods:
    """A county's retention periods, its own or the defaults."""

    months_after_exit: int = DEFAULT_MONTHS_AFTER_EXIT
    months_after_adulthood: int = DEFAULT_MONTHS_AFTER_ADULTHOOD
    own: bool = False  # set by the county rather than the defaults

    def exited_by(self, on: date) -> date:
        """Children exited on or before this day are due on `on`."""
        return months_before(on, self.months_after_exit)

    def born_by(self, on: date) -> date:
        """Children born on or before this day are due on `on`: the period counts from the
        18th birthday."""
        return months_before(on, ADULT_AGE * 12 + self.months_after_adulthood)

    def exit_due_q(self, on: date) -> Q:
        """Exited children whose period after leaving has run out on `on`: counted from the
        date typed for the exit, but only for an exit approved (a pending or returned file
        waits for its review) and recorded EXIT_WAIT_DAYS before."""
        return Q(
            status=Status.EXITED,
            review_state=ReviewState.APPROVED,
            exited_on__lte=self.exited_by(on),
            exit_recorded_at__lt=exits_recorded_before(on),
        )

    def due_q(self, on: date) -> Q:
        # An approved file only, as for exits: a birth date changed by a village or school
        # leaves the file pending, and must not have it anonymised before anyone reviews it.
        adult = Q(birth_date__lte=self.born_by(on), review_state=ReviewState.APPROVED)
        return self.exit_due_q(on) | adult


def exits_recorded_before(on: date) -> datetime:
    """Exits recorded before this moment have waited EXIT_WAIT_DAYS on `on`: recorded on
    1 March, an exit counts from 31 March."""
    day = on - timedelta(days=EXIT_WAIT_DAYS - 1)
    return timezone.make_aware(datetime.combine(day, time.min))


def _periods(policy: RetentionPolicy) -> Periods:
    return Periods(policy.months_after_exit, policy.months_after_adulthood, own=True)


def county_periods(county: Area) -> Periods:
    policy = RetentionPolicy.objects.filter(county=county).first()
    return _periods(policy) if policy is not None else Periods()


class PeriodTable:
    """Every county's periods at once (or one county's), to find the children due."""

    def __init__(self, county: Area | None = None) -> None:
        policies = RetentionPolicy.objects.all()
        if county is not None:
            policies = policies.filter(county=county)
        self.county = county
        self.own = {prefix_at(p.county_id, "county"): _periods(p) for p in policies}

    def for_village(self, code: str) -> Periods:
        return self.own.get(prefix_at(code, "county"), Periods())

    def due_q(self, on: date) -> Q:
        """Children whose county's period has run out on `on`."""
        return self._by_county(lambda periods: periods.due_q(on))

    def exit_due_q(self, on: date) -> Q:
        """Of those, the ones due because their period after leaving ran out."""
        return self._by_county(lambda periods: periods.exit_due_q(on))

    def _by_county(self, due: Callable[[Periods], Q]) -> Q:
        q = Q(pk__in=[])
        for prefix, periods in self.own.items():
            q |= prefix_q("village_id", frozenset({prefix})) & due(periods)
        if self.county is not None:
            place = prefix_q("village_id", frozenset({self.county.prefix}))
            return place & (q if self.own else due(Periods()))
        # Every other county keeps the defaults.
        return q | (~prefix_q("village_id", frozenset(self.own)) & due(Periods()))


def children_due(*, on: date, table: PeriodTable) -> QuerySet[Child]:
    """Children not yet anonymised whose period has run out on `on`."""
    return children_not_anonymised().filter(table.due_q(on))


# --- who sets the periods ------------------------------------------------------------------


def manages_retention(scope: Scope) -> bool:
    """The system admin, and county admins for their counties."""
    return scope.administers


def counties_managed_by(user: User) -> QuerySet[Area]:
    """Counties whose periods the user sets: every county for the system admin, their own
    for a county admin; none for anyone else."""
    scope = scope_for(user)
    counties = Area.objects.filter(level=AreaLevel.COUNTY)
    if scope.everything:
        return counties
    return counties.filter(prefix_q("code", scope.administered_prefixes))


def county_get_for_policy(*, user: User, code: str) -> Area:
    """A county whose periods the user sets; 404 otherwise (no oracle)."""
    if not is_area_code(code):
        raise Http404
    return get_object_or_404(counties_managed_by(user), code=code)


def county_children(county: Area) -> QuerySet[Child]:
    """Every child of the county, anonymised or not, for the counts on the policy page."""
    return children_in_areas(frozenset({county.prefix}))
