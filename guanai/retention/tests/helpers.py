"""Figures the way reports count them, to show they survive anonymisation."""

from collections import Counter
from datetime import date

from guanai.accounts.models import User
from guanai.accounts.scope import ChildAccess, child_q, scope_for
from guanai.children.models import Child
from guanai.children.selectors import AGE_BANDS, age_band_q

# The columns the seeds' summaries break children down by.
COUNTED = (
    "gender",
    "ethnicity",
    "village_id",
    "hukou_area_id",
    "hukou_rural",
    "school_id",
    "schooling",
    "grade",
    "boarding",
    "health",
    "guardianship_type",
    "guardian_relationship",
    "assessment",
    "assistance",
    "income_sources",
    "risk_level",
    "concerns",
    "parents_away_2016",
    "parent_away",
    "status",
    "exit_reason",
    "exited_on",
    "review_state",
)


def figures(user: User, *, year_end: date) -> dict[str, object]:
    """Every child the user may count, broken down by each column, by year of birth and by
    age group at a year's end (as a yearly work summary counts them)."""
    q = child_q(scope_for(user), ChildAccess.COUNT)
    children = Child.objects.all() if q is None else Child.objects.filter(q)
    result: dict[str, object] = {"total": children.count()}
    for column in COUNTED:
        result[column] = Counter(str(v) for v in children.values_list(column, flat=True))
    result["birth_year"] = Counter(d.year for d in children.values_list("birth_date", flat=True))
    for band in AGE_BANDS:
        result[f"age {band}"] = children.filter(age_band_q(band, year_end)).count()
    return result
