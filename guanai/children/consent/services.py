"""Writes of consents and photos: each checks the user's right to edit the child first."""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanai.accounts.models import User
from guanai.accounts.scope import ChildAccess
from guanai.children.choices import ConsentMethod, ConsentPurpose, Relationship
from guanai.children.consent.images import clean_photo
from guanai.children.consent.selectors import consent_required
from guanai.children.models import ChildConsent, ChildPhoto
from guanai.children.selectors import child_get_for_user
from guanai.core.crypto import seal
from guanai.core.errors import ApplicationError


@transaction.atomic
def consent_record(
    *,
    user: User,
    child_id: int,
    purpose: str,
    given_by: str,
    relationship: str,
    given_on: date,
    method: str,
    witness: str = "",
    note: str = "",
) -> ChildConsent:
    """Record a guardian's consent. One consent is in force per purpose: to record it again,
    the one in force is withdrawn first, so the history says what changed."""
    child = child_get_for_user(user=user, child_id=child_id, access=ChildAccess.EDIT)
    given_by, witness, note = given_by.strip(), witness.strip(), note.strip()
    if purpose not in ConsentPurpose.values:
        raise ApplicationError(_("请选择同意事项。"), field="purpose")
    if not given_by:
        raise ApplicationError(_("请填写表示同意的监护人姓名。"), field="given_by")
    if relationship not in Relationship.values:
        raise ApplicationError(_("请选择同意人与儿童的关系。"), field="relationship")
    if method not in ConsentMethod.values:
        raise ApplicationError(_("请选择同意方式。"), field="method")
    if method == ConsentMethod.ORAL and not witness:
        raise ApplicationError(_("口头同意须填写见证人。"), field="witness")
    if given_on > timezone.localdate():
        raise ApplicationError(_("同意日期不能晚于今天。"), field="given_on")
    if given_on < child.birth_date:
        raise ApplicationError(_("同意日期不能早于儿童出生日期。"), field="given_on")
    # One consent in force per purpose: the database's constraint says so, also for two
    # clerks recording at once.
    try:
        with transaction.atomic():
            return ChildConsent.objects.create(
                child=child,
                purpose=purpose,
                given_by=given_by,
                relationship=relationship,
                given_on=given_on,
                method=method,
                witness=witness,
                note=note,
                recorded_by=user,
            )
    except IntegrityError:
        raise ApplicationError(
            _("该事项已有有效的监护人同意；如需重新记录，请先撤回原记录。"), field="purpose"
        ) from None


@transaction.atomic
def consent_withdraw(
    *, user: User, child_id: int, consent_id: int, withdrawn_on: date, note: str
) -> ChildConsent:
    """Record that the guardian withdrew a consent; the row stays, with the withdrawal.

    Withdrawing photo consent deletes the child's photo at once.
    """
    child = child_get_for_user(user=user, child_id=child_id, access=ChildAccess.EDIT)
    consent = ChildConsent.objects.select_for_update().filter(child=child, pk=consent_id).first()
    if consent is None:
        raise ApplicationError(_("没有找到这条同意记录。"))
    if consent.withdrawn_on is not None:
        raise ApplicationError(_("这条同意已于 %(day)s 撤回。") % {"day": consent.withdrawn_on})
    note = note.strip()
    if not note:
        raise ApplicationError(_("请说明由谁、以何种方式撤回同意。"), field="note")
    if withdrawn_on > timezone.localdate():
        raise ApplicationError(_("撤回日期不能晚于今天。"), field="withdrawn_on")
    if withdrawn_on < consent.given_on:
        raise ApplicationError(_("撤回日期不能早于同意日期。"), field="withdrawn_on")
    consent.withdrawn_on = withdrawn_on
    consent.withdrawn_by = user
    consent.withdrawn_at = timezone.now()
    consent.withdrawal_note = note
    consent.save(update_fields=["withdrawn_on", "withdrawn_by", "withdrawn_at", "withdrawal_note"])
    if consent.purpose == ConsentPurpose.PHOTO:
        ChildPhoto.objects.filter(child=child).delete()
    return consent


def photo_upload(*, user: User, child_id: int, data: bytes) -> ChildPhoto:
    """Keep the child's photo, replacing any earlier one; only with photo consent in force."""
    child = child_get_for_user(user=user, child_id=child_id, access=ChildAccess.EDIT)
    consent_required(child, ConsentPurpose.PHOTO)
    # Decoded outside the transaction: no lock is held while the picture is worked on.
    photo = clean_photo(data)
    with transaction.atomic():
        # Again, locked: a withdrawal while the picture was worked on is not overtaken.
        consent = consent_required(child, ConsentPurpose.PHOTO, lock=True)
        kept, _created = ChildPhoto.objects.update_or_create(
            child=child,
            defaults={
                "consent": consent,
                "sealed": seal(photo.jpeg),
                "width": photo.width,
                "height": photo.height,
                "uploaded_by": user,
                "uploaded_at": timezone.now(),
            },
        )
    return kept


@transaction.atomic
def photo_delete(*, user: User, child_id: int) -> None:
    child = child_get_for_user(user=user, child_id=child_id, access=ChildAccess.EDIT)
    deleted, _per_model = ChildPhoto.objects.filter(child=child).delete()
    if not deleted:
        raise ApplicationError(_("该儿童没有照片。"))
