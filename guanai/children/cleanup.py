"""What every app holds of a child, cleared with the child's file: each app that keeps rows
about children registers a Cleanup here (in its AppConfig.ready), and anonymisation
(children.anonymise) and the removal of children an import created (children.undo) run them
without importing any app.

Two operations, both given the children's ids and run inside the caller's transaction, in
the order registered (that of INSTALLED_APPS):

- anonymise: the children stay rows, still counted (see children.anonymise); scrub or delete
  whatever names them or their family. Run before the child's own fields are cleared, so a
  clean-up may still read them (a name to strike out of free text, say).
- remove: the children are about to be deleted. Most rows go with them by their relation's
  on_delete (CASCADE, or SET_NULL to keep the row unlinked); a clean-up is needed only for
  what the database would not do, or refuse to do (PROTECT).

A clean-up that keeps rows says why, in so many words (`kept`): nothing is left out in
silence. `uncovered` finds every model related to Child that no clean-up answers for, or
that would stop a child from being deleted; `manage.py check` and the tests fail on it.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.apps import AppConfig, apps
from django.core import checks
from django.db import models

from guanai.children.models import Child

ChildIds = list[int]

# A child's id held in a plain integer column rather than a relation ("child_id",
# "paired_child"): a model with one must be covered too.
_ID_FIELD = re.compile(r"(.+_)?child(_id)?")


@dataclass(frozen=True)
class Cleanup:
    # Who answers for it, as "app.what" ("audit.access_log"); registering a name again
    # replaces its clean-up.
    name: str
    # Every model this clean-up answers for, through tables included.
    models: tuple[type[models.Model], ...]
    # Scrub what names these children. None keeps the rows as they are, for the reason
    # given in `kept`.
    anonymise: Callable[[ChildIds], None] | None
    # Before these children are deleted: what the relations' on_delete would not do. None
    # leaves it to on_delete.
    remove: Callable[[ChildIds], None] | None = None
    # Why the rows stay as they are on anonymisation (required when `anonymise` is None).
    kept: str = ""
    # Of these children, those the app holds work for (a care record, say): undoing the
    # import that created such a child would delete that work, so it leaves them alone.
    holds_work: Callable[[ChildIds], set[int]] | None = None

    def __post_init__(self) -> None:
        if self.anonymise is None and not self.kept.strip():
            raise ValueError(f"Clean-up {self.name} scrubs nothing and does not say why.")


_CLEANUPS: dict[str, Cleanup] = {}


def register(cleanup: Cleanup) -> None:
    _CLEANUPS[cleanup.name] = cleanup


def anonymise_held(*, child_ids: ChildIds) -> None:
    """Run every registered anonymise on these children (see the module's text)."""
    if not child_ids:
        return
    for cleanup in _CLEANUPS.values():
        if cleanup.anonymise is not None:
            cleanup.anonymise(child_ids)


def children_with_work(child_ids: ChildIds) -> set[int]:
    """Of these children, those some app holds work for (see Cleanup.holds_work)."""
    found: set[int] = set()
    for cleanup in _CLEANUPS.values():
        if cleanup.holds_work is not None and child_ids:
            found |= cleanup.holds_work(child_ids)
    return found


def remove_held(*, child_ids: ChildIds) -> None:
    """Run every registered remove on these children, just before they are deleted."""
    if not child_ids:
        return
    for cleanup in _CLEANUPS.values():
        if cleanup.remove is not None:
            cleanup.remove(child_ids)


def _child_fields(model: type[models.Model]) -> list[models.Field]:
    """The model's own foreign keys and one-to-ones to Child, and its plain integer fields
    named as a child's id. A many-to-many relation shows as its through table's foreign key
    (get_models(include_auto_created=True) lists the tables Django made)."""
    found: list[models.Field] = []
    for field in model._meta.local_fields:
        if isinstance(field, models.ForeignKey):  # OneToOneField included
            related = field.related_model
            if isinstance(related, type) and issubclass(related, Child):  # proxies too
                found.append(field)
        elif isinstance(field, models.IntegerField) and _ID_FIELD.fullmatch(field.name):
            found.append(field)
    return found


def _blocks_deletion(field: models.Field) -> bool:
    """Whether deleting a child the field refers to would fail: refused by on_delete, or
    left to a database constraint."""
    if not isinstance(field, models.ForeignKey):
        return False
    on_delete = field.remote_field.on_delete
    if on_delete is models.DO_NOTHING:
        return field.db_constraint  # type: ignore[attr-defined]  # not in django-stubs
    return on_delete in (models.PROTECT, models.RESTRICT)


def uncovered(model_list: Iterable[type[models.Model]] | None = None) -> list[str]:
    """What is wrong, one sentence each: a model related to Child (of `model_list`, or of
    every installed app) that no registered clean-up names, or whose relation would stop a
    child's deletion while its clean-up removes nothing first."""
    if model_list is None:
        model_list = apps.get_models(include_auto_created=True)
    covering = {model: cleanup for cleanup in _CLEANUPS.values() for model in cleanup.models}
    problems = []
    for model in model_list:
        if model._meta.proxy:
            continue  # its rows are its concrete model's
        for field in _child_fields(model):
            where = f"{model._meta.label}.{field.name}"
            cleanup = covering.get(model)
            if cleanup is None:
                problems.append(
                    f"{where} refers to a child and no clean-up is registered for "
                    f"{model._meta.label} (guanai.children.cleanup.register)."
                )
            elif cleanup.remove is None and _blocks_deletion(field):
                problems.append(
                    f"{where} would stop a child from being deleted, and clean-up "
                    f"{cleanup.name} removes nothing before."
                )
    return problems


def coverage_check(
    app_configs: Iterable[AppConfig] | None = None, **kwargs: object
) -> list[checks.CheckMessage]:
    """`uncovered` as a system check (registered by the children app)."""
    model_list = (
        None
        if app_configs is None
        else [m for config in app_configs for m in config.get_models(include_auto_created=True)]
    )
    return [checks.Error(problem, id="children.E001") for problem in uncovered(model_list)]
