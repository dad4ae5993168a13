"""The roster as an export job (guanai.exports): the children's list under its filter, in
the official layout, masked, or in full with a reason for roles that may reveal."""

from collections.abc import Iterable, Mapping
from datetime import date
from typing import IO, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanai.accounts.models import User
from guanai.accounts.scope import ChildAccess, scope_for
from guanai.areas.codes import code_of
from guanai.areas.selectors import areas_visible_to, schools_visible_to
from guanai.audit.services import logged_parameters
from guanai.children.forms import ChildFilterForm
from guanai.children.selectors import child_access_required, child_filter, children_visible_to
from guanai.core.errors import ApplicationError
from guanai.exports.registry import Exporter, Prepared, Rows, filter_described, rows_in_chunks
from guanai.roster.exporting import HEADERS, export_check, roster_rows, roster_title, write_xlsx

KIND = "roster"
FIELDS = tuple(ChildFilterForm.base_fields)
# The filter's parts as the user's list of exports names them.
_FILTER_LABELS = {
    "q": gettext_lazy("搜索"),
    "township": gettext_lazy("乡镇"),
    "village": gettext_lazy("村(社区)"),
    "school": gettext_lazy("学校"),
    "guardianship_type": gettext_lazy("监护类型"),
    "risk_level": gettext_lazy("风险等级"),
    "concern": gettext_lazy("关注类别"),
    "status": gettext_lazy("状态"),
    "definition": gettext_lazy("口径"),
    "age_band": gettext_lazy("年龄"),
    "review_state": gettext_lazy("审核状态"),
    "completeness": gettext_lazy("资料"),
}


def title() -> str:
    return _("留守儿童花名册")


def authorize(user: User, full: bool) -> None:
    """Those who see children (404 for anyone else); in full, those who may reveal."""
    child_access_required(user, ChildAccess.VIEW)
    if full and ChildAccess.REVEAL not in scope_for(user).child_access():
        raise ApplicationError(_("您的角色不能导出完整的身份证号码。"))


def prepare(user: User, params: Mapping[str, Any], full: bool, reason: str) -> Prepared:
    export_check(user=user, full=full, reason=reason)
    if not ChildFilterForm(params).is_valid():
        # The list shows its default for a filter it cannot read; an export would then hand
        # out every child in scope while the log recorded the filter asked for.
        raise ApplicationError(_("筛选条件有误，未导出。请回到儿童名册重新筛选后再导出。"))
    kept = {key: str(params[key]) for key in FIELDS if params.get(key) not in (None, "")}
    return Prepared(params=kept, logged=logged_parameters(params, keys=FIELDS))


def open_rows(user: User, params: Mapping[str, str], full: bool, on: date) -> Rows:
    """The children the user may see (may reveal, in full) under the filter, on the day
    the export was asked for."""
    selected, sort = ChildFilterForm(params).to_filter()
    access = ChildAccess.REVEAL if full else ChildAccess.VIEW
    children = child_filter(children_visible_to(user, access=access), selected, on=on, sort=sort)
    heading = roster_title(full=full)  # a masked file says what is masked

    def write(rows: Iterable[list[Any]], out: IO[bytes]) -> int:
        return write_xlsx(rows, out, title=heading)

    total, rows = rows_in_chunks(children, lambda part: roster_rows(part, full=full))
    return Rows(total=total, rows=rows, headers=HEADERS, write_xlsx=write)


def describe(user: User, logged: Mapping[str, str]) -> str:
    """ "乡镇：东河镇 · 风险等级：高": places and schools the user may see by name (others
    as typed: a name is never found through a filter), choices by label."""

    def named(key: str, value: str) -> str | None:
        if key in ("township", "village"):
            areas = areas_visible_to(user).filter(code=code_of(value))
            return areas.values_list("name", flat=True).first() or value
        if key == "school" and value.isdigit():
            schools = schools_visible_to(user).filter(pk=int(value))
            return schools.values_list("name", flat=True).first() or value
        return None

    return filter_described(ChildFilterForm(), logged, _FILTER_LABELS, named=named)


ROSTER = Exporter(
    kind=KIND,
    title=title,
    authorize=authorize,
    prepare=prepare,
    open=open_rows,
    describe=describe,
)
