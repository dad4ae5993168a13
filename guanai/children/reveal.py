"""Revealing a masked value (an ID number, a phone, an address) of a child's file: each
look is logged in the access log with its reason."""

from django.http import HttpRequest
from django.utils.translation import gettext as _

from guanai.accounts.models import User
from guanai.accounts.scope import ChildAccess
from guanai.audit.models import AccessEvent
from guanai.audit.services import access_record
from guanai.children.choices import FamilySlot, Subject
from guanai.children.models import Child, Person
from guanai.children.selectors import child_get_for_user, children_visible_to
from guanai.core.errors import ApplicationError, NotInScope

# What may be revealed, by subject: a child has no phone of their own.
REVEALABLE = {
    Subject.CHILD.value: ("id_number", "address"),
    **dict.fromkeys(FamilySlot.values, ("id_number", "phone", "address")),
}


def _sees(user: User, child_id: int, access: ChildAccess) -> bool:
    return children_visible_to(user, access=access).filter(pk=child_id).exists()


def child_reveal(
    *, user: User, child_id: int, subject: str, field: str, reason: str, request: HttpRequest
) -> str:
    """The clear value of one secret field, logged with the reason.

    ID numbers need the reveal right; phones and addresses only the right to see the
    child (a teacher calls the guardian), but each look is logged all the same.
    """
    if field not in REVEALABLE.get(subject, ()):
        raise NotInScope(_("不在管辖范围内。"))
    access = ChildAccess.REVEAL if field == "id_number" else ChildAccess.VIEW
    if (subject, field) == (FamilySlot.GUARDIAN, "phone") and not _sees(user, child_id, access):
        # A helper paired with the child calls the guardian: that phone, and nothing else.
        access = ChildAccess.PAIRED
    child = child_get_for_user(user=user, child_id=child_id, access=access)
    reason = reason.strip()
    if not reason:
        raise ApplicationError(_("请填写查看理由。"), field="reason")
    holder: Child | Person | None = child if subject == "child" else getattr(child, subject)
    if holder is None:
        raise NotInScope(_("不在管辖范围内。"))
    access_record(
        user=user,
        action=AccessEvent.Action.REVEAL,
        target=f"child:{child.pk}",
        field=f"{subject}.{field}",
        reason=reason,
        request=request,
    )
    value: str = getattr(holder, field)
    return value
