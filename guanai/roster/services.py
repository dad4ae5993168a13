"""Import batches: an upload is checked and kept (encrypted) until the user imports the
valid rows or cancels."""

import hashlib
from pathlib import PurePath

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from guanai.accounts.models import User
from guanai.core.crypto import seal, unseal
from guanai.core.errors import ApplicationError
from guanai.roster.columns import BY_KEY
from guanai.roster.importing import Action, ImportPlan, import_apply, import_plan
from guanai.roster.models import ImportBatch
from guanai.roster.reading import MAX_BYTES


def batches_of(user: User) -> QuerySet[ImportBatch]:
    return ImportBatch.objects.filter(user=user)


def batch_get_for_user(*, user: User, batch_id: int) -> ImportBatch:
    """A batch is its importer's: anyone else gets 404."""
    batch = batches_of(user).filter(pk=batch_id).first()
    if batch is None:
        raise Http404
    return batch


def batch_check(*, user: User, file_name: str, data: bytes) -> tuple[ImportBatch, ImportPlan]:
    """Check an uploaded roster (the dry run) and keep it for the import."""
    if len(data) > MAX_BYTES:
        raise ApplicationError(
            _("文件超过 %(limit)d MB，请分成几个文件上传。") % {"limit": MAX_BYTES // 1024 // 1024}
        )
    plan = import_plan(user=user, data=data)
    batch = ImportBatch.objects.create(
        user=user,
        file_name=PurePath(file_name.replace("\\", "/")).name[:200] or "roster",
        file_sha256=hashlib.sha256(data).hexdigest(),
        sealed=seal(data),
        counts=plan.counts,
    )
    return batch, plan


def batch_plan(*, user: User, batch_id: int) -> tuple[ImportBatch, ImportPlan]:
    """The batch's rows checked again, against the records as they are now."""
    batch = batch_get_for_user(user=user, batch_id=batch_id)
    if batch.state != ImportBatch.State.CHECKED:
        raise ApplicationError(_("这个文件已经导入或已取消。"))
    return batch, import_plan(
        user=user, data=unseal(bytes(batch.sealed)), mapping=dict(batch.mapping)
    )


def batch_map(*, user: User, batch_id: int, mapping: dict[str, str]) -> ImportBatch:
    """Match headers the roster reader did not know to fields, by hand."""
    batch = batch_get_for_user(user=user, batch_id=batch_id)
    if batch.state != ImportBatch.State.CHECKED:
        raise ApplicationError(_("这个文件已经导入或已取消。"))
    chosen = [key for key in mapping.values() if key]
    if any(key not in BY_KEY for key in chosen) or len(chosen) != len(set(chosen)):
        raise ApplicationError(_("每一列只能对应一个不同的项目。"))
    batch.mapping = {header: key for header, key in mapping.items() if key}
    batch.save(update_fields=["mapping"])
    return batch


@transaction.atomic
def batch_import(*, user: User, batch_id: int) -> ImportBatch:
    """Import the valid rows; the faulty ones stay out, to be corrected and uploaded again."""
    batch, plan = batch_plan(user=user, batch_id=batch_id)
    done = import_apply(user=user, plan=plan)
    batch.state = ImportBatch.State.IMPORTED
    batch.counts = {
        **plan.counts,
        Action.CREATE: done[Action.CREATE],
        Action.UPDATE: done[Action.UPDATE],
    }
    batch.imported_at = timezone.now()
    batch.sealed = b""  # nothing of the file is kept once it is in
    batch.save(update_fields=["state", "counts", "imported_at", "sealed"])
    return batch


def batch_cancel(*, user: User, batch_id: int) -> ImportBatch:
    batch = batch_get_for_user(user=user, batch_id=batch_id)
    if batch.state == ImportBatch.State.CHECKED:
        batch.state = ImportBatch.State.CANCELLED
        batch.sealed = b""
        batch.save(update_fields=["state", "sealed"])
    return batch
