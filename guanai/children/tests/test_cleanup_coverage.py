"""Every app's rows about a child are answered for by a registered clean-up
(children.cleanup), and anonymisation and an import's undo run the clean-ups."""

import pytest
from django.apps import apps
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import models
from django.test.utils import isolate_apps

from conftest import make_child
from guanai.children import cleanup
from guanai.children.anonymise import children_anonymise
from guanai.children.cleanup import Cleanup, uncovered
from guanai.children.history import recording_batch
from guanai.children.models import Child
from guanai.children.services import child_create, child_update
from guanai.children.tests.test_services import FAMILY, child_data
from guanai.children.undo import batch_changes_undo
from guanai.roster.models import ImportBatch


@pytest.fixture
def registry(monkeypatch):
    """The registered clean-ups as they are; what a test registers is gone after it."""
    monkeypatch.setattr(cleanup, "_CLEANUPS", dict(cleanup._CLEANUPS))


class CareModel(models.Model):
    """A model of an app still to come, defined inside a test under isolate_apps, so that
    no registry but the test's own holds it."""

    class Meta:
        abstract = True
        app_label = "care"

    def __str__(self) -> str:
        return str(self.pk)


def every_model() -> list[type[models.Model]]:
    return list(apps.get_models(include_auto_created=True))


def test_every_model_related_to_a_child_is_covered_by_a_registered_clean_up():
    assert uncovered() == []


def test_the_walk_finds_each_app_s_relations_to_a_child(registry):
    cleanup._CLEANUPS.clear()

    found = {problem.split(" ", 1)[0] for problem in uncovered()}

    assert found == {
        "audit.AccessEvent.child",
        "care.Assignment.child",
        "care.CareRecord.child",
        "care.CareRecordChange.child",
        "care.CareState.child",
        "care.Pairing.child",
        "children.ChildChange.child",
        "children.ChildConsent.child",
        "children.ChildPhoto.child",
        "children.Grandparent.child",
        "conflicts.IdentityConflict.edited_child",
        "conflicts.IdentityConflict.held_child",
    }


@isolate_apps()
def test_a_model_with_a_foreign_key_to_a_child_and_no_clean_up_fails_the_coverage(registry):
    class CareNote(CareModel):
        child = models.ForeignKey(Child, on_delete=models.CASCADE)
        text = models.TextField()

    assert uncovered([*every_model(), CareNote]) == [
        "care.CareNote.child refers to a child and no clean-up is registered for "
        "care.CareNote (guanai.children.cleanup.register)."
    ]

    cleanup.register(
        Cleanup(
            name="care.notes",
            models=(CareNote,),
            anonymise=lambda ids: CareNote.objects.filter(child_id__in=ids).delete(),
        )
    )
    assert uncovered([*every_model(), CareNote]) == []


@isolate_apps()
def test_a_many_to_many_relation_to_a_child_is_found_in_its_through_table():
    class Pairing(CareModel):
        children = models.ManyToManyField(Child)

    through = Pairing._meta.get_field("children").remote_field.through

    assert [problem.split(" ", 1)[0] for problem in uncovered([Pairing, through])] == [
        "care.Pairing_children.child"
    ]


@isolate_apps()
def test_a_child_s_id_kept_in_a_plain_integer_field_counts_as_a_relation():
    class Visit(CareModel):
        visited_child_id = models.PositiveIntegerField()
        visitor_id = models.PositiveIntegerField()

    assert [problem.split(" ", 1)[0] for problem in uncovered([Visit])] == [
        "care.Visit.visited_child_id"
    ]


@isolate_apps()
def test_a_relation_that_would_stop_a_child_s_deletion_needs_a_remove(registry):
    class Placement(CareModel):
        child = models.ForeignKey(Child, on_delete=models.PROTECT)

    def delete(ids: list[int]) -> None:
        Placement.objects.filter(child_id__in=ids).delete()

    cleanup.register(Cleanup(name="care.placements", models=(Placement,), anonymise=delete))
    assert uncovered([Placement]) == [
        "care.Placement.child would stop a child from being deleted, and clean-up "
        "care.placements removes nothing before."
    ]

    cleanup.register(
        Cleanup(name="care.placements", models=(Placement,), anonymise=delete, remove=delete)
    )
    assert uncovered([Placement]) == []


def test_a_clean_up_that_keeps_the_rows_must_say_why():
    with pytest.raises(ValueError, match="does not say why"):
        Cleanup(name="care.notes", models=(), anonymise=None, kept=" ")


def test_manage_py_check_fails_on_a_model_no_clean_up_covers(registry):
    del cleanup._CLEANUPS["conflicts.identity_conflicts"]

    with pytest.raises(SystemCheckError, match=r"conflicts\.IdentityConflict\.held_child"):
        call_command("check", tags=[checks.Tags.models])


def recorder(calls: list[tuple[list[int], list[str]]]):
    """A clean-up step that notes the ids it was given and the names those children had."""

    def step(ids: list[int]) -> None:
        calls.append((ids, sorted(Child.objects.filter(pk__in=ids).values_list("name", flat=True))))

    return step


def test_anonymising_runs_every_registered_clean_up_before_the_names_go(registry, places):
    child = make_child(places.village, name="陈小红")
    make_child(places.village, name="不相干")
    anonymised: list[tuple[list[int], list[str]]] = []
    removed: list[tuple[list[int], list[str]]] = []
    cleanup.register(
        Cleanup(
            name="care.notes", models=(), anonymise=recorder(anonymised), remove=recorder(removed)
        )
    )

    children_anonymise({child.pk: "期满"})

    assert anonymised == [([child.pk], ["陈小红"])]
    assert removed == []
    child.refresh_from_db()
    assert child.anonymised_at is not None


def test_undoing_an_import_runs_every_registered_removal_on_the_children_it_created(
    registry, places, cast
):
    director = cast["village_director"]
    updated = make_child(places.village, name="宋老")
    batch = ImportBatch.objects.create(user=director, file_name="花名册.xlsx", file_sha256="0" * 64)
    with recording_batch(batch.pk):
        created = child_create(user=director, data=child_data(places, name="宋新"), family=FAMILY)
        child_update(user=director, child_id=updated.pk, data={"class_name": "3班"})
    anonymised: list[tuple[list[int], list[str]]] = []
    removed: list[tuple[list[int], list[str]]] = []
    cleanup.register(
        Cleanup(
            name="care.notes", models=(), anonymise=recorder(anonymised), remove=recorder(removed)
        )
    )

    result = batch_changes_undo(user=director, batch_id=batch.pk, comment="撤销")

    assert (result.removed, result.reverted) == (1, 1)
    # Called while the child still exists, with only the children the undo deletes.
    assert removed == [([created.pk], ["宋新"])]
    assert anonymised == []
    assert not Child.objects.filter(pk=created.pk).exists()
