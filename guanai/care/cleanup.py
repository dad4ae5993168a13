"""What the care work holds of a child, cleared with the child's file (children.cleanup)."""

from guanai.care.models import Assignment, CareRecord, CareRecordChange, CareState, Pairing
from guanai.children.cleanup import ChildIds, Cleanup


def _anonymise(child_ids: ChildIds) -> None:
    # The records stay, to be counted (home visits, 人次 and yuan of help), without a word
    # of what was found or done; their history, which repeats it, goes.
    CareRecord.objects.filter(child_id__in=child_ids).update(
        found="", done="", follow_up="", items=""
    )
    CareRecordChange.objects.filter(child_id__in=child_ids).delete()
    Assignment.objects.filter(child_id__in=child_ids).delete()


def _holds_work(child_ids: ChildIds) -> set[int]:
    records = CareRecord.objects.filter(child_id__in=child_ids).values_list("child_id", flat=True)
    pairings = Pairing.objects.filter(child_id__in=child_ids).values_list("child_id", flat=True)
    return set(records) | set(pairings)


CLEANUPS = (
    Cleanup(
        name="care.records",
        models=(CareRecord, CareRecordChange, CareState, Assignment, Pairing),
        anonymise=_anonymise,
        holds_work=_holds_work,
    ),
)
