from django import forms
from django.utils.translation import gettext_lazy as _

from guanai.conflicts.models import IdentityConflict
from guanai.core.forms import StyledFormMixin

State = IdentityConflict.State


class ResolveForm(StyledFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("处理结果"),
        choices=[(State.RESOLVED, State.RESOLVED.label), (State.REJECTED, State.REJECTED.label)],
        widget=forms.Select(attrs={"aria-label": _("处理结果")}),
    )
    note = forms.CharField(
        label=_("处理说明"),
        max_length=2000,
        widget=forms.TextInput(
            attrs={
                "aria-label": _("处理说明"),
                "placeholder": _("如：已与原登记县核实，儿童已迁入"),
            }
        ),
    )
