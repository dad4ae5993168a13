"""Contact-plan arithmetic at the edges: month and year ends, leap days. The cut-offs the
selectors compare in SQL must say exactly what computing each child's due date would."""

from datetime import date, timedelta

import pytest

from guanai.care.plans import DEFAULTS, WEEK, Period, Plan, add_months, status

ONE_MONTH = Period(1, "month")


def days(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2024, 1, 30), 1, date(2024, 2, 29)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2024, 2, 29), 1, date(2024, 3, 29)),
        (date(2024, 12, 31), 1, date(2025, 1, 31)),
        (date(2024, 12, 15), 1, date(2025, 1, 15)),
        (date(2024, 11, 30), 1, date(2024, 12, 30)),
        (date(2024, 10, 31), 1, date(2024, 11, 30)),
        (date(2024, 8, 31), 1, date(2024, 9, 30)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2025, 3, 31), -1, date(2025, 2, 28)),
        (date(2025, 1, 15), -1, date(2024, 12, 15)),
        (date(2025, 1, 31), -2, date(2024, 11, 30)),
        (date(2024, 11, 30), 3, date(2025, 2, 28)),
        (date(2023, 11, 30), 3, date(2024, 2, 29)),
        (date(2024, 5, 31), 13, date(2025, 6, 30)),
        (date(2024, 12, 31), 0, date(2024, 12, 31)),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(day, months, expected):
    assert add_months(day, months) == expected


def test_periods_of_days_weeks_and_months():
    assert Period(7, "day").after(date(2024, 12, 28)) == date(2025, 1, 4)
    assert Period(1, "week").after(date(2024, 2, 26)) == date(2024, 3, 4)  # over 29 Feb
    assert Period(2, "week").after(date(2023, 12, 25)) == date(2024, 1, 8)
    assert ONE_MONTH.after(date(2024, 1, 31)) == date(2024, 2, 29)
    assert Period(12, "month").after(date(2024, 2, 29)) == date(2025, 2, 28)


@pytest.mark.parametrize(
    ("period", "day", "expected"),
    [
        # 29, 30 and 31 January all fall due on 28 February: the latest is the 31st.
        (ONE_MONTH, date(2025, 2, 28), date(2025, 1, 31)),
        (ONE_MONTH, date(2024, 2, 29), date(2024, 1, 31)),
        (ONE_MONTH, date(2024, 2, 28), date(2024, 1, 28)),
        # No base falls due on 29-31 March 2025 but 28 February's; 1 March is due 1 April.
        (ONE_MONTH, date(2025, 3, 31), date(2025, 2, 28)),
        (ONE_MONTH, date(2025, 3, 29), date(2025, 2, 28)),
        (ONE_MONTH, date(2025, 3, 28), date(2025, 2, 28)),
        (ONE_MONTH, date(2025, 3, 27), date(2025, 2, 27)),
        (ONE_MONTH, date(2024, 3, 30), date(2024, 2, 29)),
        (ONE_MONTH, date(2025, 4, 1), date(2025, 3, 1)),
        (ONE_MONTH, date(2024, 12, 31), date(2024, 11, 30)),
        (ONE_MONTH, date(2025, 1, 1), date(2024, 12, 1)),
        (ONE_MONTH, date(2025, 1, 31), date(2024, 12, 31)),
        (Period(12, "month"), date(2025, 2, 28), date(2024, 2, 29)),
        (Period(12, "month"), date(2025, 3, 1), date(2024, 3, 1)),
        (Period(3, "month"), date(2024, 2, 29), date(2023, 11, 30)),
        (Period(1, "week"), date(2024, 3, 1), date(2024, 2, 23)),
        (Period(7, "day"), date(2025, 1, 3), date(2024, 12, 27)),
    ],
)
def test_last_base_due_by_at_month_ends(period, day, expected):
    assert period.last_base_due_by(day) == expected


