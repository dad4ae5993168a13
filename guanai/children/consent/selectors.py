"""Reads of consents and photos, always through a child the caller already reached by its
scoped selector (guanai.children.selectors.child_get_for_user)."""

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from guanai.children.choices import ConsentPurpose
from guanai.children.models import Child, ChildConsent, ChildPhoto
from guanai.core.errors import ApplicationError

# What a feature says when the consent it needs is missing.
MISSING_CONSENT = {
    ConsentPurpose.PHOTO: _("未取得监护人同意，不能上传照片。"),
    ConsentPurpose.COUNSELLING: _("未取得监护人同意，不能进行心理辅导记录。"),
}


def consents_of(child: Child) -> QuerySet[ChildConsent]:
    """Every consent of the child, in force and withdrawn, most recent first."""
    return ChildConsent.objects.filter(child=child).select_related("recorded_by", "withdrawn_by")


def consent_in_force(child: Child, purpose: str, *, lock: bool = False) -> ChildConsent | None:
    """The guardian's consent to this purpose not withdrawn; with `lock`, held for the
    transaction, so that a withdrawal cannot slip in before what it allows is done."""
    consents = ChildConsent.objects.filter(child=child, purpose=purpose, withdrawn_on=None)
    return (consents.select_for_update() if lock else consents).first()


def consent_given(child: Child, purpose: str) -> bool:
    """Has a guardian consented to this purpose, and not withdrawn it?"""
    if purpose not in ConsentPurpose.values:
        raise ValueError(f"Unknown consent purpose: {purpose!r}")
    return consent_in_force(child, purpose) is not None


def consent_required(child: Child, purpose: str, *, lock: bool = False) -> ChildConsent:
    """The consent in force for this purpose; ApplicationError saying so if there is none."""
    consent = consent_in_force(child, purpose, lock=lock)
    if consent is None:
        raise ApplicationError(str(MISSING_CONSENT[ConsentPurpose(purpose)]))
    return consent


def photo_of(child: Child) -> ChildPhoto | None:
    """The child's photo without its bytes (for pages that link to it)."""
    return ChildPhoto.objects.filter(child=child).defer("sealed").first()


def photo_get(child: Child) -> ChildPhoto:
    """The child's photo with its sealed bytes, while photo consent is in force; 404 otherwise."""
    photo = ChildPhoto.objects.filter(child=child).first()
    if photo is None or not consent_given(child, ConsentPurpose.PHOTO):
        raise Http404
    return photo
