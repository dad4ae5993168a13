"""The demo's batches: one batch of generated children and families, written by `Tables` in
four statements with no query per row (see guanai.children.bulk)."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from guanai.children.bulk import Factory, Table
from guanai.children.models import Child, ChildChange, Grandparent, Person

# ID numbers per lookup of the ones already taken.
_LOOKUP_CHUNK = 5000

_LINKS, _CHANGES = Factory(Grandparent), Factory(ChildChange)


@dataclass
class Batch:
    persons: list[Person] = field(default_factory=list)
    children: list[Child] = field(default_factory=list)
    # (child, grandparent, relationship): Grandparent rows once both have keys.
    links: list[tuple[Child, Person, str]] = field(default_factory=list)
    # History after the registration (review decisions, later changes), written once the
    # children have keys: (child, fields of the ChildChange).
    events: list[tuple[Child, dict[str, Any]]] = field(default_factory=list)


def _drop_taken_ids(records: Sequence[Child] | Sequence[Person]) -> None:
    """Leave out the ID numbers other records already hold, rather than clash with them.

    Only a number typed in by hand, or a family member kept after the demo's children were
    deleted, can be taken: the counters never repeat a number within a run.
    """
    by_index: dict[str, Child | Person] = {
        r.id_number_index: r for r in records if r.id_number_index
    }
    if not by_index:
        return
    model = type(records[0])
    keys = list(by_index)
    for start in range(0, len(keys), _LOOKUP_CHUNK):
        taken = (
            model.objects.filter(id_number_index__in=keys[start : start + _LOOKUP_CHUNK])
            # The same condition as the partial unique index, so the database uses it.
            .exclude(id_number_index="")
            .order_by()
            .values_list("id_number_index", flat=True)
        )
        for index in taken:
            record = by_index[index]
            record.id_number = record.id_number_index = ""


class Tables:
    def __init__(self) -> None:
        self.persons, self.children = Table(Person), Table(Child)
        self.links, self.changes = Table(Grandparent), Table(ChildChange)
        # Only numbers held before this run can clash: the run's own never repeat.
        self.check_ids = (
            Person.objects.exclude(id_number_index="").exists()
            or Child.objects.exclude(id_number_index="").exists()
        )

    def write(self, batch: Batch) -> None:
        if self.check_ids:
            _drop_taken_ids(batch.persons)
            _drop_taken_ids(batch.children)
        self.persons.insert(batch.persons)
        self.children.insert(batch.children)
        links = [
            _LINKS.make(child_id=child.pk, person_id=person.pk, relationship=relationship)
            for child, person, relationship in batch.links
        ]
        self.links.insert(links)
        changes = [
            _CHANGES.make(
                child_id=child.pk,
                at=child.created_at,
                by_id=child.created_by_id,
                kind=ChildChange.Kind.CREATED,
                changes=[],
            )
            for child in batch.children
        ]
        changes += [_CHANGES.make(child_id=child.pk, **event) for child, event in batch.events]
        self.changes.insert(changes)
