"""Forms of the care work. They read what was typed; the rules are the services' own
(services.record_violations), shown on the form by field."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanai.care.choices import Caller, Method, RecordKind, Unit
from guanai.care.services import RecordInvalid
from guanai.children.choices import Concern, RiskLevel
from guanai.core.errors import ApplicationError
from guanai.core.forms import StyledFormMixin, show_error

# Fields shown only for some kinds of record (app.js: data-show-when).
SHOW_WHEN = {
    "caller": "kind=parent_contact",
    "duration_minutes": "kind=parent_contact",
    "items": "kind=assistance",
    "amount_yuan": "kind=assistance",
    "risk_level": "kind=counselling",
    "apply_concerns": "kind=counselling",
}


def show_refusal(form: forms.BaseForm, error: ApplicationError) -> None:
    """A care service's refusal on the form that asked: each field's message beside it
    (RecordInvalid), or the one message where core.forms.show_error puts it."""
    if isinstance(error, RecordInvalid):
        for field, message in error.errors.items():
            form.add_error(field if field in form.fields else None, message)
    else:
        show_error(form, error)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class RecordForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=RecordKind.choices)
    occurred_on = forms.DateField(label=_("日期"), widget=DateInput())
    method = forms.ChoiceField(
        label=_("方式"), choices=Method.choices, widget=forms.RadioSelect, initial=Method.IN_PERSON
    )
    caller = forms.ChoiceField(
        label=_("谁打的电话"), choices=[("", "—"), *Caller.choices], required=False
    )
    duration_minutes = forms.IntegerField(
        label=_("通话时长（分钟）"), required=False, min_value=1, max_value=600
    )
    found = forms.CharField(
        label=_("了解到的情况"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    done = forms.CharField(
        label=_("采取的措施"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    concerns = forms.MultipleChoiceField(
        label=_("发现的问题（六失）"),
        choices=Concern.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    items = forms.CharField(label=_("物资"), required=False, max_length=200)
    amount_yuan = forms.DecimalField(
        label=_("折合金额（元）"), required=False, max_digits=10, decimal_places=2, min_value=0
    )
    follow_up = forms.CharField(label=_("跟进事项"), required=False, max_length=500)
    follow_up_by = forms.DateField(label=_("跟进期限"), required=False, widget=DateInput())
    # A counselling session's conclusions on the child's file.
    risk_level = forms.ChoiceField(
        label=_("更新风险等级"),
        choices=[("", _("不变")), *RiskLevel.choices],
        required=False,
    )
    apply_concerns = forms.BooleanField(label=_("把发现的问题写入档案的关注类别"), required=False)

    def __init__(
        self, *args: Any, kinds: list[tuple[str, str]], correcting: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds  # type: ignore[attr-defined]
        if "occurred_on" not in self.initial:
            self.initial["occurred_on"] = timezone.localdate()
        if correcting:
            # A counselling session stays one, and nothing else becomes one (the kind decides
            # who may read the notes); the file's conclusions were drawn once.
            session = self.initial.get("kind") == RecordKind.COUNSELLING
            self.fields["kind"].choices = [  # type: ignore[attr-defined]
                (code, label)
                for code, label in kinds
                if (code == RecordKind.COUNSELLING) is session
            ]
            for name in ("risk_level", "apply_concerns"):
                del self.fields[name]
        for name, rule in SHOW_WHEN.items():
            if name in self.fields:
                self.fields[name].widget.attrs["data-show-when"] = rule
        self.fields["concerns"].widget.attrs["class"] = "form-check-input"

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("risk_level", None)
        data.pop("apply_concerns", None)
        data["caller"] = data.get("caller") or ""
        return data


class PlanForm(StyledFormMixin, forms.Form):
    high_every = forms.IntegerField(label=_("高风险：每"), min_value=1, max_value=366)
    high_unit = forms.ChoiceField(label=_("单位"), choices=Unit.choices)
    medium_every = forms.IntegerField(label=_("中风险：每"), min_value=1, max_value=366)
    medium_unit = forms.ChoiceField(label=_("单位"), choices=Unit.choices)
    low_every = forms.IntegerField(label=_("低风险：每"), min_value=1, max_value=366)
    low_unit = forms.ChoiceField(label=_("单位"), choices=Unit.choices)
    parent_contact_days = forms.IntegerField(
        label=_("父母与孩子联系：至少每几天一次"), min_value=1, max_value=7
    )


class AssignForm(StyledFormMixin, forms.Form):
    what = forms.ChoiceField(
        choices=[
            ("teacher", _("责任教师")),
            ("mentor", _("导师")),
            ("counsellor", _("心理辅导教师")),
        ]
    )
    user = forms.TypedChoiceField(label=_("老师"), coerce=int, choices=[])
