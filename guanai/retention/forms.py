from django import forms
from django.utils.translation import gettext_lazy as _

from guanai.core.forms import StyledFormMixin
from guanai.retention.models import MAX_MONTHS, MIN_MONTHS


class PolicyForm(StyledFormMixin, forms.Form):
    months_after_exit = forms.IntegerField(
        label=_("移出后保留月数"),
        min_value=MIN_MONTHS,
        max_value=MAX_MONTHS,
        help_text=_("儿童移出名册满这么多个月后，档案匿名化。"),
    )
    months_after_adulthood = forms.IntegerField(
        label=_("年满18周岁后保留月数"),
        min_value=MIN_MONTHS,
        max_value=MAX_MONTHS,
        help_text=_("从18周岁生日起算，满这么多个月后，档案匿名化。"),
    )


class CountyFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(label=_("县名称或代码"), required=False, max_length=50)
