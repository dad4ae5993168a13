from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guanai.accounts.models import User
from guanai.areas.models import Area, School
from guanai.areas.selectors import townships_for_school_management
from guanai.core.forms import StyledFormMixin


class SchoolForm(StyledFormMixin, forms.ModelForm[School]):
    class Meta:
        model = School
        fields = ["name", "code", "area", "stage"]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        area_field: forms.ModelChoiceField[Area] = self.fields["area"]  # type: ignore[assignment]
        area_field.queryset = townships_for_school_management(user)
        area_field.label = _("所在乡镇")
        if self.instance.pk:
            self.fields["code"].disabled = True


class SchoolFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(label=_("学校名称"), required=False, max_length=50)
    township = forms.CharField(label=_("乡镇"), required=False, max_length=12)