PERIODS = [
    Period(1, "day"),
    Period(7, "day"),
    Period(1, "week"),
    Period(2, "week"),
    Period(3, "week"),
    Period(1, "month"),
    Period(2, "month"),
    Period(3, "month"),
    Period(12, "month"),
]


@pytest.mark.parametrize("period", PERIODS, ids=lambda p: f"{p.every}{p.unit}")
def test_last_base_due_by_is_the_latest_base_due_by_the_day(period):
    # Brute force: the largest base whose next date is on or before the day.
    for day in days(date(2023, 12, 1), date(2025, 3, 31)):
        span = 400 if period.unit == "month" and period.every == 12 else 120
        expected = max(
            base for base in days(day - timedelta(days=span), day) if period.after(base) <= day
        )
        assert period.last_base_due_by(day) == expected, day


PLANS = [
    DEFAULTS,
    Plan(
        visit={
            "high": Period(3, "day"),
            "medium": Period(1, "month"),
            "low": Period(2, "month"),
        },
        parent_contact=Period(5, "day"),
    ),
]


@pytest.mark.parametrize("plan", PLANS, ids=["defaults", "custom"])
def test_cutoffs_agree_with_each_childs_due_date_every_day_across_year_and_leap_days(plan):
    """For every day from December 2023 to March 2025 as today, and every last visit within
    70 days before it: overdue by the cut-off ⇔ due before today; due this week by the
    cut-offs ⇔ due today or within the next six days. Both agree with plans.status."""
    checked = 0
    for today in days(date(2023, 12, 1), date(2025, 3, 31)):
        overdue = plan.overdue_cutoffs(today)
        week = plan.week_cutoffs(today)
        for risk, period in plan.visit.items():
            for back in range(0, 71):
                base = today - timedelta(days=back)
                due = period.after(base)
                is_overdue = base <= overdue[risk]
                in_week = overdue[risk] < base <= week[risk]
                assert is_overdue == (due < today), (today, risk, base)
                assert in_week == (today <= due < today + timedelta(days=WEEK)), (
                    today,
                    risk,
                    base,
                )
                expected = "overdue" if is_overdue else "week" if in_week else "later"
                assert status(due, today) == expected
                checked += 1
    assert checked == 487 * 3 * 71


def test_the_defaults_are_weekly_fortnightly_monthly_and_parents_weekly():
    base = date(2024, 2, 22)
    assert DEFAULTS.visit["high"].after(base) == date(2024, 2, 29)
    assert DEFAULTS.visit["medium"].after(base) == date(2024, 3, 7)
    assert DEFAULTS.visit["low"].after(base) == date(2024, 3, 22)
    assert DEFAULTS.parent_contact.after(base) == date(2024, 2, 29)


def test_due_on_the_day_is_not_overdue_and_overdue_the_day_after():
    # A low-risk child visited on 31 January 2024 is due on the leap day.
    cutoffs_29 = DEFAULTS.overdue_cutoffs(date(2024, 2, 29))
    cutoffs_1 = DEFAULTS.overdue_cutoffs(date(2024, 3, 1))
    assert not date(2024, 1, 31) <= cutoffs_29["low"]
    assert date(2024, 1, 31) <= cutoffs_1["low"]
    # Over the year's end: a high-risk child visited on 25 December is due 1 January.
    assert not date(2024, 12, 25) <= DEFAULTS.overdue_cutoffs(date(2025, 1, 1))["high"]
    assert date(2024, 12, 25) <= DEFAULTS.overdue_cutoffs(date(2025, 1, 2))["high"]
    # Seven days ahead: due 1 January is in the week of 26 December, not of 25 December.
    assert date(2024, 12, 25) <= DEFAULTS.week_cutoffs(date(2024, 12, 26))["high"]
    assert not date(2024, 12, 25) <= DEFAULTS.week_cutoffs(date(2024, 12, 25))["high"]
