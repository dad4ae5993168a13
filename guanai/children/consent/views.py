from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guanai.accounts.scope import ChildAccess
from guanai.accounts.types import AuthedRequest
from guanai.audit.services import access_record_coalesced
from guanai.children.choices import ConsentPurpose
from guanai.children.consent.forms import ConsentForm, PhotoForm, WithdrawForm
from guanai.children.consent.selectors import consents_of, photo_get, photo_of
from guanai.children.consent.services import (
    consent_record,
    consent_withdraw,
    photo_delete,
    photo_upload,
)
from guanai.children.models import Child
from guanai.children.selectors import child_get_for_user
from guanai.core.crypto import unseal
from guanai.core.errors import ApplicationError
from guanai.core.forms import show_error
from guanai.core.ratelimit import rate_limit


def _back_to_file(child_id: int, anchor: str) -> HttpResponse:
    return redirect(reverse("children:child_detail", args=[child_id]) + f"#{anchor}")


def _consent_initial(child: Child) -> dict[str, Any]:
    """The child's guardian, as most consents come from them."""
    initial: dict[str, Any] = {"given_on": timezone.localdate()}
    if child.guardian is not None:
        initial |= {"given_by": child.guardian.name, "relationship": child.guardian_relationship}
    return initial


def consent_section(child: Child, *, can_edit: bool) -> dict[str, Any]:
    """What the child's file shows of consents and the photo (children/partials/consents.html)."""
    consents = list(consents_of(child))
    photo_consent = any(c.in_force and c.purpose == ConsentPurpose.PHOTO for c in consents)
    today = timezone.localdate()
    context: dict[str, Any] = {
        # Each consent with, for those who may edit, the form that withdraws it.
        "consent_rows": [
            {
                "consent": c,
                "withdraw_form": WithdrawForm(
                    initial={"withdrawn_on": today}, auto_id=f"w{c.pk}_%s"
                )
                if can_edit and c.in_force
                else None,
            }
            for c in consents
        ],
        "photo": photo_of(child) if photo_consent else None,
        "photo_consent": photo_consent,
    }
    if can_edit:
        context |= {
            "consent_form": ConsentForm(initial=_consent_initial(child), auto_id="consent_%s"),
            "photo_form": PhotoForm(auto_id="photo_%s"),
        }
    return context


@never_cache
@require_http_methods(["GET", "POST"])
def consent_record_view(request: AuthedRequest, child_id: int) -> HttpResponse:
    child = child_get_for_user(user=request.user, child_id=child_id, access=ChildAccess.EDIT)
    form = ConsentForm(request.POST or None, initial=_consent_initial(child))
    if request.method == "POST" and form.is_valid():
        try:
            consent = consent_record(user=request.user, child_id=child.pk, **form.cleaned_data)
        except ApplicationError as error:
            show_error(form, error)
        else:
            messages.success(
                request,
                _("已记录监护人对“%(purpose)s”的同意。")
                % {"purpose": consent.get_purpose_display()},
            )
            return _back_to_file(child.pk, "consents")
    return render(request, "children/consent_form.html", {"child": child, "form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def consent_withdraw_view(request: AuthedRequest, child_id: int, consent_id: int) -> HttpResponse:
    child = child_get_for_user(user=request.user, child_id=child_id, access=ChildAccess.EDIT)
    consent = consents_of(child).filter(pk=consent_id).first()
    if consent is None:
        raise Http404
    if not consent.in_force:
        messages.info(request, _("这条同意已经撤回。"))
        return _back_to_file(child.pk, "consents")
    form = WithdrawForm(request.POST or None, initial={"withdrawn_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            consent_withdraw(
                user=request.user,
                child_id=child.pk,
                consent_id=consent.pk,
                withdrawn_on=form.cleaned_data["withdrawn_on"],
                note=form.cleaned_data["note"],
            )
        except ApplicationError as error:
            show_error(form, error)
        else:
            if consent.purpose == ConsentPurpose.PHOTO:
                done = _("已撤回照片同意，该儿童的照片已删除。")
            else:
                done = _("已撤回监护人对“%(purpose)s”的同意。") % {
                    "purpose": consent.get_purpose_display()
                }
            messages.success(request, done)
            return _back_to_file(child.pk, "consents")
    return render(
        request,
        "children/consent_withdraw.html",
        {"child": child, "consent": consent, "form": form},
    )


@require_GET
def child_photo(request: AuthedRequest, child_id: int) -> HttpResponse:
    """The photo, to whoever may see the child: never cached, by the browser or on the way."""
    child = child_get_for_user(user=request.user, child_id=child_id)
    photo = photo_get(child)
    # Logged as a look at the child; the file that shows it was logged on opening.
    access_record_coalesced(
        user=request.user,
        target=f"child:{child.pk}",
        field="photo",
        covered_by=[""],
        request=request,
    )
    response = HttpResponse(unseal(bytes(photo.sealed)), content_type="image/jpeg")
    response["Cache-Control"] = "no-store"
    response["Content-Disposition"] = "inline"
    return response


@require_POST
@rate_limit("photo")
def child_photo_upload(request: AuthedRequest, child_id: int) -> HttpResponse:
    child = child_get_for_user(user=request.user, child_id=child_id, access=ChildAccess.EDIT)
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors["photo"]))
        return _back_to_file(child.pk, "photo")
    upload = form.cleaned_data["photo"]
    try:
        photo_upload(user=request.user, child_id=child.pk, data=upload.read())
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("照片已保存，拍摄地点等信息已去除。"))
    return _back_to_file(child.pk, "photo")


@require_POST
def child_photo_delete(request: AuthedRequest, child_id: int) -> HttpResponse:
    child = child_get_for_user(user=request.user, child_id=child_id, access=ChildAccess.EDIT)
    try:
        photo_delete(user=request.user, child_id=child.pk)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("照片已删除。"))
    return _back_to_file(child.pk, "photo")
