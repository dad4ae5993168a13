"""Contact-plan arithmetic: when something done on one day is due again.

A period is a count of days, weeks or months. Months are calendar months, clamped to the
month's end: a visit on 31 January is due again on 28 February (29 in a leap year), one on
29 February 2024 a year later on 28 February 2025. A thing is *due* on its due date and
*overdue* the day after; *due this week* means due within the next seven days, today
included.

Reads do not compute a due date per child: for a plan and a day, `last_base_due_by` gives
the latest date a child's last visit may fall on for the visit to be due by that day, so
"overdue" is one comparison of an indexed date per risk level, in SQL, whatever the month.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from guanai.care.choices import Unit
from guanai.children.choices import RiskLevel

WEEK = 7  # "due this week": due within the next seven days, today included


@dataclass(frozen=True)
class Period:
    every: int
    unit: str

    def after(self, day: date) -> date:
        """The day this period after `day`."""
        if self.unit == Unit.DAY:
            return day + timedelta(days=self.every)
        if self.unit == Unit.WEEK:
            return day + timedelta(weeks=self.every)
        return add_months(day, self.every)

    def last_base_due_by(self, day: date) -> date:
        """The latest date whose next one (this period after it) is on or before `day`."""
        if self.unit == Unit.DAY:
            return day - timedelta(days=self.every)
        if self.unit == Unit.WEEK:
            return day - timedelta(weeks=self.every)
        # Months: near `day` less the months, then walk to the boundary (after() is
        # monotonic, and months clamp by at most three days).
        base = add_months(day, -self.every)
        while self.after(base + timedelta(days=1)) <= day:
            base += timedelta(days=1)
        while self.after(base) > day:
            base -= timedelta(days=1)
        return base

    def label(self) -> str:
        return f"{self.every} {Unit(self.unit).label}"


def add_months(day: date, months: int) -> date:
    """`day` moved by whole calendar months, clamped to the last day of the month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Plan:
    """A county's contact plan (models.ContactPlan), or the defaults."""

    visit: dict[str, Period]
    parent_contact: Period

    def overdue_cutoffs(self, today: date) -> dict[str, date]:
        """Per risk level: a last visit on or before this date is overdue today."""
        return {
            risk: p.last_base_due_by(today - timedelta(days=1)) for risk, p in self.visit.items()
        }

    def week_cutoffs(self, today: date) -> dict[str, date]:
        """Per risk level: a last visit on or before this date is due within the week."""
        last = today + timedelta(days=WEEK - 1)
        return {risk: p.last_base_due_by(last) for risk, p in self.visit.items()}


DEFAULTS = Plan(
    visit={
        RiskLevel.HIGH: Period(1, Unit.WEEK),
        RiskLevel.MEDIUM: Period(2, Unit.WEEK),
        RiskLevel.LOW: Period(1, Unit.MONTH),
    },
    parent_contact=Period(7, Unit.DAY),
)


def status(due_on: date, today: date) -> str:
    """'overdue', 'week' (due within seven days) or 'later'."""
    if due_on < today:
        return "overdue"
    if due_on < today + timedelta(days=WEEK):
        return "week"
    return "later"
