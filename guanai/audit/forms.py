from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guanai.audit.models import AccessEvent
from guanai.audit.selectors import AccessLogFilter
from guanai.core.forms import StyledFormMixin

# Names and pinyin have no digits: the browser refuses them, so an ID number typed here
# is not sent in the URL (the server refuses it too).
NO_DIGITS = r"[^0-9０-９]*"


class AccessLogFilterForm(StyledFormMixin, forms.Form):
    date_from = forms.DateField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    user = forms.CharField(label=_("用户"), required=False, max_length=60)
    action = forms.ChoiceField(
        label=_("操作"),
        required=False,
        choices=[("", _("全部操作")), *AccessEvent.Action.choices],
    )
    child = forms.CharField(
        label=_("儿童"),
        required=False,
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "pattern": NO_DIGITS,
                "title": _("请输入儿童姓名或拼音首字母，不能输入身份证号码。"),
            }
        ),
    )
    reason = forms.CharField(label=_("理由"), required=False, max_length=100)

    def clean_child(self) -> str:
        name: str = self.cleaned_data["child"].strip()
        if any(c.isdigit() for c in name):
            raise forms.ValidationError(_("请按儿童姓名或拼音首字母查找，不能按身份证号码查找。"))
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("截止日期不能早于起始日期。"))
        return data

    def to_filter(self) -> AccessLogFilter | None:
        """The filter asked for; None if the form is not valid (nothing is then shown but
        its errors: a filter half applied would look like an answer)."""
        if not self.is_valid():
            return None
        d = self.cleaned_data
        return AccessLogFilter(
            date_from=d["date_from"],
            date_to=d["date_to"],
            user=d["user"].strip(),
            action=d["action"],
            child=d["child"],
            reason=d["reason"].strip(),
        )
