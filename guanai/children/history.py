"""The change history of a child's file (变动情况): what an entry changed, old → new, and who
made it. Every service that writes a child writes its entry here, in the same transaction."""

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from guanai.accounts.models import User
from guanai.children.equivalence import plain, same_value
from guanai.children.fields import CHILD_FIELDS, SECRET_FIELDS
from guanai.children.models import Child, ChildChange
from guanai.core.crypto import encrypt, mask_address, mask_id_number, mask_phone

_MASKERS = {"id_number": mask_id_number, "phone": mask_phone, "address": mask_address}

# What an update's history entry compares: the fields entered, and what the file still
# lacks (待补充), which an undo of the import that filled it in puts back.
HISTORY_FIELDS = (*CHILD_FIELDS, "missing_fields")


def _display(model: type[Model], field: str, value: Any) -> str:
    if value in (None, "", []):
        return ""
    if isinstance(value, Model):
        return str(value)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    choices = dict(getattr(model._meta.get_field(field), "choices", None) or [])
    if isinstance(value, list | tuple | set | frozenset):
        return "、".join(str(choices.get(v, v)) for v in sorted(value))
    if choices:
        return str(choices.get(value, value))
    return str(value)


def changes_since(
    instance: Model, before: Mapping[str, Any], fields: Iterable[str]
) -> list[dict[str, Any]]:
    """The fields whose value changed since `before`, as history entries."""
    entries = []
    model = type(instance)
    for field in fields:
        old, new = before.get(field), getattr(instance, field)
        if same_value(field, old, new):
            continue
        entry: dict[str, Any] = {"field": field}
        if field in SECRET_FIELDS:
            mask = _MASKERS[field]
            entry.update(
                secret=True,
                old=encrypt(old or ""),
                new=encrypt(new or ""),
                old_display=mask(old or ""),
                new_display=mask(new or ""),
            )
        else:
            entry.update(
                old=plain(old),
                new=plain(new),
                old_display=_display(model, field, old),
                new_display=_display(model, field, new),
            )
        entries.append(entry)
    return entries


def snapshot(instance: Model | None, fields: Iterable[str]) -> dict[str, Any]:
    if instance is None:
        return {}
    return {f: getattr(instance, f) for f in fields}


# The import batch whose rows are being written, if any: its history entries carry it, so
# the batch can be undone later (like django-reversion's revision context).
import_batch: ContextVar[int | None] = ContextVar("import_batch", default=None)


@contextmanager
def recording_batch(batch_id: int | None) -> Iterator[None]:
    """History entries written inside belong to this import batch (None: to none)."""
    token = import_batch.set(batch_id)
    try:
        yield
    finally:
        import_batch.reset(token)


def change_record(
    child: Child,
    *,
    by: User,
    kind: str,
    subject: str = "child",
    changes: list[dict[str, Any]] | None = None,
    comment: str = "",
    at: datetime | None = None,
) -> None:
    ChildChange.objects.create(
        child=child,
        at=at or timezone.now(),
        by=by,
        kind=kind,
        subject=subject,
        changes=changes or [],
        comment=comment,
        batch_id=import_batch.get(),
    )
