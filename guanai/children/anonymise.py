"""Anonymising children whose file has served its purpose (the retention run decides who).

An anonymised child stays a row, so that every figure counted from the rows (how many
children, of which gender, age group, village, school, schooling, guardianship, risk and
left-behind kind, who left when and why) stays the same. Everything that names the child
or their family goes: name, ID number and its blind index, the day and month of birth,
address, illness, class, free text, the family members no other child needs, the values in
the change history, consents and the photo. What other apps hold of the child goes by the
clean-ups they register (children.cleanup); the children app registers its own below. The row
is then out of every list and search (selectors.children_visible_to).

What an exit was stays whole, as evidence that the file was anonymised when its period
had run out: the row's exit reason, the date typed for it, when it was recorded and who
approved it, and in the history who recorded each exit or restore, when, and the reason
and date they gave. None of these names the child; the exit's free-text note goes.

The birth date keeps its year, as 1 January: an age counted on 31 December, as yearly work
summaries count them, is exact, and the children anonymised are adults or left years ago,
so today's age groups (up to 18) do not move.
"""

from dataclasses import dataclass

from django.db.models.functions import TruncYear
from django.utils import timezone

from guanai.children.cleanup import Cleanup, anonymise_held
from guanai.children.family import persons_orphaned_delete
from guanai.children.fields import EXIT_FIELDS
from guanai.children.models import Child, ChildChange, ChildConsent, ChildPhoto, Grandparent
from guanai.children.selectors import family_of

# What an anonymised child is called: data, not interface text, so never translated.
ANONYMISED_NAME = "已匿名"
# What a history entry keeps: which field changed, never from what to what; but whole for
# the facts of an exit (fields.EXIT_FIELDS but the note), which name no one.
_HISTORY_KEYS = ("field", "secret")
_EXIT_EVIDENCE = frozenset(EXIT_FIELDS) - {"exit_note"}
_BULK = 500


@dataclass(frozen=True)
class Anonymised:
    family_deleted: set[int]
    # Family members of these children still recorded for other children: left as they are.
    family_kept: set[int]


def children_anonymise(notes: dict[int, str]) -> Anonymised:
    """Anonymise these children (by id); each one's history gets one entry with its note
    (which period ran out, nothing about the child). Call inside a transaction."""
    ids = list(notes)
    # Read before the grandparents' links go (CLEANUPS).
    family = family_of(ids)
    anonymise_held(child_ids=ids)
    now = timezone.now()
    Child.objects.filter(pk__in=ids).update(
        name=ANONYMISED_NAME,
        name_initials="",
        name_pinyin="",
        id_number="",
        id_number_index="",
        birth_date=TruncYear("birth_date"),
        address="",
        illness="",
        class_name="",
        exit_note="",
        review_comment="",
        father=None,
        mother=None,
        guardian=None,
        anonymised_at=now,
        updated_at=now,
    )
    kept = persons_orphaned_delete(family)
    ChildChange.objects.bulk_create(
        ChildChange(child_id=pk, at=now, kind=ChildChange.Kind.ANONYMISED, comment=note)
        for pk, note in notes.items()
    )
    return Anonymised(family_deleted=family - kept, family_kept=kept)


def _grandparents_unlink(child_ids: list[int]) -> None:
    Grandparent.objects.filter(child_id__in=child_ids).delete()


def _consents_delete(child_ids: list[int]) -> None:
    # The photo goes with the consent it was taken under (ChildPhoto.consent cascades).
    ChildConsent.objects.filter(child_id__in=child_ids).delete()


def _history_scrub(child_ids: list[int]) -> None:
    """Keep which fields changed when and by whom; drop the values and the comments, but
    those of an exit's facts."""
    entries = list(
        ChildChange.objects.filter(child_id__in=child_ids).only("subject", "changes", "comment")
    )
    for entry in entries:
        entry.changes = [
            change
            if entry.subject == "child" and change.get("field") in _EXIT_EVIDENCE
            else {key: change[key] for key in _HISTORY_KEYS if key in change}
            for change in entry.changes
        ]
        entry.comment = ""
    ChildChange.objects.bulk_update(entries, ["changes", "comment"], batch_size=_BULK)


# The children app's own rows about a child (registered by ChildrenConfig.ready). When a
# child is removed, they all go with it (on_delete=CASCADE).
CLEANUPS = (
    Cleanup(name="children.grandparents", models=(Grandparent,), anonymise=_grandparents_unlink),
    Cleanup(
        name="children.consents", models=(ChildConsent, ChildPhoto), anonymise=_consents_delete
    ),
    # Run before the entry saying the child was anonymised is written: that one stays whole.
    Cleanup(name="children.history", models=(ChildChange,), anonymise=_history_scrub),
)
