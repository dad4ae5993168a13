"""Which changes send an approved file back for review (审核), whichever way they come.

A township supervisor's approval vouches for what the census counts and what decides a
child's care: who the child is (name, gender, birth date, ID number, ethnicity), where the
child is held (village, household registration, schooling and school), whether the child
is left behind (each parent away or home, able to guard or why not), how the child is
guarded (the guardian, relationship, type, assessment, the entrustment's date, the
grandparents), health (the 2016 form's 健康 / 残疾 / 患病 with its details) and the family's
income and assistance. A change to any of these is **material**: made by someone who may
not review the child, it sends the file back to 待审核.

What changes from term to term or visit to visit, and counts in no census figure, is not:
grade, class and boarding; addresses and phone numbers; where a parent away works (province
and city: being away is what counts, and is material); the carers' risk level and concerns;
the responsible teacher and child director; a family member's health note. A file whose
only changes are these keeps its review state.

The rule is applied by the child services (`children.services`) to every change, whether it
came through the form, a roster import or the API: the same change gets the same review
state whichever way it comes. A returned file goes back to 待审核 on any correction, and one
entered by someone who may review the child is approved at once (`_review_after_entry`).
"""

from collections.abc import Iterable, Mapping
from typing import Any

# The child's own fields whose changes are not material.
CHILD_NOT_MATERIAL = frozenset(
    {
        "grade",
        "class_name",
        "boarding",
        "address",
        "risk_level",
        "concerns",
        "responsible_teacher",
        "director",
        # What the file still lacks (待补充) follows from the other fields: the fields
        # filled in are judged themselves.
        "missing_fields",
    }
)

# A family member's (father, mother, guardian, grandparent) fields whose changes are not
# material. Another person put in a slot, or a grandparent added or removed, is.
PERSON_NOT_MATERIAL = frozenset({"phone", "address", "work_province", "work_city", "health_note"})


def is_material(subject: str, changes: Iterable[Mapping[str, Any]]) -> bool:
    """Whether these history entries' changes (of the child, or of the family member in
    `subject`) send an approved file back for review."""
    exempt = CHILD_NOT_MATERIAL if subject == "child" else PERSON_NOT_MATERIAL
    return any(change["field"] not in exempt for change in changes)
