"""The lists of a child's fields (children.fields) and its family slots (choices.FamilySlot)
cover the models: a field added to Child or Person is placed, or these fail."""

from guanai.children.choices import FamilySlot
from guanai.children.fields import CHILD_FIELDS, EXIT_FIELDS, PERSON_FIELDS
from guanai.children.history import HISTORY_FIELDS
from guanai.children.materiality import CHILD_NOT_MATERIAL, PERSON_NOT_MATERIAL
from guanai.children.models import Child, Person

# What no entry types in: the family slots (written from the family's own entries), what
# derived.child_derive derives, what the exit, the review and the anonymisation set, and
# the system's bookkeeping.
CHILD_SET_ELSEWHERE = frozenset(
    {
        *FamilySlot.values,
        "grandparents",
        "name_initials",
        "name_pinyin",
        "id_number_index",
        "parents_away_2016",
        "parent_away",
        "missing_fields",
        *EXIT_FIELDS,
        "exit_recorded_at",
        "review_state",
        "review_comment",
        "reviewed_by",
        "reviewed_at",
        "created_by",
        "created_at",
        "updated_at",
        "anonymised_at",
        "id",
    }
)
PERSON_SET_ELSEWHERE = frozenset({"id", "id_number_index", "updated_at"})


def _model_fields(model: type[Child] | type[Person]) -> list[str]:
    return [f.name for f in (*model._meta.concrete_fields, *model._meta.many_to_many)]


def test_every_field_of_a_child_is_entered_or_set_by_something_named_for_it() -> None:
    entered = [name for name in _model_fields(Child) if name not in CHILD_SET_ELSEWHERE]
    # In the model's order too: an update's history entry lists its changes in this order.
    assert entered == list(CHILD_FIELDS)


def test_every_field_of_a_family_member_is_entered_or_kept_by_the_system() -> None:
    entered = [name for name in _model_fields(Person) if name not in PERSON_SET_ELSEWHERE]
    assert entered == list(PERSON_FIELDS)


def test_the_family_slots_are_the_childs_links_to_a_family_member() -> None:
    links = [
        f.name for f in Child._meta.concrete_fields if getattr(f, "related_model", None) is Person
    ]
    assert links == FamilySlot.values


def test_the_changes_that_keep_a_review_are_changes_an_entry_can_make() -> None:
    assert set(CHILD_NOT_MATERIAL) <= set(HISTORY_FIELDS)
    assert set(PERSON_NOT_MATERIAL) <= set(PERSON_FIELDS)
