"""The access log as an export job (guanai.exports): a county's log over a year runs to
hundreds of thousands of entries, more than a request can write."""

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from guanai.accounts.models import User
from guanai.audit.exporting import export_rows, headers, write_xlsx
from guanai.audit.forms import AccessLogFilterForm
from guanai.audit.models import AccessEvent
from guanai.audit.selectors import access_events_visible_to, access_log_filter, access_log_required
from guanai.audit.services import logged_parameters
from guanai.core.errors import ApplicationError
from guanai.exports.registry import Exporter, Prepared, Rows, filter_described, rows_in_chunks

KIND = "access_log"
FIELDS = tuple(AccessLogFilterForm.base_fields)


def title() -> str:
    return _("访问日志")


def authorize(user: User, full: bool) -> None:
    """The system admin and county admins (404 for anyone else); never "in full"."""
    access_log_required(user)
    if full:
        raise ApplicationError(_("访问日志没有完整信息可导出。"))


def prepare(user: User, params: Mapping[str, Any], full: bool, reason: str) -> Prepared:
    """The filter, and the newest entry when it was asked for: the export holds what was
    there then, not its own entry nor those made while it waits or is written."""
    if AccessLogFilterForm(params).to_filter() is None:
        raise ApplicationError(_("筛选条件有误，请返回修改。"))
    kept = {key: str(params[key]) for key in FIELDS if params.get(key) not in (None, "")}
    until = str(params.get("until", ""))
    if not until.isdigit():
        newest = AccessEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
        until = str(newest or 0)
    return Prepared(params={**kept, "until": until}, logged=logged_parameters(params, keys=FIELDS))


def open_rows(user: User, params: Mapping[str, str], full: bool, on: date) -> Rows:
    log_filter = AccessLogFilterForm(params).to_filter()
    assert log_filter is not None  # checked by prepare
    events = access_log_filter(user, access_events_visible_to(user), log_filter)
    events = events.filter(pk__lte=int(params["until"]))
    total, rows = rows_in_chunks(events, lambda part: export_rows(user, part))
    return Rows(total=total, rows=rows, headers=headers(), write_xlsx=write_xlsx)


def describe(user: User, logged: Mapping[str, str]) -> str:
    """ "起始日期：2026-01-01 · 操作：导出" (the filter form's labels)."""
    form = AccessLogFilterForm()
    return filter_described(form, logged, {key: form.fields[key].label for key in FIELDS})


ACCESS_LOG = Exporter(
    kind=KIND,
    title=title,
    authorize=authorize,
    prepare=prepare,
    open=open_rows,
    describe=describe,
)
