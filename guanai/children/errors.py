"""The children's errors that more than one module raises."""

from django.utils.translation import gettext as _

from guanai.core.errors import ApplicationError


def identity_conflict_message() -> str:
    """The one answer to an ID number that a record outside the user's reach holds: the
    same whether that record is a child or a family member, in the next village or in
    another county, so that typing numbers tells nothing of who holds them."""
    return _("该身份证号码需由县民政局核实，已暂存待处理。")


class IdentityConflictError(ApplicationError):
    """An ID number held out of the user's reach, refused with the one neutral message
    (after the family member's label, when it was typed for one)."""

    def __init__(self, *, label: str = "", field: str | None = None) -> None:
        message = identity_conflict_message()
        super().__init__(f"{label}：{message}" if label else message, field=field)
